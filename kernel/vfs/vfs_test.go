package vfs_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

type env struct {
	t     *testing.T
	v     *vfs.VFS
	fsc   *vfs.FSContext
	root  *vfs.Caller
	user  *vfs.Caller
	clock time.Time
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, clock: time.Unix(1700000000, 0)}
	clock := func() time.Time { return e.clock }
	fs := tmpfs.New(tmpfs.Options{Clock: clock, Mode: 0o755, Dev: abi.MakeDev(0, 20)})
	e.v = vfs.New(fs, vfs.Options{Clock: clock})
	e.fsc = vfs.NewFSContext(e.v.Root())
	e.root = &vfs.Caller{}
	e.user = &vfs.Caller{Creds: vfs.Creds{UID: 1000, GID: 1000}}
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) mkdir(p string, mode uint32) {
	e.t.Helper()
	e.must(e.v.MkdirAt(e.root, e.fsc, nil, p, mode))
}
func (e *env) symlink(target, p string) {
	e.t.Helper()
	e.must(e.v.SymlinkAt(e.root, e.fsc, target, nil, p))
}
func (e *env) write(p, data string) {
	e.t.Helper()
	f, err := e.v.OpenAt(e.root, e.fsc, nil, p, abi.O_WRONLY|abi.O_CREAT|abi.O_TRUNC, 0o644)
	e.must(err)
	defer f.DecRef()
	_, err = f.Write(e.root, []byte(data))
	e.must(err)
}
func (e *env) read(c *vfs.Caller, p string) (string, error) {
	f, err := e.v.OpenAt(c, e.fsc, nil, p, abi.O_RDONLY, 0)
	if err != nil {
		return "", err
	}
	defer f.DecRef()
	buf := make([]byte, 1<<16)
	n, err := f.Read(c, buf)
	return string(buf[:n]), err
}

// tree builds the fixture most tests share.
func (e *env) tree() {
	e.mkdir("/a", 0o755)
	e.mkdir("/a/b", 0o755)
	e.write("/a/b/c", "hello")
	e.symlink("b", "/a/link")
	e.symlink("/a/b", "/abs")
	e.symlink("loop2", "/loop1")
	e.symlink("loop1", "/loop2")
	e.symlink("nowhere", "/dangling")
	e.write("/f", "file")
	e.mkdir("/priv", 0o700)
	e.write("/priv/secret", "s")
	e.mkdir("/tmp", 0o1777)
	e.must(e.v.ChmodAt(e.root, e.fsc, nil, "/tmp", 0o1777, 0))
}

func errIs(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

func TestResolve(t *testing.T) {
	e := newEnv(t)
	e.tree()
	long := strings.Repeat("x", 256)
	deep := strings.Repeat("a/../", 1000) + "f"
	var chain []string
	for i := 0; i < 42; i++ {
		chain = append(chain, "l"+string(rune('A'+i%26))+string(rune('a'+i/26)))
	}
	for i := 0; i < len(chain)-1; i++ {
		e.symlink(chain[i+1], "/"+chain[i])
	}
	e.write("/"+chain[len(chain)-1], "end")
	for _, tc := range []struct {
		name  string
		path  string
		flags uint32
		user  bool
		ino   string // path whose inode must match, "" for no check
		err   error
	}{
		{"absolute", "/a/b/c", 0, false, "/a/b/c", nil},
		{"dots", "/a/./b/../b/c", 0, false, "/a/b/c", nil},
		{"dotdot at root", "/../../a/b/c", 0, false, "/a/b/c", nil},
		{"relative symlink", "/a/link/c", 0, false, "/a/b/c", nil},
		{"absolute symlink", "/abs/c", 0, false, "/a/b/c", nil},
		{"symlink dotdot", "/a/link/../b/c", 0, false, "/a/b/c", nil},
		{"loop", "/loop1", 0, false, "", abi.ELOOP},
		{"loop nofollow", "/loop1", abi.AT_SYMLINK_NOFOLLOW, false, "", nil},
		{"dangling", "/dangling", 0, false, "", abi.ENOENT},
		{"dangling nofollow", "/dangling", abi.AT_SYMLINK_NOFOLLOW, false, "", nil},
		{"trailing slash on dir", "/a/b/", 0, false, "/a/b", nil},
		{"trailing slash on file", "/a/b/c/", 0, false, "", abi.ENOTDIR},
		{"trailing slash follows", "/a/link/", abi.AT_SYMLINK_NOFOLLOW, false, "/a/b", nil},
		{"file as dir", "/f/x", 0, false, "", abi.ENOTDIR},
		{"missing", "/a/nope", 0, false, "", abi.ENOENT},
		{"missing middle", "/nope/x", 0, false, "", abi.ENOENT},
		{"empty", "", 0, false, "", abi.ENOENT},
		{"empty path flag", "", abi.AT_EMPTY_PATH, false, "/", nil},
		{"long name", "/" + long, 0, false, "", abi.ENAMETOOLONG},
		{"long path", "/" + strings.Repeat("a/", 2048), 0, false, "", abi.ENAMETOOLONG},
		{"many dotdots", deep[:min(len(deep), 4000)], 0, false, "", nil},
		{"40 links ok", "/" + chain[1], 0, false, "/" + chain[len(chain)-1], nil},
		{"41 links", "/" + chain[0], 0, false, "", abi.ELOOP},
		{"no search permission", "/priv/secret", 0, true, "", abi.EACCES},
		{"root overrides", "/priv/secret", 0, false, "/priv/secret", nil},
		{"slashes", "//a///b//c", 0, false, "/a/b/c", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.root
			if tc.user {
				c = e.user
			}
			st, err := e.v.StatAt(c, e.fsc, nil, tc.path, tc.flags)
			if !errIs(err, tc.err) {
				t.Fatalf("StatAt(%q) = %v, want %v", tc.path, err, tc.err)
			}
			if err == nil && tc.ino != "" {
				want, err := e.v.StatAt(e.root, e.fsc, nil, tc.ino, 0)
				e.must(err)
				if st.Ino != want.Ino {
					t.Errorf("resolved to inode %d, want %d (%s)", st.Ino, want.Ino, tc.ino)
				}
			}
		})
	}
}

