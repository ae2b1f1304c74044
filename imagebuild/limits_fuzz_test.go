package imagebuild

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/cpio"
	"aramid/imagebuild/disk/ext4"
	"aramid/imagebuild/recipe"
	"aramid/imagebuild/tree"
)

// limitSeeds are recipes at and beyond every limit recipe.Validate checks.
var limitSeeds = []string{
	"name: fuzz\nseed: s\noutputs: [initramfs, disk]\nfiles:\n  - {path: /dev/x, device: {kind: char, major: 4095, minor: 1048575}}\n",
	"name: fuzz\nseed: s\noutputs: [initramfs, disk]\nfiles:\n  - {path: /dev/x, device: {kind: block, major: 4096, minor: 99999999}}\n",
	"name: fuzz\nseed: s\noutputs: [initramfs]\nfiles:\n  - {path: /a, uid: 4294967294, gid: 4294967295, contents: x}\n",
	"name: fuzz\nseed: s\noutputs: [disk]\nfiles:\n  - {path: /a, contents: x, mode: 0o7777}\n  - {path: /b, hardlink: /a}\n  - {path: /c, symlink: a, mode: 0o700}\n",
	"name: fuzz\nseed: s\noutputs: [initramfs, disk]\ncmdline: console=ttyS0 $x\nfiles:\n  - {path: /" + strings.Repeat("n", 255) + ", symlink: " + strings.Repeat("t", 4095) + "}\n",
	"name: fuzz\nseed: s\noutputs: [initramfs, disk]\nfiles:\n  - {path: /" + strings.Repeat("n", 256) + ", fifo: true}\n",
	"name: fuzz\nseed: s\noutputs: [initramfs, disk]\nfiles:\n  - {path: \"/a\\0b\", directory: true}\n  - {path: /d, directory: true, uid: 7}\n",
}

// FuzzRecipeOutputs decodes and validates arbitrary recipes; for every one
// that validates, its files are written as the initramfs (newc) and the
// disk's root (ext4) and read back: both outputs must hold every value the
// recipe gave (device numbers, owners, modes, names, link targets) — a value
// an output cannot hold must have failed validation instead of being
// truncated. A rejected recipe must be rejected in one line.
func FuzzRecipeOutputs(f *testing.F) {
	for _, s := range limitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := recipe.Decode("recipes/fuzz.yaml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line decode error: %q", err)
			}
			return
		}
		if err := r.ValidateFor([]string{"initramfs", "disk"}); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line validation error: %q", err)
			}
			return
		}
		tr := tree.New()
		for i, fe := range r.Files {
			e, err := generated(r, fe)
			if err != nil {
				t.Fatalf("files[%d] validated but has no source: %v", i, err)
			}
			if err := tr.Add(e); err != nil {
				return // a clash between entries: an error at build time, before any output
			}
		}
		if tr.Check() != nil {
			return
		}
		want := tree.CanonicalHardlinks(tr.Rows())
		for i := range want {
			want[i].Origin = ""
		}
		var cb bytes.Buffer
		if err := cpio.WriteTree(&cb, tr, time.Unix(0, 0)); err != nil {
			t.Fatalf("validated recipe, cpio writer refuses it: %v", err)
		}
		got, err := InspectCpio(&cb)
		if err != nil {
			t.Fatalf("reading our own cpio: %v", err)
		}
		same(t, "initramfs", tree.CanonicalHardlinks(got), want)
		img, err := ext4.Build(tr, ext4.Options{Time: time.Unix(0, 0)})
		if err != nil {
			t.Fatalf("validated recipe, ext4 writer refuses it: %v", err)
		}
		l, err := ext4.Read(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			t.Fatalf("reading our own ext4: %v", err)
		}
		same(t, "ext4", tree.CanonicalHardlinks(l.Files), want)
	})
}

func same(t *testing.T, what string, got, want []tree.File) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, the recipe has %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: row %d:\n got %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

