package imagebuild

import (
	"bytes"
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
