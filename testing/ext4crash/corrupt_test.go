package ext4crash

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"aramid/kernel/fs/ext4/layout"
	"aramid/testing/qemu"
)

// base is the image every corruption starts from, with what the
// corruptions need to find in it.
type base struct {
	img      []byte
	bs       int64
	sb       *layout.Superblock
	rootIno  int64 // byte offset of the root inode
	fileIno  int64 // byte offset of /d/f's inode
	dirBlk   int64 // /d's first block
	dirGen   uint32
	dirIno   uint32
	htreeBlk int64 // /h's first block (its dx root)
	htreeGen uint32
	htreeIno uint32
	leafBlk  int64 // /big's extent tree leaf
	bigIno   uint32
	bigGen   uint32
}

// debugfsOut runs one debugfs request on img.
func debugfsOut(t *testing.T, img, req string) string {
	t.Helper()
	out, err := exec.Command("debugfs", "-R", req, img).Output()
	if err != nil {
		t.Fatalf("debugfs %q: %v", req, err)
	}
	return string(out)
}

func firstNum(t *testing.T, s, after string) int64 {
	t.Helper()
	i := strings.Index(s, after)
	if i < 0 {
		t.Fatalf("%q not in %q", after, s)
	}
	m := regexp.MustCompile(`^\s*(0x[0-9a-fA-F]+|\d+)`).FindStringSubmatch(s[i+len(after):])
	if m == nil {
		t.Fatalf("no number after %q in %q", after, s)
	}
	n, err := strconv.ParseInt(m[1], 0, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// makeBase builds a 16 MiB image (mke2fs's defaults: 1 KiB blocks) holding a directory, files,
// symlinks, an indexed directory, a file with an extent tree of depth 1
// (withJournal adds transactions awaiting replay).
func makeBase(t *testing.T, dir string) *base {
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "d/e"), 0o755)
	os.MkdirAll(filepath.Join(src, "h"), 0o755)
	for i := 0; i < 300; i++ {
		os.WriteFile(filepath.Join(src, "h", fmt.Sprintf("a-longish-name-to-fill-blocks-%03d", i)), []byte{byte(i)}, 0o644)
	}
	os.WriteFile(filepath.Join(src, "d/f"), []byte(strings.Repeat("file data ", 2000)), 0o644)
	os.WriteFile(filepath.Join(src, "d/e/g"), []byte("g"), 0o644)
	os.Symlink("d/f", filepath.Join(src, "fast"))
	os.Symlink(strings.Repeat("long/", 30)+"target", filepath.Join(src, "slow"))
	f, _ := os.Create(filepath.Join(src, "big"))
	for i := 0; i < 12; i++ {
		f.WriteAt([]byte("extent"), int64(i)*65536)
	}
	f.Close()
	img := filepath.Join(dir, "base.img")
	mkfs(t, img, "16M", "-d", src)
	cmd := exec.Command("e2fsck", "-fyD", img)
	cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1700000000")
	cmd.Run()
	if out, err := exec.Command("e2fsck", "-fn", img).CombinedOutput(); err != nil {
		t.Fatalf("base image not clean: %v\n%s", err, out)
	}
	b := &base{}
	var err error
	if b.img, err = os.ReadFile(img); err != nil {
		t.Fatal(err)
	}
	if b.sb, err = layout.DecodeSuperblock(b.img[1024:]); err != nil {
		t.Fatal(err)
	}
	b.bs = int64(b.sb.BlockSize())
	inodeOff := func(path string) int64 {
		s := debugfsOut(t, img, "imap "+path)
		return firstNum(t, s, "located at block ")*b.bs + firstNum(t, s, "offset ")
	}
	b.rootIno, b.fileIno = inodeOff("<2>"), inodeOff("/d/f")
	stat := func(path string) (ino, gen uint32) {
		s := debugfsOut(t, img, "stat "+path)
		return uint32(firstNum(t, s, "Inode: ")), uint32(firstNum(t, s, "Generation: "))
	}
	b.dirIno, b.dirGen = stat("/d")
	b.htreeIno, b.htreeGen = stat("/h")
	b.bigIno, b.bigGen = stat("/big")
	b.dirBlk = firstNum(t, debugfsOut(t, img, "bmap /d 0"), "")
	b.htreeBlk = firstNum(t, debugfsOut(t, img, "bmap /h 0"), "")
	if b.bs != 1024 {
		t.Fatalf("block size %d: the corruptions' offsets assume 1 KiB blocks", b.bs)
	}
	b.leafBlk = firstNum(t, debugfsOut(t, img, "stat /big"), "(ETB0):")
	if !strings.Contains(debugfsOut(t, img, "htree /h"), "Root node dump") {
		t.Fatal("/h is not an indexed directory")
	}
	return b
}

