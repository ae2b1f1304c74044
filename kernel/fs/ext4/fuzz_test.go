package ext4

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// memDev is a block.Device in memory.
type memDev struct{ b []byte }

func (d *memDev) SectorSize() int { return 512 }
func (d *memDev) Sectors() uint64 { return uint64(len(d.b) / 512) }
func (d *memDev) ReadSectors(p []byte, s uint64) error {
	if s*512+uint64(len(p)) > uint64(len(d.b)) {
		return abi.EIO
	}
	copy(p, d.b[s*512:])
	return nil
}
func (d *memDev) WriteSectors(p []byte, s uint64) error {
	if s*512+uint64(len(p)) > uint64(len(d.b)) {
		return abi.EIO
	}
	copy(d.b[s*512:], p)
	return nil
}
func (d *memDev) Flush() error   { return nil }
func (d *memDev) ReadOnly() bool { return false }

var seedImage struct {
	once sync.Once
	b    []byte
	err  error
}

// fuzzSeed is a small, reproducible image (fixed time, UUID and hash
// seed) with files, a slow and a fast symlink, a sparse file with an
// extent tree, an htree directory and a journal holding a committed
// transaction.
func fuzzSeed(t testing.TB) []byte {
	need(t, "mkfs.ext4", "e2fsck", "debugfs")
	seedImage.once.Do(func() {
		dir, err := os.MkdirTemp("", "ext4fuzz")
		if err != nil {
			seedImage.err = err
			return
		}
		defer os.RemoveAll(dir)
		src := filepath.Join(dir, "src")
		os.MkdirAll(filepath.Join(src, "d/e"), 0o755)
		os.MkdirAll(filepath.Join(src, "h"), 0o755)
		for i := 0; i < 80; i++ {
			os.WriteFile(filepath.Join(src, "h", "name-of-some-length-"+string(rune('a'+i%26))+string(rune('a'+i/26))), []byte{byte(i)}, 0o644)
		}
		os.WriteFile(filepath.Join(src, "d/f"), make([]byte, 5000), 0o644)
		os.Symlink("d/f", filepath.Join(src, "fast"))
		os.Symlink(string(make([]byte, 0))+"a/very/long/target/that/does/not/fit/in/the/inode/itself/so/it/is/slow", filepath.Join(src, "slow"))
		f, _ := os.Create(filepath.Join(src, "sparse"))
		for i := 0; i < 6; i++ {
			f.WriteAt([]byte("x"), int64(i)*40960)
		}
		f.Close()
		img := filepath.Join(dir, "img")
		cmd := exec.Command("mkfs.ext4", "-F", "-q", "-b", "1024", "-U", "11111111-2222-3333-4444-555555555555",
			"-E", "hash_seed=66666666-7777-8888-9999-000000000000", "-d", src, img, "2M")
		cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1700000000")
		if out, err := cmd.CombinedOutput(); err != nil {
			seedImage.err = errors.New(string(out))
			return
		}
		cmd = exec.Command("e2fsck", "-fyD", img)
		cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1700000000")
		cmd.Run()
		data := filepath.Join(dir, "data")
		os.WriteFile(data, make([]byte, 2048), 0o644)
		cmds := filepath.Join(dir, "cmds")
		os.WriteFile(cmds, []byte("jo -c -v 3\njw -b 1900,1901 "+data+"\njc\n"), 0o644)
		exec.Command("debugfs", "-w", "-f", cmds, img).Run()
		seedImage.b, seedImage.err = os.ReadFile(img)
	})
	if seedImage.err != nil {
		t.Fatal(seedImage.err)
	}
	return seedImage.b
}

// mutate applies the fuzzer's edits to a copy of the seed: each 5-byte
// record XORs one byte, at an offset within the first 256 KiB (where the
// metadata lives) or, with the offset's top bit set, anywhere (the
// journal, file data).
func mutate(seed, edits []byte) []byte {
	img := append([]byte(nil), seed...)
	for len(edits) >= 5 {
		area := min(len(img), 256<<10)
		if edits[3]&0x80 != 0 {
			area = len(img)
		}
		off := int(uint32(edits[0])|uint32(edits[1])<<8|uint32(edits[2])<<16|uint32(edits[3]&0x7f)<<24) % area
		img[off] ^= edits[4]
		edits = edits[5:]
	}
	return img
}

