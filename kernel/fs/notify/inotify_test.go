package notify

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

// The expected sequences below were recorded on Linux 6.18 with a C
// program doing the same operations on a tmpfs-like directory and printing
// each struct inotify_event as "wd mask name" (cookies as "c" when set).

type env struct {
	t   *testing.T
	v   *vfs.VFS
	fsc *vfs.FSContext
	c   *vfs.Caller
	n   *Inotify
	f   *vfs.File
}

func setup(t *testing.T) *env {
	clock := func() time.Time { return time.Unix(100, 0) }
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock, Mode: 0o755}), vfs.Options{Clock: clock})
	e := &env{t: t, v: v, fsc: vfs.NewFSContext(v.Root()), c: &vfs.Caller{}, n: mustNew(t)}
	e.f = vfs.NewFile(e.n, nil, vfs.Path{}, abi.O_RDONLY|abi.O_NONBLOCK)
	e.must(v.MkdirAt(e.c, e.fsc, nil, "/d", 0o755))
	e.must(v.MkdirAt(e.c, e.fsc, nil, "/d/sub", 0o755))
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) watch(path string, mask uint32) int32 {
	e.t.Helper()
	wd, err := e.add(path, mask)
	e.must(err)
	return wd
}

func (e *env) add(path string, mask uint32) (int32, error) {
	p, err := e.v.LookupAt(e.c, e.fsc, nil, path, 0)
	if err != nil {
		return 0, err
	}
	return e.n.AddWatch(p.Inode, mask)
}

func (e *env) open(path string, flags uint32) *vfs.File {
	e.t.Helper()
	f, err := e.v.OpenAt(e.c, e.fsc, nil, path, flags, 0o644)
	e.must(err)
	return f
}

// events reads and formats everything queued; cookies must pair up.
func (e *env) events() []string {
	e.t.Helper()
	buf := make([]byte, 8192)
	n, err := e.f.Read(e.c, buf)
	if err == abi.EAGAIN {
		return nil
	}
	e.must(err)
	var out []string
	cookies := map[uint32]int{}
	for off := 0; off < n; {
		le := binary.LittleEndian
		wd, mask, cookie, l := int32(le.Uint32(buf[off:])), le.Uint32(buf[off+4:]), le.Uint32(buf[off+8:]), int(le.Uint32(buf[off+12:]))
		if l%16 != 0 {
			e.t.Errorf("name length %d not padded to 16", l)
		}
		name := strings.TrimRight(string(buf[off+16:off+16+l]), "\x00")
		s := fmt.Sprintf("%d %#x %s", wd, mask, name)
		if cookie != 0 {
			cookies[cookie]++
			s += " c"
		}
		out = append(out, strings.TrimSpace(s))
		off += 16 + l
	}
	for c, k := range cookies {
		if k != 2 {
			e.t.Errorf("cookie %d used %d times", c, k)
		}
	}
	return out
}