func TestOpenAt(t *testing.T) {
	e := newEnv(t)
	e.tree()
	e.write("/ro", "r")
	e.must(e.v.ChmodAt(e.root, e.fsc, nil, "/ro", 0o444, 0))
	for _, tc := range []struct {
		name  string
		path  string
		flags uint32
		user  bool
		err   error
	}{
		{"read file", "/f", abi.O_RDONLY, false, nil},
		{"create new", "/new", abi.O_CREAT | abi.O_WRONLY, false, nil},
		{"excl existing", "/f", abi.O_CREAT | abi.O_EXCL, false, abi.EEXIST},
		{"excl dangling symlink", "/dangling", abi.O_CREAT | abi.O_EXCL, false, abi.EEXIST},
		{"creat through dangling symlink", "/dangling", abi.O_CREAT | abi.O_WRONLY, false, nil},
		{"nofollow symlink", "/abs", abi.O_NOFOLLOW, false, abi.ELOOP},
		{"nofollow path", "/abs", abi.O_NOFOLLOW | abi.O_PATH, false, nil},
		{"directory on file", "/f", abi.O_DIRECTORY, false, abi.ENOTDIR},
		{"directory on dir", "/a", abi.O_DIRECTORY, false, nil},
		{"write dir", "/a", abi.O_WRONLY, false, abi.EISDIR},
		{"creat dir", "/a", abi.O_CREAT, false, abi.EISDIR},
		{"creat trailing slash", "/newdir/", abi.O_CREAT, false, abi.EISDIR},
		{"creat|directory", "/x", abi.O_CREAT | abi.O_DIRECTORY, false, abi.EINVAL},
		{"tmpfile", "/a", abi.O_TMPFILE | abi.O_RDWR, false, nil},
		{"tmpfile read-only", "/a", abi.O_TMPFILE | abi.O_RDONLY, false, abi.EINVAL},
		{"tmpfile in a file", "/f", abi.O_TMPFILE | abi.O_RDWR, false, abi.ENOTDIR},
		{"user write read-only", "/ro", abi.O_WRONLY, true, abi.EACCES},
		{"root write read-only", "/ro", abi.O_WRONLY, false, nil},
		{"user trunc read-only", "/ro", abi.O_RDONLY | abi.O_TRUNC, true, abi.EACCES},
		{"user create in root dir", "/userfile", abi.O_CREAT | abi.O_WRONLY, true, abi.EACCES},
		{"user create in tmp", "/tmp/userfile", abi.O_CREAT | abi.O_WRONLY, true, nil},
		{"path on unreadable", "/priv", abi.O_PATH, true, nil},
		{"socket-less fifo", "/f/", 0, false, abi.ENOTDIR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.root
			if tc.user {
				c = e.user
			}
			f, err := e.v.OpenAt(c, e.fsc, nil, tc.path, tc.flags, 0o644)
			if !errIs(err, tc.err) {
				t.Fatalf("OpenAt(%q, %#x) = %v, want %v", tc.path, tc.flags, err, tc.err)
			}
			if f != nil {
				f.DecRef()
			}
		})
	}
	if _, err := e.v.StatAt(e.root, e.fsc, nil, "/nowhere", 0); err != nil {
		t.Errorf("O_CREAT through a dangling symlink did not create its target: %v", err)
	}
	st, _ := e.v.StatAt(e.root, e.fsc, nil, "/tmp/userfile", 0)
	if st.UID != 1000 || st.GID != 1000 || st.Mode != abi.S_IFREG|0o644 {
		t.Errorf("new file owner/mode %d:%d %o", st.UID, st.GID, st.Mode)
	}
}

func TestReadWriteSeek(t *testing.T) {
	e := newEnv(t)
	f, err := e.v.OpenAt(e.root, e.fsc, nil, "/x", abi.O_RDWR|abi.O_CREAT, 0o600)
	e.must(err)
	defer f.DecRef()
	if n, err := f.Write(e.root, []byte("hello world")); n != 11 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	if off, err := f.Seek(0, abi.SEEK_SET); off != 0 || err != nil {
		t.Fatal(off, err)
	}
	buf := make([]byte, 5)
	if n, _ := f.Read(e.root, buf); string(buf[:n]) != "hello" {
		t.Errorf("read %q", buf[:n])
	}
	if n, _ := f.Pread(e.root, buf, 6); string(buf[:n]) != "world" {
		t.Errorf("pread %q", buf[:n])
	}
	if f.Offset() != 5 {
		t.Errorf("pread moved the offset to %d", f.Offset())
	}
	// A hole reads as zeros and SEEK_DATA/SEEK_HOLE see it.
	if _, err := f.Pwrite(e.root, []byte("Z"), 3*tmpfs.PageSize); err != nil {
		t.Fatal(err)
	}
	z := make([]byte, 4)
	if n, _ := f.Pread(e.root, z, 2*tmpfs.PageSize); n != 4 || !bytes.Equal(z, []byte{0, 0, 0, 0}) {
		t.Errorf("hole read %v", z)
	}
	if tmpfs.Pages(f.Inode) != 2 {
		t.Errorf("sparse file uses %d pages, want 2", tmpfs.Pages(f.Inode))
	}
	for _, tc := range []struct {
		off    int64
		whence int
		want   int64
		err    error
	}{
		{0, abi.SEEK_END, 3*tmpfs.PageSize + 1, nil},
		{-1, abi.SEEK_SET, 0, abi.EINVAL},
		{100, abi.SEEK_DATA, 100, nil},
		{100, abi.SEEK_HOLE, tmpfs.PageSize, nil},
		{tmpfs.PageSize + 5, abi.SEEK_DATA, 3 * tmpfs.PageSize, nil},
		{1 << 20, abi.SEEK_DATA, 0, abi.ENXIO},
		{0, 7, 0, abi.EINVAL},
	} {
		got, err := f.Seek(tc.off, tc.whence)
		if !errIs(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("Seek(%d, %d) = %d, %v; want %d, %v", tc.off, tc.whence, got, err, tc.want, tc.err)
		}
	}
	e.must(f.Truncate(3))
	if s, _ := e.read(e.root, "/x"); s != "hel" {
		t.Errorf("after truncate %q", s)
	}
	if tmpfs.Pages(f.Inode) != 1 {
		t.Errorf("truncate kept %d pages", tmpfs.Pages(f.Inode))
	}
	// O_APPEND writes at the end whatever the offset.
	a, err := e.v.OpenAt(e.root, e.fsc, nil, "/x", abi.O_WRONLY|abi.O_APPEND, 0)
	e.must(err)
	a.Write(e.root, []byte("lo"))
	a.Pwrite(e.root, []byte("!"), 0)
	a.DecRef()
	if s, _ := e.read(e.root, "/x"); s != "hello!" {
		t.Errorf("after append %q", s)
	}
	// Wrong access mode.
	r, _ := e.v.OpenAt(e.root, e.fsc, nil, "/x", abi.O_RDONLY, 0)
	if _, err := r.Write(e.root, []byte("x")); err != abi.EBADF {
		t.Errorf("write on O_RDONLY = %v", err)
	}
	r.DecRef()
	p, _ := e.v.OpenAt(e.root, e.fsc, nil, "/x", abi.O_PATH|abi.O_RDWR, 0)
	if _, err := p.Read(e.root, buf); err != abi.EBADF {
		t.Errorf("read on O_PATH = %v", err)
	}
	if _, err := p.Stat(); err != nil {
		t.Errorf("fstat on O_PATH = %v", err)
	}
	p.DecRef()
}

