package ext4

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/tree"
)

func sample(t testing.TB, big int) *tree.Tree {
	tr := tree.New()
	add := func(e tree.Entry) {
		if err := tr.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	add(tree.Entry{Path: "/usr/bin/prog", Type: tree.Regular, Mode: 0o755, Data: []byte("#!/bin/sh\necho hi\n")})
	add(tree.Entry{Path: "/usr/bin/alias", Type: tree.Hardlink, Target: "/usr/bin/prog"})
	add(tree.Entry{Path: "/bin", Type: tree.Symlink, Mode: 0o777, Target: "usr/bin"})
	add(tree.Entry{Path: "/long", Type: tree.Symlink, Mode: 0o777, Target: "/" + strings.Repeat("x", 100)})
	add(tree.Entry{Path: "/dev/console", Type: tree.CharDev, Mode: 0o600, Major: 5, Minor: 1})
	add(tree.Entry{Path: "/dev/big", Type: tree.BlockDev, Mode: 0o600, Major: 259, Minor: 300})
	add(tree.Entry{Path: "/run/fifo", Type: tree.Fifo, Mode: 0o644})
	add(tree.Entry{Path: "/tmp", Type: tree.Dir, Mode: 0o1777})
	add(tree.Entry{Path: "/etc/empty", Type: tree.Regular, Mode: 0o600, UID: 1000, GID: 70000})
	for i := 0; i < 300; i++ { // several directory blocks: an htree
		add(tree.Entry{Path: fmt.Sprintf("/many/file-with-a-longish-name-%03d", i), Type: tree.Regular, Mode: 0o644, Data: []byte{byte(i)}})
	}
	data := make([]byte, big)
	for i := range data {
		data[i] = byte(i * 7)
	}
	add(tree.Entry{Path: "/big", Type: tree.Regular, Mode: 0o644, Data: data})
	return tr
}

func opts() Options {
	return Options{UUID: [16]byte{1, 2, 3}, HashSeed: [16]byte{4, 5, 6}, Time: time.Unix(1700000000, 0), Label: "aramid-root"}
}

func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs e2fsprogs)", tool)
		}
	}
}