// exercise does what a user would on a mounted filesystem; errors are
// fine, panics and hangs are not.
func exercise(t *testing.T, fs *FS, write bool) {
	v := vfs.New(fs, vfs.Options{Clock: func() time.Time { return time.Unix(1800000000, 0) }})
	fsc := vfs.NewFSContext(v.Root())
	c := &vfs.Caller{}
	budget := 300
	var files, dirs []string // what the walk found, for the writes
	var walk func(p string, depth int)
	walk = func(p string, depth int) {
		if depth > 6 || budget <= 0 {
			return
		}
		budget--
		v.StatAt(c, fsc, nil, p, abi.AT_SYMLINK_NOFOLLOW)
		if in, err := v.InodeAt(c, fsc, nil, p, abi.AT_SYMLINK_NOFOLLOW); err == nil {
			if list, err := in.ListXattrs(c); err == nil {
				for _, name := range strings.Split(string(list), "\x00") {
					if name != "" {
						in.GetXattr(c, name)
					}
				}
			}
		}
		f, err := v.OpenAt(c, fsc, nil, p, abi.O_RDONLY|abi.O_NOFOLLOW|abi.O_NONBLOCK, 0)
		if err != nil {
			v.ReadlinkAt(c, fsc, nil, p)
			return
		}
		defer f.DecRef()
		st, _ := f.Stat()
		switch st.Mode & abi.S_IFMT {
		case abi.S_IFREG:
			files = append(files, p)
			f.Pread(c, make([]byte, 4096), int64(st.Size)-100)
			buf := make([]byte, 8192)
			for i := 0; i < 4; i++ {
				if n, err := f.Read(c, buf); n == 0 || err != nil {
					break
				}
			}
			f.Seek(0, abi.SEEK_HOLE)
			f.Seek(0, abi.SEEK_DATA)
		case abi.S_IFDIR:
			var names []string
			for i := 0; i < 8; i++ {
				b, err := f.Getdents64(4096)
				if err != nil || len(b) == 0 {
					break
				}
				for len(b) >= 19 {
					rl := int(uint16(b[16]) | uint16(b[17])<<8)
					if rl < 19 || rl > len(b) {
						t.Fatalf("bad dirent record length %d", rl)
					}
					name := string(b[19:rl])
					for len(name) > 0 && name[len(name)-1] == 0 {
						name = name[:len(name)-1]
					}
					if name != "." && name != ".." {
						names = append(names, name)
					}
					b = b[rl:]
				}
			}
			dirs = append(dirs, p)
			for _, n := range names {
				walk(p+"/"+n, depth+1)
			}
		}
	}
	walk("", 0)
	fs.Statfs()
	if !write {
		return
	}
	if f, err := v.OpenAt(c, fsc, nil, "/newfile", abi.O_RDWR|abi.O_CREAT, 0o644); err == nil {
		f.Write(c, make([]byte, 10000))
		f.Pwrite(c, []byte("x"), 300000)
		f.Truncate(5)
		f.DecRef()
	}
	v.MkdirAt(c, fsc, nil, "/newdir", 0o755)
	if in, err := v.InodeAt(c, fsc, nil, "/d/f", 0); err == nil {
		in.ListXattrs(c)
		in.GetXattr(c, "user.x")
		in.SetXattr(c, "user.x", make([]byte, 1500), 0)
		in.SetXattr(c, "user.y", []byte("y"), 0)
		in.RemoveXattr(c, "user.x")
	}
	v.RenameAt(c, fsc, nil, "/newfile", nil, "/h/moved", 0)
	v.RenameAt(c, fsc, nil, "/d", nil, "/newdir/d", 0)
	v.RenameAt(c, fsc, nil, "/fast", nil, "/slow", abi.RENAME_EXCHANGE)
	v.UnlinkAt(c, fsc, nil, "/d/f", 0)
	v.UnlinkAt(c, fsc, nil, "/sparse", 0)
	v.SymlinkAt(c, fsc, "a/long/target/for/a/symlink/that/needs/its/own/block/to/live/in", nil, "/h/newlink")
	for i := 0; i < 20; i++ {
		if f, err := v.OpenAt(c, fsc, nil, "/h/added-"+string(rune('a'+i)), abi.O_WRONLY|abi.O_CREAT, 0o644); err == nil {
			f.DecRef()
		}
	}
	// Writes to what the walk found: appends with fsync, renames across
	// directories, unlinks, truncates, links, xattrs, many new names,
	// directory fsync.
	for i, p := range files {
		if i >= 8 {
			break
		}
		if f, err := v.OpenAt(c, fsc, nil, p, abi.O_WRONLY|abi.O_APPEND|abi.O_NOFOLLOW, 0); err == nil {
			f.Write(c, make([]byte, 3000+i*1000))
			f.Fsync()
			f.DecRef()
		}
		switch i % 4 {
		case 0:
			v.UnlinkAt(c, fsc, nil, p, 0)
		case 1:
			if len(dirs) > 0 {
				v.RenameAt(c, fsc, nil, p, nil, dirs[i%len(dirs)]+"/renamed-"+string(rune('a'+i)), 0)
			}
		case 2:
			v.Truncate(c, fsc, p, 1)
			v.LinkAt(c, fsc, nil, p, nil, p+".link", 0)
			if in, err := v.InodeAt(c, fsc, nil, p, abi.AT_SYMLINK_NOFOLLOW); err == nil {
				in.SetXattr(c, "user.fuzz", make([]byte, 200), 0)
			}
		case 3:
			v.Truncate(c, fsc, p, 100000)
		}
	}
	// Enough names in the first directories to split blocks and grow or
	// convert to an index.
	for i, p := range dirs {
		if i >= 2 {
			break
		}
		for j := 0; j < 40; j++ {
			name := p + "/many-names-to-fill-a-block-" + string(rune('a'+j%26)) + string(rune('a'+j/26))
			if f, err := v.OpenAt(c, fsc, nil, name, abi.O_WRONLY|abi.O_CREAT, 0o644); err == nil {
				f.DecRef()
			}
		}
	}
	for i, p := range dirs {
		if i >= 4 {
			break
		}
		if f, err := v.OpenAt(c, fsc, nil, p+"/created", abi.O_RDWR|abi.O_CREAT, 0o644); err == nil {
			f.Write(c, make([]byte, 5000))
			f.Fsync()
			f.DecRef()
		}
		if d, err := v.OpenAt(c, fsc, nil, p, abi.O_RDONLY|abi.O_DIRECTORY, 0); err == nil {
			d.Fsync()
			d.DecRef()
		}
		if i > 0 {
			v.UnlinkAt(c, fsc, nil, p, abi.AT_REMOVEDIR)
		}
	}
	fs.Sync()
	fs.Unmount()
}