func TestGetdents(t *testing.T) {
	e := newEnv(t)
	e.mkdir("/d", 0o755)
	for _, n := range []string{"one", "two", "three", "four"} {
		e.write("/d/"+n, n)
	}
	d, err := e.v.OpenAt(e.root, e.fsc, nil, "/d", abi.O_RDONLY|abi.O_DIRECTORY, 0)
	e.must(err)
	defer d.DecRef()
	names := func(size int) []string {
		var out []string
		for {
			b, err := d.Getdents64(size)
			e.must(err)
			if len(b) == 0 {
				return out
			}
			for len(b) > 0 {
				reclen := int(b[16]) | int(b[17])<<8
				out = append(out, strings.TrimRight(string(b[19:reclen]), "\x00"))
				b = b[reclen:]
			}
		}
	}
	got := names(4096)
	if strings.Join(got, " ") != ". .. one two three four" {
		t.Errorf("getdents order %v", got)
	}
	// Small buffers: one record at a time, same order.
	d.Seek(0, abi.SEEK_SET)
	if got := names(32); strings.Join(got, " ") != ". .. one two three four" {
		t.Errorf("getdents with small buffer %v", got)
	}
	if _, err := d.Seek(0, abi.SEEK_SET); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Getdents64(10); err != abi.EINVAL {
		t.Errorf("getdents with a too small buffer = %v", err)
	}
	// Removing an entry already read and adding one keeps the position.
	d.Seek(0, abi.SEEK_SET)
	first, _ := d.Getdents64(24 * 3) // ".", "..", "one"
	if len(first) != 72 {
		t.Fatalf("first batch %d bytes", len(first))
	}
	e.must(e.v.UnlinkAt(e.root, e.fsc, nil, "/d/one", 0))
	e.write("/d/five", "5")
	if got := names(4096); strings.Join(got, " ") != "two three four five" {
		t.Errorf("after changes %v", got)
	}
	if _, err := d.Read(e.root, make([]byte, 4)); err != abi.EISDIR {
		t.Errorf("read on directory = %v", err)
	}
}