// writeImage lays out tr and writes it, sparse, to a new file.
func writeImage(t testing.TB, tr *tree.Tree, o Options) (string, *Image) {
	t.Helper()
	im, err := Make(tr, o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fs.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(im.Size); err != nil {
		t.Fatal(err)
	}
	if err := im.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path, im
}

func fsck(t testing.TB, f string) {
	t.Helper()
	out, err := exec.Command("e2fsck", "-fn", f).CombinedOutput()
	if err != nil {
		t.Fatalf("e2fsck -fn: %v\n%s", err, out)
	}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "E2FSPROGS_FAKE_TIME=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// debugfsBatch runs requests in one debugfs session and returns each
// one's output.
func debugfsBatch(t testing.TB, img string, reqs []string) []string {
	t.Helper()
	cmds := filepath.Join(t.TempDir(), "cmds")
	if err := os.WriteFile(cmds, []byte(strings.Join(reqs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, "debugfs", "-f", cmds, img)
	parts := strings.Split(out, "debugfs: ")[1:]
	if len(parts) != len(reqs) {
		t.Fatalf("debugfs: %d outputs for %d requests:\n%s", len(parts), len(reqs), out)
	}
	for i, p := range parts {
		parts[i] = strings.TrimPrefix(p, reqs[i]+"\n")
	}
	return parts
}

// TestE2fsck: e2fsck -fn finds nothing to fix in images of one group, of a
// file spanning groups, of several flex groups.
func TestE2fsck(t *testing.T) {
	need(t, "e2fsck")
	tests := []struct {
		name string
		big  int
		size int64
	}{
		{"default size", 1 << 20, 0},
		{"file across groups", 130 << 20, 0},
		{"small", 1000, 16 * mib},
		{"two flex groups", 1000, 5 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts()
			o.Size = tt.size
			f, im := writeImage(t, sample(t, tt.big), o)
			fsck(t, f)
			if tt.size == 0 && im.Size != 256*mib && tt.big < 100<<20 {
				t.Errorf("default size %d, want 256 MiB", im.Size)
			}
			if tt.size == 0 && im.Size < 2*(130<<20) && tt.big > 100<<20 {
				t.Errorf("default size %d for a 130 MiB file: want at least twice the tree", im.Size)
			}
		})
	}
}

// TestManyInodes: a tree with more files than 256 MiB has inodes gets a
// default size with twice the inodes it needs, and e2fsck is clean.
func TestManyInodes(t *testing.T) {
	need(t, "e2fsck")
	tr := tree.New()
	for i := 0; i < 20000; i++ {
		e := tree.Entry{Path: fmt.Sprintf("/d%03d/f%05d", i%200, i), Type: tree.Regular, Mode: 0o644, Data: []byte(fmt.Sprint(i))}
		if err := tr.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	f, im := writeImage(t, tr, opts())
	fsck(t, f)
	if used := im.Inodes - im.FreeInodes; im.FreeInodes < used {
		t.Errorf("%d inodes used, only %d free", used, im.FreeInodes)
	}
}

// dumpe2fsFields are the dumpe2fs lines that depend only on the size and
// the mkfs settings (not on contents, UUIDs, times or the label).
var dumpe2fsFields = regexp.MustCompile(`^(Filesystem (revision|features|flags|state|OS type)|Default mount options|Errors behavior|` +
	`Inode count|Block count|Reserved block count|Overhead clusters|First block|Block size|Fragment size|Group descriptor size|` +
	`Reserved GDT blocks|Blocks per group|Fragments per group|Inodes per group|Inode blocks per group|Flex block group size|` +
	`Mount count|Maximum mount count|Check interval|Reserved blocks [ug]id|First inode|Inode size|Required extra isize|` +
	`Desired extra isize|Journal inode|Default directory hash|Journal backup|Checksum type|Journal features|` +
	`Total journal size|Total journal blocks|Max transaction length|Fast commit length|Journal sequence|Journal start|` +
	`  (Primary superblock|Backup superblock|Reserved GDT blocks|Block bitmap|Inode bitmap|Inode table)|Group [0-9]+: \(Blocks)`)

func geometry(t *testing.T, img string) []string {
	var out []string
	for _, l := range strings.Split(run(t, "dumpe2fs", img), "\n") {
		if dumpe2fsFields.MatchString(l) {
			l = regexp.MustCompile(`,? csum 0x[0-9a-f]+.*$`).ReplaceAllString(l, "")
			out = append(out, l)
		}
	}
	return out
}

// TestMatchesMke2fs: the feature list equals what `mke2fs -t ext4` gives a
// device of the same size; with the usage type this writer follows
// (mke2fs.conf's default: 4 KiB blocks, 16 KiB per inode, which mke2fs
// picks on its own from 512 MiB) every size-dependent superblock field,
// the journal and each group's metadata placement are the same too.
func TestMatchesMke2fs(t *testing.T) {
	need(t, "mke2fs", "dumpe2fs")
	for _, size := range []int64{64 * mib, 256 * mib, 600 * mib, 5 << 30} {
		t.Run(fmt.Sprint(size/mib, "MiB"), func(t *testing.T) {
			o := opts()
			o.Size = size
			ours, _ := writeImage(t, sample(t, 1000), o)
			features := func(img string) string {
				return regexp.MustCompile(`(?m)^Filesystem features:.*$`).FindString(run(t, "dumpe2fs", "-h", img))
			}
			mk := func(extra ...string) string {
				ref := filepath.Join(t.TempDir(), "ref.img")
				f, err := os.Create(ref)
				if err != nil {
					t.Fatal(err)
				}
				f.Truncate(size)
				f.Close()
				run(t, "mke2fs", append(append([]string{"-q", "-F", "-t", "ext4"}, extra...), ref)...)
				return ref
			}
			if got, want := features(ours), features(mk()); got != want || got == "" {
				t.Errorf("features:\n ours   %s\n mke2fs %s", got, want)
			}
			ref := mk("-T", "default")
			got, want := geometry(t, ours), geometry(t, ref)
			if len(want) < 20 {
				t.Fatalf("dumpe2fs of mke2fs's image: only %d lines matched", len(want))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				for i := 0; i < max(len(got), len(want)); i++ {
					var g, w string
					if i < len(got) {
						g = got[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if g != w {
						t.Errorf("dumpe2fs line %d:\n ours   %q\n mke2fs %q", i, g, w)
					}
				}
			}
		})
	}
}

// TestDebugfsReadsBack: debugfs reads every file, symlink, device node,
// fifo and directory of the tree back with its type, mode, owner, links
// and contents.
func TestDebugfsReadsBack(t *testing.T) {
	need(t, "debugfs", "e2fsck")
	tr := sample(t, 3<<20)
	img, _ := writeImage(t, tr, opts())
	fsck(t, img)
	dump := t.TempDir()
	var reqs []string
	entries := tr.Sorted()
	links := tr.Links()
	for i, e := range entries {
		p := "/" + e.Path
		reqs = append(reqs, "stat "+p)
		if e.Type == tree.Regular || e.Type == tree.Symlink && len(e.Target) >= 60 {
			reqs = append(reqs, fmt.Sprintf("dump %s %s/%d", p, dump, i))
		}
	}
	outs := debugfsBatch(t, img, reqs)
	k := 0
	for i, e := range entries {
		st := outs[k]
		k++
		p := "/" + e.Path
		target := e
		if e.Type == tree.Hardlink {
			target, _ = tr.Get(e.Target)
		}
		kind := map[tree.Type]string{tree.Regular: "regular", tree.Dir: "directory", tree.Symlink: "symlink",
			tree.CharDev: "character special", tree.BlockDev: "block special", tree.Fifo: "FIFO"}[target.Type]
		want := []string{"Type: " + kind, fmt.Sprintf("Mode:  0%03o", target.Mode&0o7777),
			fmt.Sprintf("User: %5d   Group: %5d", target.UID, target.GID)}
		switch target.Type {
		case tree.Regular:
			want = append(want, fmt.Sprintf("Size: %d\n", len(target.Data)), fmt.Sprintf("Links: %d ", max(1, links[target.Path])))
		case tree.Symlink:
			if len(target.Target) < 60 {
				want = append(want, fmt.Sprintf("Fast link dest: %q", target.Target))
			}
		case tree.CharDev, tree.BlockDev:
			want = append(want, fmt.Sprintf("Device major/minor number: %02d:%02d", target.Major, target.Minor))
		}
		for _, w := range want {
			if !strings.Contains(st, w) {
				t.Errorf("stat %s: want %q in\n%s", p, w, st)
			}
		}
		if e.Type == tree.Regular || e.Type == tree.Symlink && len(e.Target) >= 60 {
			k++
			got, err := os.ReadFile(fmt.Sprintf("%s/%d", dump, i))
			if err != nil {
				t.Fatal(err)
			}
			want := e.Data
			if e.Type == tree.Symlink {
				want = []byte(e.Target)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: debugfs dumps %d bytes that differ from the tree's %d", p, len(got), len(want))
			}
		}
	}
	// Every directory lists exactly the tree's names.
	children := tr.Children()
	for _, e := range entries {
		if e.Type != tree.Dir {
			continue
		}
		ls := run(t, "debugfs", "-R", "ls -p /"+e.Path, img)
		names := map[string]bool{}
		for _, l := range strings.Split(ls, "\n") {
			if f := strings.Split(l, "/"); len(f) >= 6 {
				names[f[5]] = true
			}
		}
		want := len(children[e.Path]) + 2
		if e.Path == "" {
			want++ // lost+found
		}
		if len(names) != want {
			t.Errorf("/%s: debugfs lists %d names, want %d", e.Path, len(names), want)
		}
	}
}

// TestLargeDirectoriesAreHtrees: a directory of 10,000 names is an htree
// (one index level), one of 10,000 long names needs two; e2fsck checks
// every hash range and debugfs finds every name through the index.
func TestLargeDirectoriesAreHtrees(t *testing.T) {
	need(t, "debugfs", "e2fsck")
	tr := tree.New()
	for i := 0; i < 10000; i++ {
		for _, e := range []tree.Entry{
			{Path: fmt.Sprintf("/short/f%05d", i), Type: tree.Regular, Mode: 0o644},
			{Path: fmt.Sprintf("/long/%s-%05d", strings.Repeat("n", 200), i), Type: tree.Fifo, Mode: 0o644},
		} {
			if err := tr.Add(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	img, im := writeImage(t, tr, opts())
	fsck(t, img)
	if im.HashedDirs != 2 {
		t.Errorf("%d hashed directories, want 2", im.HashedDirs)
	}
	for _, c := range []struct{ dir, levels string }{{"/short", "Indirect levels: 0"}, {"/long", "Indirect levels: 1"}} {
		st := run(t, "debugfs", "-R", "stat "+c.dir, img)
		if !strings.Contains(st, "Flags: 0x81000") { // EXTENTS | INDEX
			t.Errorf("%s is not indexed:\n%s", c.dir, st)
		}
		h := run(t, "debugfs", "-R", "htree "+c.dir, img)
		if !strings.Contains(h, c.levels) {
			t.Errorf("debugfs htree %s: no %q in\n%.2000s", c.dir, c.levels, h)
		}
	}
	// Lookups go through the index (debugfs's namei uses the htree).
	reqs := []string{"stat /short/f00000", "stat /short/f09999", "stat /short/f04567",
		fmt.Sprintf("stat /long/%s-%05d", strings.Repeat("n", 200), 7777)}
	for i, out := range debugfsBatch(t, img, reqs) {
		if !strings.Contains(out, "Inode: ") {
			t.Errorf("%s: %s", reqs[i], out)
		}
	}
}

func fileSum(t *testing.T, p string) [32]byte {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// TestReproducible: two builds of the same tree and options are
// byte-identical, whether written sparse or as bytes; the epoch and the
// seeds show up in the image (controls).
func TestReproducible(t *testing.T) {
	o := opts()
	o.Size = 64 * mib
	a, _ := writeImage(t, sample(t, 5000), o)
	b, _ := writeImage(t, sample(t, 5000), o)
	sumA := fileSum(t, a)
	if sumA != fileSum(t, b) {
		t.Fatal("same inputs, different images")
	}
	whole, err := Build(sample(t, 5000), o)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(whole) != sumA {
		t.Fatal("Build's bytes differ from WriteTo's file")
	}
	for name, change := range map[string]func(*Options){
		"epoch":     func(o *Options) { o.Time = time.Unix(1, 0) },
		"uuid":      func(o *Options) { o.UUID[15] = 9 },
		"hash seed": func(o *Options) { o.HashSeed[15] = 9 },
	} {
		o := o
		change(&o)
		c, _ := writeImage(t, sample(t, 5000), o)
		if sumA == fileSum(t, c) {
			t.Errorf("control: another %s gives the same image", name)
		}
	}
}

// TestReadBack lists images made by Build with Read and compares the listing
// with the tree's manifest rows: every type, owners above 65535, a slow
// symlink, a hashed directory, files of zero to many blocks.
func TestReadBack(t *testing.T) {
	for _, big := range []int{0, 5 * blockSize, 40 << 20} {
		tr := sample(t, big)
		o := opts()
		o.Size = 128 * mib
		img, err := Build(tr, o)
		if err != nil {
			t.Fatal(err)
		}
		l, err := Read(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			t.Fatal(err)
		}
		if l.Label != "aramid-root" {
			t.Errorf("label %q", l.Label)
		}
		want := tree.CanonicalHardlinks(tr.Rows())
		for i := range want {
			want[i].Origin = ""
		}
		if len(l.Files) != len(want) {
			t.Fatalf("big=%d: %d rows, want %d", big, len(l.Files), len(want))
		}
		for i := range want {
			if l.Files[i] != want[i] {
				t.Errorf("big=%d: row %d:\n got %+v\nwant %+v", big, i, l.Files[i], want[i])
			}
		}
	}
}

func TestReadRejects(t *testing.T) {
	img, err := Build(sample(t, 0), opts())
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), img[:1<<20]...)
	bad[1024+0x38] = 0 // magic
	if _, err := Read(bytes.NewReader(bad), int64(len(bad))); err == nil {
		t.Error("no magic: no error")
	}
	if _, err := Read(bytes.NewReader(img[:8192]), 8192); err == nil {
		t.Error("truncated: no error")
	}
}

// TestSizes: an explicit size is used (rounded down to blocks); one too
// small for the tree is refused with ErrTooBig, not truncated.
func TestSizes(t *testing.T) {
	o := opts()
	o.Size = 300*mib + 123
	im, err := Make(sample(t, 0), o)
	if err != nil {
		t.Fatal(err)
	}
	if im.Size != 300*mib {
		t.Errorf("size %d, want %d", im.Size, 300*mib)
	}
	o.Size = 20 * mib
	if _, err := Make(sample(t, 30<<20), o); !errors.Is(err, ErrTooBig) {
		t.Errorf("30 MiB file in 20 MiB: err = %v, want ErrTooBig", err)
	}
	o.Size = 1 * mib
	if _, err := Make(sample(t, 0), o); !errors.Is(err, ErrTooBig) {
		t.Errorf("1 MiB filesystem: err = %v, want ErrTooBig", err)
	}
	tr := sample(t, 0)
	if d, err := DefaultSize(tr); err != nil || d != 256*mib {
		t.Errorf("DefaultSize = %d, %v; want 256 MiB", d, err)
	}
}

func FuzzRead(f *testing.F) {
	img, err := Build(sample(f, 0), opts())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(img[:64<<10])
	f.Fuzz(func(t *testing.T, b []byte) {
		Read(bytes.NewReader(b), int64(len(b)))
	})
}

// TestDeviceLimits: the largest device numbers the inode encoding holds are
// written and read back; one past either is refused, never truncated (the
// old encoding of major 1, minor 99999999 read back as 1:385279).
func TestDeviceLimits(t *testing.T) {
	tests := []struct {
		major, minor uint32
		ok           bool
	}{
		{MaxDevMajor, MaxDevMinor, true},
		{MaxDevMajor + 1, 0, false},
		{0, MaxDevMinor + 1, false},
		{1, 99999999, false},
	}
	for _, tt := range tests {
		tr := tree.New()
		if err := tr.Add(tree.Entry{Path: "/dev/x", Type: tree.CharDev, Mode: 0o600, Major: tt.major, Minor: tt.minor}); err != nil {
			t.Fatal(err)
		}
		img, err := Build(tr, opts())
		if !tt.ok {
			if !errors.Is(err, ErrTooBig) {
				t.Errorf("%d:%d: err = %v, want ErrTooBig", tt.major, tt.minor, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		l, err := Read(bytes.NewReader(img), int64(len(img)))
		if err != nil {
			t.Fatal(err)
		}
		want, got := fmt.Sprintf("%d:%d", tt.major, tt.minor), ""
		for _, f := range l.Files {
			if f.Path == "/dev/x" {
				got = f.Device
			}
		}
		if got != want {
			t.Errorf("read back %q, wrote %s", got, want)
		}
	}
}