// FuzzRecipeFields fuzzes the values of one file entry rather than the
// recipe's text, so every limit is reached: the recipe must validate exactly
// when each value is within the limit this test states on its own (the
// oracle below, from Linux and the formats, not from the validator), and an
// accepted entry must come back unchanged from both writers.
func FuzzRecipeFields(f *testing.F) {
	f.Add(uint8(0), uint32(4095), uint32(1048575), uint32(0), uint32(0), false, uint32(0), uint16(10), uint8(0), uint16(0))
	f.Add(uint8(1), uint32(4096), uint32(1), uint32(4294967295), uint32(0), false, uint32(0), uint16(255), uint8(19), uint16(0))
	f.Add(uint8(2), uint32(0), uint32(0), uint32(1000), uint32(4294967294), true, uint32(0o7777), uint16(256), uint8(20), uint16(0))
	f.Add(uint8(3), uint32(0), uint32(0), uint32(0), uint32(0), true, uint32(0o777), uint16(3), uint8(0), uint16(4095))
	f.Add(uint8(3), uint32(0), uint32(0), uint32(0), uint32(0), false, uint32(0), uint16(3), uint8(0), uint16(4096))
	f.Add(uint8(4), uint32(0), uint32(0), uint32(0), uint32(0), true, uint32(0o10000), uint16(1), uint8(0), uint16(0))
	f.Fuzz(func(t *testing.T, kind uint8, major, minor, uid, gid uint32, hasMode bool, mode uint32, nameLen uint16, depth uint8, targetLen uint16) {
		// The path: depth directories of 200 bytes, then a name of nameLen.
		var p strings.Builder
		for i := 0; i < int(depth%32); i++ {
			p.WriteString("/" + strings.Repeat("d", 200))
		}
		p.WriteString("/" + strings.Repeat("n", int(nameLen%1024)))
		path := p.String()
		entry := fmt.Sprintf("{path: %s, uid: %d, gid: %d", path, uid, gid)
		if hasMode {
			entry += fmt.Sprintf(", mode: 0o%o", mode)
		}
		target := strings.Repeat("t", int(targetLen%8192))
		isDev, isLink := false, false
		switch kind % 6 {
		case 0, 1:
			isDev = true
			entry += fmt.Sprintf(", device: {kind: %s, major: %d, minor: %d}}", []string{"char", "block"}[kind%6], major, minor)
		case 2:
			entry += ", contents: x}"
		case 3:
			isLink = true
			entry += fmt.Sprintf(", symlink: %q}", target)
		case 4:
			entry += ", fifo: true}"
		case 5:
			entry += ", directory: true}"
		}
		src := "name: fuzz\nseed: s\noutputs: [initramfs, disk]\nfiles:\n  - " + entry + "\n"

		name := int(nameLen % 1024)
		valid := uid <= recipe.MaxID && gid <= recipe.MaxID &&
			name >= 1 && name <= 255 && len(path) <= 4096 &&
			(!hasMode || mode <= 0o7777 && !isLink) &&
			(!isDev || major < 1<<12 && minor < 1<<20) &&
			(!isLink || len(target) >= 1 && len(target) <= 4095)

		r, err := recipe.Decode("recipes/fuzz.yaml", []byte(src))
		if err != nil {
			t.Fatalf("decode of a generated recipe: %v", err)
		}
		err = r.Validate()
		if (err == nil) != valid {
			t.Fatalf("Validate = %v, but the values are valid=%v\n%.300s", err, valid, src)
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		tr := tree.New()
		e, err := generated(r, r.Files[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Add(e); err != nil {
			t.Fatalf("tree refuses a validated entry: %v", err)
		}
		want := tr.Rows()
		for i := range want {
			want[i].Origin = ""
		}
		var cb bytes.Buffer
		if err := cpio.WriteTree(&cb, tr, time.Unix(0, 0)); err != nil {
			t.Fatalf("validated entry, cpio writer refuses it: %v", err)
		}
		got, err := InspectCpio(&cb)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "initramfs", got, want)
		img, err := ext4.Build(tr, ext4.Options{Time: time.Unix(0, 0)})
		if err != nil {
			t.Fatalf("validated entry, ext4 writer refuses it: %v", err)
		}
		l, err := ext4.Read(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			t.Fatal(err)
		}
		same(t, "ext4", l.Files, want)
	})
}