// withJournal returns img with transactions committed in its journal by
// debugfs (needs_recovery set): copies of /d's directory block and of a
// data block of /d/f.
func withJournal(t *testing.T, dir string, b *base, csum bool) []byte {
	img := filepath.Join(dir, fmt.Sprintf("journal-%v.img", csum))
	os.WriteFile(img, b.img, 0o644)
	data := filepath.Join(dir, "logged")
	os.WriteFile(data, b.img[b.dirBlk*b.bs:(b.dirBlk+1)*b.bs], 0o644)
	opt := ""
	if csum {
		opt = " -c"
	}
	cmds := fmt.Sprintf("jo%s\njw -b %d %s\njc\njo\njw -b %d %s\njc\n", opt, b.dirBlk, data, b.dirBlk, data)
	os.WriteFile(filepath.Join(dir, "cmds"), []byte(cmds), 0o644)
	if out, err := exec.Command("debugfs", "-w", "-f", filepath.Join(dir, "cmds"), img).CombinedOutput(); err != nil {
		t.Fatalf("debugfs: %v\n%s", err, out)
	}
	out, _ := os.ReadFile(img)
	return out
}

// journalBlock returns the byte offset of journal block n in img.
func journalBlock(t *testing.T, dir string, b *base, img []byte, n int) int64 {
	p := filepath.Join(dir, "jb.img")
	os.WriteFile(p, img, 0o644)
	return firstNum(t, debugfsOut(t, p, fmt.Sprintf("bmap <8> %d", n)), "") * b.bs
}

func xor(img []byte, off int64, pattern ...byte) {
	for i, p := range pattern {
		img[off+int64(i)] ^= p
	}
}

func put32(img []byte, off int64, v uint32) { binary.LittleEndian.PutUint32(img[off:], v) }

// fixSuper recomputes the superblock's checksum.
func fixSuper(img []byte) {
	put32(img, 1024+0x3FC, layout.Crc32c(^uint32(0), img[1024:1024+0x3FC]))
}

// fixInode recomputes the checksum of the inode at off.
func fixInode(b *base, img []byte, off int64, ino uint32) {
	b.sb.SetInodeChecksum(ino, img[off:off+int64(b.sb.InodeSize)])
}

// corruption makes one bad disk from the base.
type corruption struct {
	name string
	// found: the kernel must notice (the mount or an operation fails).
	found bool
	make  func(t *testing.T, dir string, b *base) []byte
}