func (e *env) expect(what string, want ...string) {
	e.t.Helper()
	if got := e.events(); !reflect.DeepEqual(got, want) {
		e.t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func TestEventSequences(t *testing.T) {
	e := setup(t)
	if wd := e.watch("/d", abi.IN_ALL_EVENTS); wd != 1 {
		t.Fatalf("first wd = %d", wd)
	}
	if wd := e.watch("/d", abi.IN_ALL_EVENTS); wd != 1 {
		t.Fatalf("same inode again: wd = %d", wd)
	}
	f := e.open("/d/a", abi.O_CREAT|abi.O_WRONLY)
	if wd := e.watch("/d/a", abi.IN_ALL_EVENTS); wd != 2 {
		t.Fatalf("wd = %d", wd)
	}
	f.Write(e.c, []byte("x"))
	f.Write(e.c, []byte("y"))
	f.DecRef()
	e.expect("create, write twice, close",
		"1 0x100 a", "1 0x20 a", "1 0x2 a", "2 0x2", "1 0x2 a", "2 0x2", "1 0x8 a", "2 0x8")
	if n := e.n.Pending(); n != 0 {
		t.Errorf("FIONREAD after read = %d", n)
	}

	e.must(e.v.ChmodAt(e.c, e.fsc, nil, "/d/a", 0o600, 0))
	e.open("/d/a", abi.O_RDONLY).DecRef()
	if n := e.n.Pending(); n != 144 { // 3 named (32) + 3 unnamed (16)
		t.Errorf("FIONREAD = %d, want 144", n)
	}
	e.expect("chmod, open and close read-only", "1 0x4 a", "2 0x4", "1 0x20 a", "2 0x20", "1 0x10 a", "2 0x10")

	e.must(e.v.RenameAt(e.c, e.fsc, nil, "/d/a", nil, "/d/b", 0))
	e.expect("rename a b", "1 0x40 a c", "1 0x80 b c", "2 0x800")

	e.must(e.v.LinkAt(e.c, e.fsc, nil, "/d/b", nil, "/d/c", 0))
	e.expect("link b c", "2 0x4", "1 0x100 c")
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/d/c", 0))
	e.expect("unlink c", "2 0x4", "1 0x200 c")
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/d/b", 0))
	e.expect("unlink b, the last link", "2 0x4", "2 0x400", "2 0x8000", "1 0x200 b")
	if err := e.n.RmWatch(2); err != abi.EINVAL {
		t.Errorf("rm_watch of a removed watch: %v", err)
	}

	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/d/e", 0o755))
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/d/e", abi.AT_REMOVEDIR))
	e.expect("mkdir, rmdir", "1 0x40000100 e", "1 0x40000200 e")

	if wd := e.watch("/d/sub", abi.IN_ALL_EVENTS); wd != 3 {
		t.Fatalf("wd = %d", wd)
	}
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/d/sub", abi.AT_REMOVEDIR))
	e.expect("rmdir a watched directory", "3 0x400", "3 0x8000", "1 0x40000200 sub")

	e.open("/d/o", abi.O_CREAT|abi.O_WRONLY).DecRef()
	e.expect("create o", "1 0x100 o", "1 0x20 o", "1 0x8 o")
	wo := e.watch("/d/o", abi.IN_MODIFY|abi.IN_ONESHOT)
	f = e.open("/d/o", abi.O_WRONLY)
	f.Write(e.c, []byte("a"))
	f.Write(e.c, []byte("b"))
	f.DecRef()
	e.expect("one-shot watch", "1 0x20 o", "1 0x2 o", "4 0x2", "4 0x8000", "1 0x2 o", "1 0x8 o")
	if wo != 4 {
		t.Errorf("wd = %d", wo)
	}
	if err := e.n.RmWatch(wo); err != abi.EINVAL {
		t.Errorf("rm_watch after one-shot: %v", err)
	}
	e.must(e.n.RmWatch(1))
	e.expect("rm_watch", "1 0x8000")
}

func TestRenameOverWatched(t *testing.T) {
	e := setup(t)
	e.open("/d/o", abi.O_CREAT|abi.O_WRONLY).DecRef()
	e.open("/d/p", abi.O_CREAT|abi.O_WRONLY).DecRef()
	e.watch("/d/o", abi.IN_MODIFY)
	e.watch("/d/p", abi.IN_ALL_EVENTS)
	e.watch("/d", abi.IN_ALL_EVENTS)
	e.must(e.v.RenameAt(e.c, e.fsc, nil, "/d/o", nil, "/d/p", 0))
	e.expect("rename o over watched p", "3 0x40 o c", "3 0x80 p c", "2 0x4", "2 0x400", "2 0x8000")
}

func TestAddWatchErrors(t *testing.T) {
	e := setup(t)
	e.open("/d/o", abi.O_CREAT|abi.O_WRONLY).DecRef()
	for _, tc := range []struct {
		path string
		mask uint32
		want error
	}{
		{"/d/o", abi.IN_ONLYDIR | abi.IN_MODIFY, abi.ENOTDIR},
		{"/d/o", 0, abi.EINVAL},
		{"/d/o", abi.IN_MASK_ADD | abi.IN_MASK_CREATE | abi.IN_MODIFY, abi.EINVAL},
		{"/d/o", abi.IN_MODIFY, nil},
		{"/d/o", abi.IN_MASK_CREATE | abi.IN_MODIFY, abi.EEXIST},
		{"/d/o", abi.IN_ONESHOT, nil},    // flags alone are a valid mask
		{"/d/o", abi.IN_Q_OVERFLOW, nil}, // so is a kernel-only bit
		{"/d/nonexist", abi.IN_MODIFY, abi.ENOENT},
	} {
		_, err := e.add(tc.path, tc.mask)
		if err != tc.want {
			t.Errorf("add_watch(%s, %#x) = %v, want %v", tc.path, tc.mask, err, tc.want)
		}
	}
	if err := e.n.RmWatch(99); err != abi.EINVAL {
		t.Errorf("rm_watch(99) = %v", err)
	}
}

func TestMaskAddAndReplace(t *testing.T) {
	e := setup(t)
	wd := e.watch("/d", abi.IN_CREATE)
	e.watch("/d", abi.IN_DELETE|abi.IN_MASK_ADD)
	if m, _ := e.n.Watched(wd); m != abi.IN_CREATE|abi.IN_DELETE {
		t.Errorf("IN_MASK_ADD: mask %#x", m)
	}
	e.watch("/d", abi.IN_MODIFY)
	if m, _ := e.n.Watched(wd); m != abi.IN_MODIFY {
		t.Errorf("replace: mask %#x", m)
	}
}

func TestReadSizesAndReadiness(t *testing.T) {
	e := setup(t)
	e.watch("/d", abi.IN_CREATE)
	if r := e.f.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLPRI); r != 0 {
		t.Errorf("empty readiness %#x", r)
	}
	w := vfs.NewWaiter()
	e.f.EventQueue().Register(w, abi.POLLIN)
	e.open("/d/zz", abi.O_CREAT|abi.O_WRONLY).DecRef()
	select {
	case <-w.C():
	default:
		t.Error("queue not notified")
	}
	if r := e.f.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLPRI); r != abi.POLLIN {
		t.Errorf("readiness %#x, want POLLIN", r)
	}
	for _, size := range []int{0, 16, 31} {
		if _, err := e.f.Read(e.c, make([]byte, size)); err != abi.EINVAL {
			t.Errorf("read of %d bytes: %v, want EINVAL", size, err)
		}
	}
	if n, err := e.f.Read(e.c, make([]byte, 32)); n != 32 || err != nil {
		t.Errorf("read of 32 = %d, %v", n, err)
	}
	if _, err := e.f.Read(e.c, make([]byte, 64)); err != abi.EAGAIN {
		t.Errorf("empty non-blocking read: %v", err)
	}
	if _, err := e.f.Write(e.c, []byte("x")); err != abi.EBADF {
		t.Errorf("write: %v", err)
	}
}