func TestNamespaceOps(t *testing.T) {
	e := newEnv(t)
	e.tree()
	e.mkdir("/e", 0o755)
	e.mkdir("/e/sub", 0o755)
	e.write("/e/sub/x", "x")
	e.mkdir("/empty", 0o755)
	for _, tc := range []struct {
		name string
		op   func() error
		err  error
	}{
		{"mkdir exists", func() error { return e.v.MkdirAt(e.root, e.fsc, nil, "/a", 0o755) }, abi.EEXIST},
		{"mkdir dot", func() error { return e.v.MkdirAt(e.root, e.fsc, nil, "/a/.", 0o755) }, abi.EEXIST},
		{"mkdir over dangling", func() error { return e.v.MkdirAt(e.root, e.fsc, nil, "/dangling", 0o755) }, abi.EEXIST},
		{"mkdir trailing slash", func() error { return e.v.MkdirAt(e.root, e.fsc, nil, "/m/", 0o755) }, nil},
		{"mkdir missing parent", func() error { return e.v.MkdirAt(e.root, e.fsc, nil, "/zz/m", 0o755) }, abi.ENOENT},
		{"rmdir nonempty", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/e", abi.AT_REMOVEDIR) }, abi.ENOTEMPTY},
		{"rmdir file", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/f", abi.AT_REMOVEDIR) }, abi.ENOTDIR},
		{"rmdir dot", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/empty/.", abi.AT_REMOVEDIR) }, abi.EINVAL},
		{"rmdir dotdot", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/e/sub/..", abi.AT_REMOVEDIR) }, abi.ENOTEMPTY},
		{"rmdir empty", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/empty/", abi.AT_REMOVEDIR) }, nil},
		{"unlink dir", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/a", 0) }, abi.EISDIR},
		{"unlink trailing slash", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/f/", 0) }, abi.ENOTDIR},
		{"unlink bad flags", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/f", 1) }, abi.EINVAL},
		{"unlink symlink itself", func() error { return e.v.UnlinkAt(e.root, e.fsc, nil, "/loop1", 0) }, nil},
		{"link dir", func() error { return e.v.LinkAt(e.root, e.fsc, nil, "/a", nil, "/a2", 0) }, abi.EPERM},
		{"link exists", func() error { return e.v.LinkAt(e.root, e.fsc, nil, "/f", nil, "/a/b/c", 0) }, abi.EEXIST},
		{"link", func() error { return e.v.LinkAt(e.root, e.fsc, nil, "/f", nil, "/f2", 0) }, nil},
		{"link bad flags", func() error { return e.v.LinkAt(e.root, e.fsc, nil, "/f", nil, "/f3", 0x100) }, abi.EINVAL},
		{"symlink empty target", func() error { return e.v.SymlinkAt(e.root, e.fsc, "", nil, "/s") }, abi.ENOENT},
		{"mknod dir", func() error { return e.v.MknodAt(e.root, e.fsc, nil, "/n", abi.S_IFDIR|0o755, 0) }, abi.EPERM},
		{"mknod char as user", func() error { return e.v.MknodAt(e.user, e.fsc, nil, "/tmp/n", abi.S_IFCHR|0o666, 0) }, abi.EPERM},
		{"mknod fifo as user", func() error { return e.v.MknodAt(e.user, e.fsc, nil, "/tmp/p", abi.S_IFIFO|0o666, 0) }, nil},
		{"mknod bad type", func() error { return e.v.MknodAt(e.root, e.fsc, nil, "/n", 0o170000, 0) }, abi.EINVAL},
		{"rename into own subdir", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/e", nil, "/e/sub/e", 0) }, abi.EINVAL},
		{"rename dir over file", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/e", nil, "/f", 0) }, abi.ENOTDIR},
		{"rename file over dir", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/f", nil, "/e", 0) }, abi.EISDIR},
		{"rename dir over nonempty", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/a/b", nil, "/e", 0) }, abi.ENOTEMPTY},
		{"rename noreplace", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/f", nil, "/f2", abi.RENAME_NOREPLACE) }, abi.EEXIST},
		{"rename hard links", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/f", nil, "/f2", 0) }, nil},
		{"rename both flags", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/f", nil, "/g", 3) }, abi.EINVAL},
		{"rename dot", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/a/.", nil, "/g", 0) }, abi.EBUSY},
		{"rename exchange missing", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/f", nil, "/g", abi.RENAME_EXCHANGE) }, abi.ENOENT},
		{"rename trailing slash file", func() error { return e.v.RenameAt(e.root, e.fsc, nil, "/f/", nil, "/g", 0) }, abi.ENOTDIR},
		{"rename sticky other user", func() error { return e.v.RenameAt(e.user, e.fsc, nil, "/tmp/rootfile", nil, "/tmp/mine", 0) }, abi.EPERM},
		{"unlink sticky other user", func() error { return e.v.UnlinkAt(e.user, e.fsc, nil, "/tmp/rootfile", 0) }, abi.EPERM},
	} {
		if tc.name == "rename sticky other user" {
			e.write("/tmp/rootfile", "r")
		}
		if err := tc.op(); !errIs(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	st, _ := e.v.StatAt(e.root, e.fsc, nil, "/f", 0)
	if st.Nlink != 2 {
		t.Errorf("nlink after link = %d", st.Nlink)
	}
}

func TestRename(t *testing.T) {
	e := newEnv(t)
	e.mkdir("/d1", 0o755)
	e.mkdir("/d2", 0o755)
	e.mkdir("/d1/sub", 0o755)
	e.write("/d1/sub/x", "x")
	e.write("/d2/y", "y")
	e.mkdir("/d2/empty", 0o755)
	nlink := func(p string) uint64 { st, err := e.v.StatAt(e.root, e.fsc, nil, p, 0); e.must(err); return st.Nlink }
	if nlink("/d1") != 3 || nlink("/d2") != 3 {
		t.Fatalf("nlink d1=%d d2=%d", nlink("/d1"), nlink("/d2"))
	}
	// Move a directory over an empty one in another parent.
	e.must(e.v.RenameAt(e.root, e.fsc, nil, "/d1/sub", nil, "/d2/empty", 0))
	if nlink("/d1") != 2 || nlink("/d2") != 3 {
		t.Errorf("after move nlink d1=%d d2=%d", nlink("/d1"), nlink("/d2"))
	}
	if s, _ := e.read(e.root, "/d2/empty/x"); s != "x" {
		t.Errorf("moved content %q", s)
	}
	// ".." follows the move.
	e.must(e.v.Chdir(e.root, e.fsc, nil, "/d2/empty"))
	if cwd, _ := e.v.Getcwd(e.fsc); cwd != "/d2/empty" {
		t.Errorf("getcwd %q", cwd)
	}
	e.must(e.v.RenameAt(e.root, e.fsc, nil, "/d2", nil, "/d3", 0))
	if cwd, _ := e.v.Getcwd(e.fsc); cwd != "/d3/empty" {
		t.Errorf("getcwd after parent rename %q", cwd)
	}
	if s, _ := e.read(e.root, "../y"); s != "y" {
		t.Errorf("../y = %q", s)
	}
	// Exchange a file and a directory.
	e.must(e.v.RenameAt(e.root, e.fsc, nil, "/d3/y", nil, "/d1", abi.RENAME_EXCHANGE))
	if s, _ := e.read(e.root, "/d1"); s != "y" {
		t.Errorf("exchanged file %q", s)
	}
	if st, err := e.v.StatAt(e.root, e.fsc, nil, "/d3/y", 0); err != nil || st.Mode&abi.S_IFMT != abi.S_IFDIR {
		t.Errorf("exchanged dir %v %o", err, st.Mode)
	}
	e.must(e.v.Chdir(e.root, e.fsc, nil, "/"))
	if s, _ := e.read(e.root, "/d3/y/.."+"/empty/x"); s != "x" {
		t.Errorf("dotdot of exchanged dir %q", s)
	}
	// Getcwd of a removed directory.
	e.mkdir("/gone", 0o755)
	e.must(e.v.Chdir(e.root, e.fsc, nil, "/gone"))
	e.must(e.v.UnlinkAt(e.root, e.fsc, nil, "/gone", abi.AT_REMOVEDIR))
	if _, err := e.v.Getcwd(e.fsc); err != abi.ENOENT {
		t.Errorf("getcwd of removed dir = %v", err)
	}
}

func TestUnlinkedOpenFile(t *testing.T) {
	e := newEnv(t)
	e.write("/u", "still here")
	f, err := e.v.OpenAt(e.root, e.fsc, nil, "/u", abi.O_RDONLY, 0)
	e.must(err)
	defer f.DecRef()
	e.must(e.v.UnlinkAt(e.root, e.fsc, nil, "/u", 0))
	buf := make([]byte, 32)
	if n, _ := f.Read(e.root, buf); string(buf[:n]) != "still here" {
		t.Errorf("read after unlink %q", buf[:n])
	}
	if p := e.v.FilePath(e.fsc, f); p != "/u (deleted)" {
		t.Errorf("FilePath %q", p)
	}
	st, _ := f.Stat()
	if st.Nlink != 0 {
		t.Errorf("nlink %d", st.Nlink)
	}
}

func TestAttrs(t *testing.T) {
	e := newEnv(t)
	e.tree()
	e.write("/tmp/own", "x")
	e.must(e.v.ChownAt(e.root, e.fsc, nil, "/tmp/own", 1000, 1000, 0))
	e.must(e.v.ChmodAt(e.root, e.fsc, nil, "/tmp/own", 0o6755, 0))
	for _, tc := range []struct {
		name string
		op   func() error
		err  error
	}{
		{"chmod not owner", func() error { return e.v.ChmodAt(e.user, e.fsc, nil, "/f", 0o777, 0) }, abi.EPERM},
		{"chmod owner", func() error { return e.v.ChmodAt(e.user, e.fsc, nil, "/tmp/own", 0o640, 0) }, nil},
		{"chmod symlink nofollow", func() error { return e.v.ChmodAt(e.root, e.fsc, nil, "/abs", 0o640, abi.AT_SYMLINK_NOFOLLOW) }, abi.EOPNOTSUPP},
		{"chown user to other uid", func() error { return e.v.ChownAt(e.user, e.fsc, nil, "/tmp/own", 0, vfs.NoChange, 0) }, abi.EPERM},
		{"chown user to foreign gid", func() error { return e.v.ChownAt(e.user, e.fsc, nil, "/tmp/own", vfs.NoChange, 5, 0) }, abi.EPERM},
		{"chown user same", func() error { return e.v.ChownAt(e.user, e.fsc, nil, "/tmp/own", 1000, 1000, 0) }, nil},
		{"utimens explicit not owner", func() error {
			return e.v.UtimensAt(e.user, e.fsc, nil, "/f", &[2]abi.Timespec{{Sec: 1}, {Sec: 2}}, 0)
		}, abi.EPERM},
		{"utimens now no write", func() error { return e.v.UtimensAt(e.user, e.fsc, nil, "/f", nil, 0) }, abi.EACCES},
		{"utimens bad nsec", func() error {
			return e.v.UtimensAt(e.root, e.fsc, nil, "/f", &[2]abi.Timespec{{Nsec: 1e9}, {}}, 0)
		}, abi.EINVAL},
		{"access read", func() error { return e.v.AccessAt(e.user, e.fsc, nil, "/f", abi.R_OK, 0) }, nil},
		{"access write", func() error { return e.v.AccessAt(e.user, e.fsc, nil, "/f", abi.W_OK, 0) }, abi.EACCES},
		{"access root exec no x", func() error { return e.v.AccessAt(e.root, e.fsc, nil, "/f", abi.X_OK, 0) }, abi.EACCES},
		{"access root exec dir", func() error { return e.v.AccessAt(e.root, e.fsc, nil, "/priv", abi.X_OK, 0) }, nil},
		{"access bad mode", func() error { return e.v.AccessAt(e.root, e.fsc, nil, "/f", 8, 0) }, abi.EINVAL},
		{"truncate dir", func() error { return e.v.Truncate(e.root, e.fsc, "/a", 0) }, abi.EISDIR},
		{"truncate no perm", func() error { return e.v.Truncate(e.user, e.fsc, "/f", 0) }, abi.EACCES},
		{"truncate negative", func() error { return e.v.Truncate(e.root, e.fsc, "/f", -1) }, abi.EINVAL},
	} {
		if err := tc.op(); !errIs(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	st, _ := e.v.StatAt(e.root, e.fsc, nil, "/tmp/own", 0)
	if st.Mode != abi.S_IFREG|0o640 {
		t.Errorf("mode %o", st.Mode)
	}
	// chown clears set-user-ID.
	e.must(e.v.ChmodAt(e.root, e.fsc, nil, "/tmp/own", 0o6755, 0))
	e.must(e.v.ChownAt(e.root, e.fsc, nil, "/tmp/own", 1000, vfs.NoChange, 0))
	st, _ = e.v.StatAt(e.root, e.fsc, nil, "/tmp/own", 0)
	if st.Mode != abi.S_IFREG|0o755 {
		t.Errorf("mode after chown %o", st.Mode)
	}
	e.must(e.v.UtimensAt(e.root, e.fsc, nil, "/f", &[2]abi.Timespec{{Sec: 5, Nsec: 6}, {Nsec: abi.UTIME_OMIT}}, 0))
	st, _ = e.v.StatAt(e.root, e.fsc, nil, "/f", 0)
	if st.Atime != (abi.Timespec{Sec: 5, Nsec: 6}) || st.Mtime.Sec != 1700000000 {
		t.Errorf("times %+v %+v", st.Atime, st.Mtime)
	}
	// umask and set-group-ID directories.
	e.fsc.SetUmask(0o077)
	e.mkdir("/g", 0o2775)
	e.must(e.v.ChownAt(e.root, e.fsc, nil, "/g", 0, 50, 0))
	e.must(e.v.ChmodAt(e.root, e.fsc, nil, "/g", 0o2777, 0))
	e.must(e.v.MkdirAt(e.user, e.fsc, nil, "/g/sub", 0o777))
	st, _ = e.v.StatAt(e.root, e.fsc, nil, "/g/sub", 0)
	if st.GID != 50 || st.Mode != abi.S_IFDIR|abi.S_ISGID|0o700 || st.UID != 1000 {
		t.Errorf("sgid dir child %d:%d %o", st.UID, st.GID, st.Mode)
	}
	sx, err := e.v.Statx(e.root, e.fsc, nil, "/", 0, abi.STATX_BASIC_STATS)
	e.must(err)
	if sx.Attributes&abi.STATX_ATTR_MOUNT_ROOT == 0 || sx.DevMinor != 20 || sx.Mask&abi.STATX_MNT_ID == 0 {
		t.Errorf("statx of / %+v", sx)
	}
}

func TestReadlink(t *testing.T) {
	e := newEnv(t)
	e.tree()
	if s, err := e.v.ReadlinkAt(e.root, e.fsc, nil, "/abs"); s != "/a/b" || err != nil {
		t.Errorf("readlink = %q, %v", s, err)
	}
	if _, err := e.v.ReadlinkAt(e.root, e.fsc, nil, "/f"); err != abi.EINVAL {
		t.Errorf("readlink of file = %v", err)
	}
	p, err := e.v.OpenAt(e.root, e.fsc, nil, "/abs", abi.O_PATH|abi.O_NOFOLLOW, 0)
	e.must(err)
	defer p.DecRef()
	if s, err := e.v.ReadlinkAt(e.root, e.fsc, p, ""); s != "/a/b" || err != nil {
		t.Errorf("readlinkat(fd, \"\") = %q, %v", s, err)
	}
}

func TestDirfd(t *testing.T) {
	e := newEnv(t)
	e.tree()
	d, err := e.v.OpenAt(e.root, e.fsc, nil, "/a", abi.O_RDONLY|abi.O_DIRECTORY, 0)
	e.must(err)
	defer d.DecRef()
	if _, err := e.v.StatAt(e.root, e.fsc, d, "b/c", 0); err != nil {
		t.Errorf("relative to dirfd: %v", err)
	}
	f, _ := e.v.OpenAt(e.root, e.fsc, nil, "/f", abi.O_RDONLY, 0)
	defer f.DecRef()
	if _, err := e.v.StatAt(e.root, e.fsc, f, "x", 0); err != abi.ENOTDIR {
		t.Errorf("relative to file fd = %v", err)
	}
	st, err := e.v.StatAt(e.root, e.fsc, f, "", abi.AT_EMPTY_PATH)
	if err != nil || st.Size != 4 {
		t.Errorf("AT_EMPTY_PATH on file = %v size %d", err, st.Size)
	}
	if _, err := e.v.StatAt(e.root, e.fsc, f, "/a", 0); err != nil {
		t.Errorf("absolute path ignores dirfd: %v", err)
	}
	if p := e.v.FilePath(e.fsc, f); p != "/f" {
		t.Errorf("FilePath %q", p)
	}
	if p := e.v.FilePath(e.fsc, d); p != "/a" {
		t.Errorf("FilePath of dir %q", p)
	}
}

func TestMounts(t *testing.T) {
	e := newEnv(t)
	e.tree()
	e.mkdir("/mnt", 0o755)
	clock := func() time.Time { return e.clock }
	sub := tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, 21)})
	e.must(e.v.Mount(e.root, e.fsc, "/mnt", sub, abi.MS_NOSUID, "tmpfs", "mode=755"))
	e.write("/mnt/inside", "in")
	st, _ := e.v.StatAt(e.root, e.fsc, nil, "/mnt/inside", 0)
	if st.Dev != abi.MakeDev(0, 21) {
		t.Errorf("file on mount has dev %#x", st.Dev)
	}
	if s, _ := e.read(e.root, "/mnt/../f"); s != "file" {
		t.Errorf("dotdot across mount %q", s)
	}
	e.must(e.v.Chdir(e.root, e.fsc, nil, "/mnt"))
	if cwd, _ := e.v.Getcwd(e.fsc); cwd != "/mnt" {
		t.Errorf("getcwd on mount root %q", cwd)
	}
	if s, _ := e.read(e.root, "../a/b/c"); s != "hello" {
		t.Errorf("relative dotdot from mount root %q", s)
	}
	e.must(e.v.Chdir(e.root, e.fsc, nil, "/"))
	if err := e.v.UnlinkAt(e.root, e.fsc, nil, "/mnt", abi.AT_REMOVEDIR); err != abi.EBUSY {
		t.Errorf("rmdir mountpoint = %v", err)
	}
	if err := e.v.RenameAt(e.root, e.fsc, nil, "/mnt/inside", nil, "/g", 0); err != abi.EXDEV {
		t.Errorf("rename across mounts = %v", err)
	}
	if err := e.v.LinkAt(e.root, e.fsc, nil, "/mnt/inside", nil, "/g", 0); err != abi.EXDEV {
		t.Errorf("link across mounts = %v", err)
	}
	// Bind a file onto itself, then remount read-only with a bind.
	e.must(e.v.BindMount(e.root, e.fsc, "/f", "/f", 0))
	e.must(e.v.Remount(e.root, e.fsc, "/f", abi.MS_BIND|abi.MS_RDONLY, ""))
	if _, err := e.v.OpenAt(e.root, e.fsc, nil, "/f", abi.O_WRONLY, 0); err != abi.EROFS {
		t.Errorf("write on read-only bind = %v", err)
	}
	if err := e.v.Remount(e.root, e.fsc, "/a", abi.MS_RDONLY, ""); err != abi.EINVAL {
		t.Errorf("remount of a non-mount = %v", err)
	}
	e.mkdir("/bind", 0o755)
	e.must(e.v.BindMount(e.root, e.fsc, "/a/b", "/bind", 0))
	if s, _ := e.read(e.root, "/bind/c"); s != "hello" {
		t.Errorf("bind content %q", s)
	}
	if s, _ := e.read(e.root, "/bind/../f"); s != "file" {
		t.Errorf("dotdot from bind root %q", s)
	}
	sfs, err := e.v.StatfsAt(e.root, e.fsc, nil, "/mnt")
	e.must(err)
	if sfs.Type != abi.TMPFS_MAGIC || sfs.Flags&abi.ST_NOSUID == 0 || sfs.Flags&abi.ST_RELATIME == 0 {
		t.Errorf("statfs %+v", sfs)
	}
	var got []string
	for _, m := range e.v.Mounts(e.fsc) {
		got = append(got, m.MountPoint+":"+m.Root+":"+m.FSType)
	}
	if strings.Join(got, " ") != "/:/:tmpfs /mnt:/:tmpfs /f:/f:tmpfs /bind:/a/b:tmpfs" {
		t.Errorf("mounts %v", got)
	}
	// Stacked mount and umount.
	sub2 := tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, 22)})
	e.must(e.v.Mount(e.root, e.fsc, "/mnt", sub2, 0, "tmpfs", ""))
	if _, err := e.v.StatAt(e.root, e.fsc, nil, "/mnt/inside", 0); err != abi.ENOENT {
		t.Errorf("stacked mount shows lower content: %v", err)
	}
	if err := e.v.Umount(e.user, e.fsc, "/mnt", 0); err != abi.EPERM {
		t.Errorf("user umount = %v", err)
	}
	e.must(e.v.Umount(e.root, e.fsc, "/mnt", 0))
	if s, _ := e.read(e.root, "/mnt/inside"); s != "in" {
		t.Errorf("after umount of the top %q", s)
	}
	e.mkdir("/mnt/deeper", 0o755)
	e.must(e.v.Mount(e.root, e.fsc, "/mnt/deeper", tmpfs.New(tmpfs.Options{Clock: clock}), 0, "tmpfs", ""))
	if err := e.v.Umount(e.root, e.fsc, "/mnt", 0); err != abi.EBUSY {
		t.Errorf("umount with child = %v", err)
	}
	e.must(e.v.Umount(e.root, e.fsc, "/mnt", abi.MNT_DETACH))
	if _, err := e.v.StatAt(e.root, e.fsc, nil, "/mnt/inside", 0); err != abi.ENOENT {
		t.Errorf("after detach: %v", err)
	}
	if err := e.v.Umount(e.root, e.fsc, "/", 0); err != abi.EINVAL {
		t.Errorf("umount / = %v", err)
	}
	// By type.
	e.v.RegisterFilesystem("tmpfs", func(source string, flags uint32, data string) (vfs.Filesystem, error) {
		return tmpfs.New(tmpfs.Options{Clock: clock}), nil
	})
	e.must(e.v.MountByType(e.root, e.fsc, "tmpfs", "/mnt", "tmpfs", 0, ""))
	if err := e.v.MountByType(e.root, e.fsc, "x", "/mnt", "nosuchfs", 0, ""); err != abi.ENODEV {
		t.Errorf("unknown fs type = %v", err)
	}
	e.must(e.v.MountByType(e.root, e.fsc, "", "/mnt", "", abi.MS_REMOUNT|abi.MS_NOSUID, ""))
	e.must(e.v.MountByType(e.root, e.fsc, "", "/", "", abi.MS_REC|abi.MS_SHARED, ""))
}

func TestChroot(t *testing.T) {
	e := newEnv(t)
	e.tree()
	fsc := e.fsc.Fork()
	e.must(e.v.Chroot(e.root, fsc, "/a"))
	if err := e.v.Chroot(e.user, fsc, "/"); err != abi.EPERM {
		t.Errorf("user chroot = %v", err)
	}
	if cwd, _ := e.v.Getcwd(fsc); cwd != "(unreachable)/" {
		t.Errorf("cwd outside root: %q", cwd)
	}
	e.must(e.v.Chdir(e.root, fsc, nil, "/"))
	if s, err := e.read2(fsc, "/../../b/c"); s != "hello" {
		t.Errorf("dotdot above chroot %q %v", s, err)
	}
	if s, _ := e.read2(fsc, "/link/c"); s != "hello" {
		t.Errorf("symlink inside chroot %q", s)
	}
	if _, err := e.v.StatAt(e.root, fsc, nil, "/f", 0); err != abi.ENOENT {
		t.Errorf("outside file visible: %v", err)
	}
	if cwd, _ := e.v.Getcwd(fsc); cwd != "/" {
		t.Errorf("cwd %q", cwd)
	}
}

func (e *env) read2(fsc *vfs.FSContext, p string) (string, error) {
	f, err := e.v.OpenAt(e.root, fsc, nil, p, abi.O_RDONLY, 0)
	if err != nil {
		return "", err
	}
	defer f.DecRef()
	b := make([]byte, 100)
	n, err := f.Read(e.root, b)
	return string(b[:n]), err
}

func TestFlock(t *testing.T) {
	e := newEnv(t)
	e.write("/lock", "")
	open := func() *vfs.File {
		f, err := e.v.OpenAt(e.root, e.fsc, nil, "/lock", abi.O_RDWR, 0)
		e.must(err)
		return f
	}
	a, b := open(), open()
	defer b.DecRef()
	nb := func(f *vfs.File, op int) error { return f.Flock(e.root, op|vfs.LOCK_NB) }
	steps := []struct {
		name string
		f    *vfs.File
		op   int
		want error
	}{
		{"a exclusive", a, vfs.LOCK_EX, nil},
		{"b exclusive conflicts", b, vfs.LOCK_EX, abi.EWOULDBLOCK},
		{"b shared conflicts", b, vfs.LOCK_SH, abi.EWOULDBLOCK},
		{"a again", a, vfs.LOCK_EX, nil},
		{"a to shared", a, vfs.LOCK_SH, nil},
		{"b shared beside a", b, vfs.LOCK_SH, nil},
		{"a exclusive over b's shared", a, vfs.LOCK_EX, abi.EWOULDBLOCK},
		{"b unlock", b, vfs.LOCK_UN, nil},
		{"a exclusive now", a, vfs.LOCK_EX, nil},
		{"bad op", a, 0, abi.EINVAL},
	}
	for _, s := range steps {
		if err := nb(s.f, s.op); err != s.want {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
	}
	// A blocked request waits for the holder's last close.
	done := make(chan error, 1)
	go func() { done <- b.Flock(&vfs.Caller{Blocker: vfs.ChanBlocker{}}, vfs.LOCK_EX) }()
	select {
	case err := <-done:
		t.Fatalf("blocking flock returned %v while a holds the lock", err)
	case <-time.After(20 * time.Millisecond):
	}
	a.DecRef()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("blocking flock after close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("blocking flock still waiting after the holder closed")
	}
}

func TestXattr(t *testing.T) {
	e := newEnv(t)
	e.write("/f", "x")
	in, err := e.v.InodeAt(e.root, e.fsc, nil, "/f", 0)
	e.must(err)
	steps := []struct {
		name string
		err  error
	}{
		{"set", in.SetXattr(e.root, "trusted.k", []byte("v1"), 0)},
		{"create over existing", in.SetXattr(e.root, "trusted.k", []byte("v2"), vfs.XATTR_CREATE)},
		{"replace missing", in.SetXattr(e.root, "trusted.z", nil, vfs.XATTR_REPLACE)},
		{"user namespace", in.SetXattr(e.root, "user.k", nil, 0)},
		{"trusted as user", in.SetXattr(e.user, "trusted.u", nil, 0)},
		{"bad flags", in.SetXattr(e.root, "trusted.k", nil, 4)},
	}
	want := []error{nil, abi.EEXIST, abi.ENODATA, abi.EOPNOTSUPP, abi.EPERM, abi.EINVAL}
	for i, s := range steps {
		if s.err != want[i] {
			t.Errorf("%s: %v, want %v", s.name, s.err, want[i])
		}
	}
	if v, err := in.GetXattr(e.root, "trusted.k"); string(v) != "v1" || err != nil {
		t.Errorf("get = %q, %v", v, err)
	}
	e.must(in.SetXattr(e.root, "security.a", []byte("s"), 0))
	if l := string(in.ListXattr(e.root)); l != "security.a\x00trusted.k\x00" {
		t.Errorf("list as root = %q", l)
	}
	if l := string(in.ListXattr(e.user)); l != "security.a\x00" {
		t.Errorf("list as user = %q", l)
	}
	e.must(in.RemoveXattr(e.root, "trusted.k"))
	if _, err := in.GetXattr(e.root, "trusted.k"); err != abi.ENODATA {
		t.Errorf("get after remove: %v", err)
	}
}

// TestXattrEmptyNameAndReadOnly: a namespace prefix alone is EINVAL
// (EOPNOTSUPP where the namespace is unsupported), and setxattr and
// removexattr resolve through XattrWritableAt, EROFS on a read-only
// mount while reading still works.
func TestXattrEmptyNameAndReadOnly(t *testing.T) {
	e := newEnv(t)
	e.write("/f", "x")
	in, err := e.v.InodeAt(e.root, e.fsc, nil, "/f", 0)
	e.must(err)
	tests := []struct {
		name string
		want error
	}{
		{"trusted.", abi.EINVAL},
		{"security.", abi.EINVAL},
		{"user.", abi.EOPNOTSUPP}, // tmpfs has no user.* namespace
	}
	for _, tt := range tests {
		if err := in.SetXattr(e.root, tt.name, []byte("v"), 0); err != tt.want {
			t.Errorf("set %q = %v, want %v", tt.name, err, tt.want)
		}
	}
	e.must(in.SetXattr(e.root, "trusted.k", []byte("v"), 0))
	e.must(e.v.BindMount(e.root, e.fsc, "/f", "/f", 0))
	e.must(e.v.Remount(e.root, e.fsc, "/f", abi.MS_BIND|abi.MS_RDONLY, ""))
	if _, err := e.v.XattrWritableAt(e.root, e.fsc, nil, "/f", 0); err != abi.EROFS {
		t.Errorf("XattrWritableAt on a read-only mount = %v, want EROFS", err)
	}
	ro, err := e.v.InodeAt(e.root, e.fsc, nil, "/f", 0)
	e.must(err)
	if v, err := ro.GetXattr(e.root, "trusted.k"); string(v) != "v" || err != nil {
		t.Errorf("get on a read-only mount = %q, %v", v, err)
	}
}

// TestMountSameFilesystemOnItsRoot: mounting a filesystem on the root of a
// mount of that same filesystem is EBUSY (Linux's do_add_mount); inside
// it, or another instance, is allowed.
func TestMountSameFilesystemOnItsRoot(t *testing.T) {
	e := newEnv(t)
	e.tree()
	e.mkdir("/mnt", 0o755)
	clock := func() time.Time { return e.clock }
	one := tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, 21)})
	two := tmpfs.New(tmpfs.Options{Clock: clock, Dev: abi.MakeDev(0, 22)})
	e.must(e.v.Mount(e.root, e.fsc, "/mnt", one, 0, "one", ""))
	e.mkdir("/mnt/sub", 0o755)
	for _, tc := range []struct {
		name   string
		target string
		fs     vfs.Filesystem
		want   error
	}{
		{"one", "/mnt", one, abi.EBUSY},
		{"one", "/mnt/", one, abi.EBUSY},
		{"one", "/mnt/sub", one, nil},
		{"one", "/mnt/sub", one, abi.EBUSY}, // now the root of the mount just made
		{"two", "/mnt", two, nil},
		{"one", "/mnt", one, nil}, // on two's root: a different filesystem
	} {
		if err := e.v.Mount(e.root, e.fsc, tc.target, tc.fs, 0, "x", ""); err != tc.want {
			t.Errorf("mount %s on %s = %v, want %v", tc.name, tc.target, err, tc.want)
		}
	}
}