// FuzzMount mounts corrupted images and uses them: mounting either
// fails with EINVAL, EUCLEAN, EIO or EROFS, or the filesystem serves
// lookups, reads and writes that fail cleanly. Nothing panics.
func FuzzMount(f *testing.F) {
	seed := fuzzSeed(f)
	f.Add([]byte{})
	// A few hand-made starting points: the superblock, group descriptors,
	// the root inode's area and a directory block.
	for _, off := range []uint32{1024 + 0x18, 1024 + 0x60, 2048 + 8, 2048 + 0x1E, 5*1024 + 256 + 0x28, 5*1024 + 256 + 0x04} {
		f.Add([]byte{byte(off), byte(off >> 8), byte(off >> 16), byte(off >> 24), 0x41})
	}
	// Anywhere in the image (the journal with its committed transaction
	// lies past the first 256 KiB).
	for _, off := range []uint32{1 << 20, 1<<20 + 1024 + 12, 1<<20 + 2048 + 40} {
		f.Add([]byte{byte(off), byte(off >> 8), byte(off >> 16), byte(off>>24) | 0x80, 0x10})
	}
	f.Fuzz(func(t *testing.T, edits []byte) {
		if len(edits) > 500 {
			return
		}
		// A hang is a finding too.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic("ext4 fuzz: input takes more than 20 s")
			}
		}()
		for _, write := range []bool{false, true} {
			dev := &memDev{b: mutate(seed, edits)}
			var flags uint32
			if !write {
				flags = abi.MS_RDONLY
			}
			fs, err := mount(dev, flags, "", func() time.Time { return time.Unix(1800000000, 0) })
			if err != nil {
				if !errors.Is(err, abi.EINVAL) && !errors.Is(err, abi.EUCLEAN) && !errors.Is(err, abi.EIO) && !errors.Is(err, abi.EROFS) {
					t.Fatalf("mount: %v", err)
				}
				continue
			}
			exercise(t, fs, write)
		}
	})
}