func TestBlockingRead(t *testing.T) {
	e := setup(t)
	e.watch("/d", abi.IN_CREATE)
	f := vfs.NewFile(e.n, nil, vfs.Path{}, abi.O_RDONLY)
	c := &vfs.Caller{Blocker: vfs.ChanBlocker{}}
	done := make(chan int)
	go func() {
		n, _ := f.Read(c, make([]byte, 64))
		done <- n
	}()
	time.Sleep(10 * time.Millisecond)
	e.open("/d/x", abi.O_CREAT|abi.O_WRONLY).DecRef()
	select {
	case n := <-done:
		if n != 32 {
			t.Errorf("read %d", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("blocked read not woken")
	}
}

func TestMergeAndOverflow(t *testing.T) {
	e := setup(t)
	e.watch("/d", abi.IN_MODIFY)
	f := e.open("/d/a", abi.O_CREAT|abi.O_WRONLY)
	for i := 0; i < 3; i++ {
		f.Write(e.c, []byte("x"))
	}
	e.expect("identical events merge", "1 0x2 a")

	n := mustNew(t)
	p, _ := e.v.LookupAt(e.c, e.fsc, nil, "/d", 0)
	wd, _ := n.AddWatch(p.Inode, abi.IN_CREATE)
	n.mu.Lock()
	for i := 0; i < MaxQueuedEvents+10; i++ {
		n.queueLocked(event{wd: wd, mask: abi.IN_CREATE, name: fmt.Sprint(i)})
	}
	k, last := len(n.events), n.events[len(n.events)-1]
	n.mu.Unlock()
	if k != MaxQueuedEvents+1 || last.wd != -1 || last.mask != abi.IN_Q_OVERFLOW {
		t.Errorf("overflow: %d events, last %+v", k, last)
	}
}

func TestReleaseDetaches(t *testing.T) {
	e := setup(t)
	e.watch("/d", abi.IN_CREATE)
	p, _ := e.v.LookupAt(e.c, e.fsc, nil, "/d", 0)
	if p.Inode.Watches() == nil {
		t.Fatal("not attached")
	}
	e.f.DecRef()
	if p.Inode.Watches() != nil {
		t.Error("watches left after release")
	}
}

func mustNew(t *testing.T) *Inotify {
	t.Helper()
	n, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUserLimits(t *testing.T) {
	set := func(key, val string) {
		t.Helper()
		if err := Tunables()[key].Set(val); err != nil {
			t.Fatal(err)
		}
	}
	e := setup(t)
	defer set("fs/inotify/max_user_instances", "128")
	defer set("fs/inotify/max_user_watches", "8192")
	set("fs/inotify/max_user_instances", "2")
	a, errA := New(7)
	b, errB := New(7)
	_, errC := New(7)
	other, errD := New(8)
	if errA != nil || errB != nil || errC != abi.EMFILE || errD != nil {
		t.Fatalf("instances: %v %v %v %v", errA, errB, errC, errD)
	}
	set("fs/inotify/max_user_watches", "1")
	d, _ := e.v.LookupAt(e.c, e.fsc, nil, "/d", 0)
	root, _ := e.v.LookupAt(e.c, e.fsc, nil, "/", 0)
	if _, err := a.AddWatch(d.Inode, abi.IN_CREATE); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddWatch(root.Inode, abi.IN_CREATE); err != abi.ENOSPC {
		t.Errorf("second watch of the user: %v", err)
	}
	if _, err := other.AddWatch(root.Inode, abi.IN_CREATE); err != nil {
		t.Errorf("another user's watch: %v", err)
	}
	a.Release(nil)
	if _, err := b.AddWatch(root.Inode, abi.IN_CREATE); err != nil {
		t.Errorf("after release: %v", err)
	}
	if _, err := New(7); err != nil {
		t.Errorf("instance after release: %v", err)
	}
	if err := Tunables()["fs/inotify/max_queued_events"].Set("-1"); err != abi.EINVAL {
		t.Errorf("negative limit: %v", err)
	}
	b.Release(nil)
	other.Release(nil)
}

func TestExclUnlink(t *testing.T) {
	e := setup(t)
	e.watch("/d", abi.IN_MODIFY|abi.IN_DELETE|abi.IN_EXCL_UNLINK)
	f := e.open("/d/a", abi.O_CREAT|abi.O_WRONLY)
	f.Write(e.c, []byte("x"))
	e.expect("linked", "1 0x2 a")
	if err := e.v.UnlinkAt(e.c, e.fsc, nil, "/d/a", 0); err != nil {
		t.Fatal(err)
	}
	e.expect("unlinked", "1 0x200 a")
	f.Write(e.c, []byte("y"))
	e.expect("write after unlink")
}