var corruptions = []corruption{
	{"super-magic", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		xor(img, 1024+0x38, 0xFF)
		return img
	}},
	{"super-bytes-bad-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		xor(img, 1024+0x04, 0x5A, 0x5A, 0x5A)
		return img
	}},
	{"super-inodes-per-group-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		put32(img, 1024+0x28, 0x7FFFFFF0)
		fixSuper(img)
		return img
	}},
	{"super-blocks-count-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		put32(img, 1024+0x04, 0x7FFFFFF0)
		fixSuper(img)
		return img
	}},
	{"super-log-block-size-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		put32(img, 1024+0x18, 9)
		fixSuper(img)
		return img
	}},
	{"super-first-data-block-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		put32(img, 1024+0x14, 3000)
		put32(img, 1024+0x20, 0x10) // blocks per group
		fixSuper(img)
		return img
	}},
	{"groupdesc-bytes-bad-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		blk, off := b.sb.GroupDescLocation(0)
		xor(img, int64(blk)*b.bs+int64(off)+0x08, 0x11, 0x22, 0x33) // the inode table's place
		return img
	}},
	{"groupdesc-inode-table-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		return debugfsEdit(t, dir, b.img, "set_bg 0 inode_table 3000000", "set_bg 0 checksum calc")
	}},
	{"groupdesc-bitmaps-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		return debugfsEdit(t, dir, b.img, "set_bg 0 block_bitmap 1", "set_bg 0 inode_bitmap 2", "set_bg 0 checksum calc")
	}},
	{"root-inode-bad-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		xor(img, b.rootIno+0x28, 0x40) // i_block: the extent header
		return img
	}},
	{"root-inode-not-dir-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		img[b.rootIno+1] = 0x80 // S_IFREG
		fixInode(b, img, b.rootIno, 2)
		return img
	}},
	{"file-inode-extent-header-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		fino := uint32(firstNum(t, debugfsOut(t, writeTemp(t, dir, b.img), "stat /d/f"), "Inode: "))
		xor(img, b.fileIno+0x28+4, 0x07) // eh_max
		xor(img, b.fileIno+0x28+6, 0x03) // eh_depth
		fixInode(b, img, b.fileIno, fino)
		return img
	}},
	{"file-inode-extent-beyond-disk-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		fino := uint32(firstNum(t, debugfsOut(t, writeTemp(t, dir, b.img), "stat /d/f"), "Inode: "))
		put32(img, b.fileIno+0x28+12+8, 0x0FFFFFF0) // ee_start_lo of the first extent
		fixInode(b, img, b.fileIno, fino)
		return img
	}},
	{"extent-leaf-bad-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		xor(img, b.leafBlk*b.bs+12+8, 0x77)
		return img
	}},
	{"extent-leaf-garbage-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		blk := img[b.leafBlk*b.bs : (b.leafBlk+1)*b.bs]
		binary.LittleEndian.PutUint16(blk[2:], 300)            // eh_entries beyond eh_max
		put32(blk, 12+12+8, 0xFFFFFFF0)                        // the second extent's start
		binary.LittleEndian.PutUint16(blk[12+12+4:], 0x8000-1) // and length
		layout.SetExtentBlockChecksum(b.sb.InodeCsumSeed(b.bigIno, b.bigGen), blk)
		return img
	}},
	{"dir-block-bad-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		xor(img, b.dirBlk*b.bs+24+8, 0x21)
		return img
	}},
	{"dir-block-rec-len-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		blk := img[b.dirBlk*b.bs : (b.dirBlk+1)*b.bs]
		binary.LittleEndian.PutUint16(blk[12+4:], 7) // ".."'s rec_len
		layout.SetDirTail(b.sb.InodeCsumSeed(b.dirIno, b.dirGen), blk)
		return img
	}},
	{"dir-entry-inode-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		blk := img[b.dirBlk*b.bs : (b.dirBlk+1)*b.bs]
		put32(blk, 24, 0x7FFFFFF0) // the third entry's inode number
		layout.SetDirTail(b.sb.InodeCsumSeed(b.dirIno, b.dirGen), blk)
		return img
	}},
	{"dir-loop-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		// Entries naming the root, their own directory and an ancestor.
		return debugfsEdit(t, dir, b.img, "ln <2> /d/loop", "ln /d /d/self", "ln /d /d/e/up")
	}},
	{"htree-root-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := clone(b.img)
		blk := img[b.htreeBlk*b.bs : (b.htreeBlk+1)*b.bs]
		blk[0x1C] = 7                                       // indirect_levels
		binary.LittleEndian.PutUint16(blk[0x20+2:], 0xFFF0) // count
		layout.SetDxChecksum(b.sb.InodeCsumSeed(b.htreeIno, b.htreeGen), blk, 0x20)
		return img
	}},
	{"journal-super-bad-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := withJournal(t, dir, b, true)
		xor(img, journalBlock(t, dir, b, img, 0)+0x14, 0x01, 0x02) // s_first
		return img
	}},
	{"journal-super-start-csum-ok", true, func(t *testing.T, dir string, b *base) []byte {
		img := withJournal(t, dir, b, true)
		off := journalBlock(t, dir, b, img, 0)
		binary.BigEndian.PutUint32(img[off+0x1C:], 0x7FFFFFF0) // s_start beyond s_maxlen
		js := img[off : off+1024]
		binary.BigEndian.PutUint32(js[0xFC:], 0)
		binary.BigEndian.PutUint32(js[0xFC:], layout.Crc32c(^uint32(0), js))
		return img
	}},
	{"journal-descriptor-bad-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := withJournal(t, dir, b, true)
		xor(img, journalBlock(t, dir, b, img, 1)+12+4, 0x10) // the first tag's block number
		return img
	}},
	{"journal-tag-beyond-disk-no-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := withJournal(t, dir, b, false)
		off := journalBlock(t, dir, b, img, 1) + 12
		binary.BigEndian.PutUint32(img[off:], 0x7FFFFFF0) // the first tag's block number
		return img
	}},
	{"journal-logged-dir-block-garbage-no-csum", true, func(t *testing.T, dir string, b *base) []byte {
		img := withJournal(t, dir, b, false)
		xor(img, journalBlock(t, dir, b, img, 2)+12+4, 0x33) // the logged copy of /d's block
		xor(img, journalBlock(t, dir, b, img, 5)+12+4, 0x33) // in both transactions
		return img
	}},
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func writeTemp(t *testing.T, dir string, img []byte) string {
	p := filepath.Join(dir, "tmp.img")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// debugfsEdit applies debugfs write requests (which keep the checksums
// right) to a copy of img.
func debugfsEdit(t *testing.T, dir string, img []byte, reqs ...string) []byte {
	p := writeTemp(t, dir, img)
	os.WriteFile(filepath.Join(dir, "edit"), []byte(strings.Join(reqs, "\n")+"\n"), 0o644)
	if out, err := exec.Command("debugfs", "-w", "-f", filepath.Join(dir, "edit"), p).CombinedOutput(); err != nil {
		t.Fatalf("debugfs %v: %v\n%s", reqs, err, out)
	}
	out, _ := os.ReadFile(p)
	return out
}

// Errno numbers (x86_64).
const (
	eIO     = 5
	eINVAL  = 22
	eLOOP   = 40
	eUCLEAN = 117
)

func TestCorrupt(t *testing.T) {
	dir := t.TempDir()
	b := makeBase(t, dir)
	corruptions := corruptions
	if only := os.Getenv("ARAMID_EXT4CORRUPT_ONLY"); only != "" {
		var some []corruption
		for _, c := range corruptions {
			if strings.Contains(c.name, only) {
				some = append(some, c)
			}
		}
		corruptions = some
	}
	var args []string
	for i, c := range corruptions {
		img := c.make(t, dir, b)
		if len(img) != len(b.img) {
			t.Fatalf("%s: image size changed", c.name)
		}
		p := filepath.Join(dir, fmt.Sprintf("disk%02d.img", i))
		if err := os.WriteFile(p, img, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-drive", fmt.Sprintf("file=%s,if=virtio,format=raw", p))
	}
	initrd := filepath.Join(dir, "corrupt.cpio")
	if err := writeInitrd(initrd, nil); err != nil {
		t.Fatal(err)
	}
	bad := ""
	res, err := qemu.Run(context.Background(), qemu.Config{Kernel: kernelPath, Initrd: initrd, Memory: "512M", Timeout: 900 * time.Second,
		Append: fmt.Sprintf("console=ttyS0 -- corrupt %d", len(corruptions)), Args: append(args, "-nic", "none")}, func(l qemu.Line) bool {
		if panicked(l.Text) || strings.HasPrefix(l.Text, "FATAL") {
			bad = l.Text
			return true
		}
		return false
	})
	if err != nil || bad != "" {
		log := ""
		if res != nil {
			log = res.Log()
		}
		t.Fatalf("%v %q; serial log:\n%s", err, bad, log)
	}
	log := res.Log()
	if _, ok := res.Find("HEALTH exec status 7 file alive"); !ok {
		t.Error("after the corrupted disks the kernel did not fork, exec and write a file")
	}
	opRE := regexp.MustCompile(`^(MOUNT|OP|UMOUNT) (vd[a-z]+) (.*) errno (\d+)$`)
	failures := map[string]int{}
	for _, l := range res.Lines {
		m := opRE.FindStringSubmatch(l.Text)
		if m == nil {
			if strings.HasPrefix(l.Text, "OP ") || strings.HasPrefix(l.Text, "MOUNT ") && !strings.HasSuffix(l.Text, " ok") {
				t.Errorf("unparsed line %q", l.Text)
			}
			continue
		}
		i := int(m[2][2]-'a') + 26*(len(m[2])-3)
		name := "?"
		if i < len(corruptions) {
			name = corruptions[i].name
		}
		errno, _ := strconv.Atoi(m[4])
		failures[m[2]]++
		switch m[1] {
		case "MOUNT":
			if errno != eUCLEAN && errno != eINVAL && errno != eIO {
				t.Errorf("%s (%s): mount %s fails with errno %d, want EUCLEAN, EINVAL or EIO", name, m[2], m[3], errno)
			}
		default:
			// A directory entry naming an ancestor is ELOOP (Linux's
			// d_splice_alias).
			loop := name == "dir-loop-csum-ok" && errno == eLOOP && (strings.HasSuffix(m[3], "/loop") || strings.HasSuffix(m[3], "/up"))
			if errno != eUCLEAN && errno != eIO && !loop {
				t.Errorf("%s (%s): %s fails with errno %d, want EIO or EUCLEAN", name, m[2], m[3], errno)
			}
		}
	}
	for i, c := range corruptions {
		disk := "vd" + string(rune('a'+i))
		if !strings.Contains(log, "MOUNT "+disk+" ") {
			t.Errorf("%s (%s): never mounted", c.name, disk)
		}
		if c.found && failures[disk] == 0 {
			t.Errorf("%s (%s): nothing failed: the corruption went unnoticed", c.name, disk)
		}
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	} else {
		for i, c := range corruptions {
			disk := "vd" + string(rune('a'+i))
			var lines []string
			for _, l := range res.Lines {
				if strings.Contains(l.Text, " "+disk+" ") {
					lines = append(lines, l.Text)
				}
			}
			t.Logf("%s: %s", c.name, strings.Join(lines, "; "))
		}
	}
}