// TestFuzzSeedIsClean checks the seed image mounts, reads and takes
// writes, and e2fsck finds it clean after.
func TestFuzzSeedIsClean(t *testing.T) {
	seed := fuzzSeed(t)
	dev := &memDev{b: append([]byte(nil), seed...)}
	fs, err := mount(dev, 0, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, fs, true)
	img := filepath.Join(t.TempDir(), "img")
	os.WriteFile(img, dev.b, 0o644)
	fsck(t, img)
	out := debugfs(t, img, "ls -p /h")
	if !containsAll(out, "moved", "newlink", "added-t") {
		t.Errorf("writes missing:\n%s", out)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

var replaySeeds struct {
	once    sync.Once
	imgs    [2][]byte // journal checksums v3, none
	journal [16]int64 // the journal's first blocks
	err     error
}

// replaySeed is a small image whose journal holds four committed
// transactions (written by debugfs) waiting for replay: copies of the
// group descriptors, the root inode's inode-table block and the root
// directory block, a revoke record, and data blocks. csum picks a
// journal with v3 checksums or one without (where a corrupted copy of a
// metadata block is replayed over the original).
func replaySeed(t testing.TB, csum bool) ([]byte, [16]int64) {
	need(t, "mkfs.ext4", "e2fsck", "debugfs")
	replaySeeds.once.Do(func() {
		replaySeeds.err = func() error {
			dir, err := os.MkdirTemp("", "ext4replay")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			src := filepath.Join(dir, "src")
			os.MkdirAll(filepath.Join(src, "d"), 0o755)
			os.WriteFile(filepath.Join(src, "d/f"), make([]byte, 3000), 0o644)
			os.WriteFile(filepath.Join(src, "g"), []byte("g"), 0o644)
			base := filepath.Join(dir, "base")
			cmd := exec.Command("mkfs.ext4", "-F", "-q", "-b", "1024", "-U", "11111111-2222-3333-4444-555555555555",
				"-E", "hash_seed=66666666-7777-8888-9999-000000000000", "-d", src, base, "2M")
			cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1700000000")
			if out, err := cmd.CombinedOutput(); err != nil {
				return errors.New(string(out))
			}
			img, err := os.ReadFile(base)
			if err != nil {
				return err
			}
			dbg := func(req string) (string, error) {
				out, err := exec.Command("debugfs", "-R", req, base).Output()
				return string(out), err
			}
			num := func(s string) (int64, error) {
				var n int64
				_, err := fmt.Sscan(strings.TrimSpace(s), &n)
				return n, err
			}
			// Where the journal's first 16 blocks lie.
			for i := range replaySeeds.journal {
				out, err := dbg(fmt.Sprintf("bmap <8> %d", i))
				if err != nil {
					return err
				}
				if replaySeeds.journal[i], err = num(out); err != nil {
					return fmt.Errorf("journal block %d: %q: %v", i, out, err)
				}
			}
			rootBlk, err := dbg("bmap <2> 0")
			if err != nil {
				return err
			}
			root, err := num(rootBlk)
			if err != nil {
				return err
			}
			imap, err := dbg("imap <2>")
			if err != nil {
				return err
			}
			var itab int64
			if i := strings.Index(imap, "located at block "); i >= 0 {
				itab, err = num(strings.Split(imap[i+len("located at block "):], ",")[0])
			}
			if itab == 0 || err != nil {
				return fmt.Errorf("imap <2>: %q", imap)
			}
			// The logged copies: group descriptors, the root inode's
			// block, the root directory, then two blocks of data.
			data := filepath.Join(dir, "data")
			var logged []byte
			for _, b := range []int64{2, itab, root} {
				logged = append(logged, img[b*1024:(b+1)*1024]...)
			}
			logged = append(logged, bytes.Repeat([]byte("journalled data "), 128)...)
			os.WriteFile(data, logged, 0o644)
			dataBlk := 1900
			for i, csum := range []bool{true, false} {
				img := filepath.Join(dir, fmt.Sprint("img", i))
				if err := copyFile(base, img); err != nil {
					return err
				}
				opt := ""
				if csum {
					opt = " -c"
				}
				cmds := fmt.Sprintf("jo%s\njw -b 2,%d,%d %s\njc\n", opt, itab, root, data) +
					fmt.Sprintf("jo\njw -b %d,%d %s\njw -r %d\njc\n", dataBlk, dataBlk+1, data, dataBlk) +
					fmt.Sprintf("jo\njw -r %d\njc\n", root) +
					fmt.Sprintf("jo\njw -b %d,%d %s\njc\n", dataBlk+2, dataBlk+3, data)
				os.WriteFile(filepath.Join(dir, "cmds"), []byte(cmds), 0o644)
				if out, err := exec.Command("debugfs", "-w", "-f", filepath.Join(dir, "cmds"), img).CombinedOutput(); err != nil {
					return fmt.Errorf("debugfs: %v\n%s", err, out)
				}
				if replaySeeds.imgs[i], err = os.ReadFile(img); err != nil {
					return err
				}
			}
			return nil
		}()
	})
	if replaySeeds.err != nil {
		t.Fatal(replaySeeds.err)
	}
	if csum {
		return replaySeeds.imgs[0], replaySeeds.journal
	}
	return replaySeeds.imgs[1], replaySeeds.journal
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// FuzzReplay corrupts the journal of an image that needs recovery (its
// superblock, descriptor, revoke and commit blocks and the logged
// copies) and mounts it: the replay either fails with EUCLEAN, EINVAL or
// EIO, or leaves a filesystem that serves reads and writes which fail
// cleanly. Nothing panics.
func FuzzReplay(f *testing.F) {
	replaySeed(f, true)
	f.Add(true, []byte{})
	f.Add(false, []byte{})
	// The journal superblock's start and sequence, the first descriptor's
	// first tag, the first commit block, the revoke block, a logged copy.
	for _, off := range []uint32{0x1C, 0x18, 1024 + 12, 4*1024 + 12, 8*1024 + 16, 2*1024 + 40} {
		f.Add(true, []byte{byte(off), byte(off >> 8), 0x01})
		f.Add(false, []byte{byte(off), byte(off >> 8), 0x01})
	}
	f.Fuzz(func(t *testing.T, csum bool, edits []byte) {
		if len(edits) > 300 {
			return
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic("ext4 fuzz: input takes more than 20 s")
			}
		}()
		seed, jblocks := replaySeed(t, csum)
		img := append([]byte(nil), seed...)
		// Each 3-byte record XORs one byte of the journal's first 16 blocks.
		for ; len(edits) >= 3; edits = edits[3:] {
			off := int64(uint16(edits[0])|uint16(edits[1])<<8) % (16 * 1024)
			img[jblocks[off/1024]*1024+off%1024] ^= edits[2]
		}
		fs, err := mount(&memDev{b: img}, 0, "", func() time.Time { return time.Unix(1800000000, 0) })
		if err != nil {
			if !errors.Is(err, abi.EINVAL) && !errors.Is(err, abi.EUCLEAN) && !errors.Is(err, abi.EIO) {
				t.Fatalf("mount: %v", err)
			}
			return
		}
		exercise(t, fs, true)
	})
}

// TestReplaySeed checks the replay seeds: the journal needs recovery,
// our replay gives what e2fsck's gives, and the result is clean.
func TestReplaySeed(t *testing.T) {
	for _, csum := range []bool{true, false} {
		seed, _ := replaySeed(t, csum)
		dir := t.TempDir()
		ref := filepath.Join(dir, "ref")
		os.WriteFile(ref, seed, 0o644)
		if out := run(t, "dumpe2fs", "-h", ref); !strings.Contains(out, "needs_recovery") {
			t.Fatalf("csum %v: seed does not need recovery:\n%s", csum, out)
		}
		exec.Command("e2fsck", "-y", "-E", "journal_only", ref).Run()
		dev := &memDev{b: append([]byte(nil), seed...)}
		fs, err := mount(dev, 0, "", nil)
		if err != nil {
			t.Fatalf("csum %v: %v", csum, err)
		}
		if err := fs.Unmount(); err != nil {
			t.Fatal(err)
		}
		img := filepath.Join(dir, "img")
		os.WriteFile(img, dev.b, 0o644)
		fsck(t, img)
		want, _ := os.ReadFile(ref)
		for b := 1900; b < 1904; b++ {
			if !bytes.Equal(dev.b[b*1024:(b+1)*1024], want[b*1024:(b+1)*1024]) {
				t.Errorf("csum %v: block %d differs from e2fsck's replay", csum, b)
			}
		}
	}
}
