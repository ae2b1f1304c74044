package devfs

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/klog"
	"aramid/kernel/vfs"
)

func setup(t *testing.T) (*vfs.VFS, *vfs.FSContext, *[][]byte) {
	clock := func() time.Time { return time.Unix(100, 0) }
	reg := NewRegistry()
	var logged [][]byte
	if err := RegisterMem(reg, MemOptions{Random: bytes.NewReader(bytes.Repeat([]byte{0xab}, 1<<16)),
		Kmsg: func(p []byte) { logged = append(logged, p) }}); err != nil {
		t.Fatal(err)
	}
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock, Mode: 0o755}), vfs.Options{Clock: clock, Devices: reg})
	fsc := vfs.NewFSContext(v.Root())
	root := &vfs.Caller{}
	if err := v.MkdirAt(root, fsc, nil, "/dev", 0o755); err != nil {
		t.Fatal(err)
	}
	dfs, err := New(clock, abi.MakeDev(0, 5), StandardNodes)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Mount(root, fsc, "/dev", dfs, abi.MS_NOSUID, "devtmpfs", "mode=755"); err != nil {
		t.Fatal(err)
	}
	return v, fsc, &logged
}

func TestNodes(t *testing.T) {
	v, fsc, _ := setup(t)
	c := &vfs.Caller{}
	for _, tc := range []struct {
		path         string
		mode         uint32
		major, minor uint32
	}{
		{"/dev/null", abi.S_IFCHR | 0o666, 1, 3},
		{"/dev/zero", abi.S_IFCHR | 0o666, 1, 5},
		{"/dev/full", abi.S_IFCHR | 0o666, 1, 7},
		{"/dev/random", abi.S_IFCHR | 0o666, 1, 8},
		{"/dev/urandom", abi.S_IFCHR | 0o666, 1, 9},
		{"/dev/kmsg", abi.S_IFCHR | 0o644, 1, 11},
		{"/dev/tty", abi.S_IFCHR | 0o666, 5, 0},
		{"/dev/console", abi.S_IFCHR | 0o600, 5, 1},
		{"/dev/ttyS0", abi.S_IFCHR | 0o660, 4, 64},
		{"/dev/shm", abi.S_IFDIR | 0o1777, 0, 0},
	} {
		st, err := v.StatAt(c, fsc, nil, tc.path, 0)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if st.Mode != tc.mode || (tc.major != 0 && st.Rdev != abi.MakeDev(tc.major, tc.minor)) {
			t.Errorf("%s: mode %o rdev %d:%d", tc.path, st.Mode, abi.DevMajor(st.Rdev), abi.DevMinor(st.Rdev))
		}
	}
	for _, p := range []string{"/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"} {
		if _, err := v.StatAt(c, fsc, nil, p, abi.AT_SYMLINK_NOFOLLOW); err != abi.ENOENT {
			t.Errorf("%s: %v, want ENOENT (user space makes it)", p, err)
		}
	}
	if ms := v.Mounts(fsc); ms[1].FSType != "devtmpfs" || ms[1].MountPoint != "/dev" {
		t.Errorf("mounts %+v", ms)
	}
}

func TestMemDevices(t *testing.T) {
	v, fsc, logged := setup(t)
	c := &vfs.Caller{}
	open := func(p string) *vfs.File {
		f, err := v.OpenAt(c, fsc, nil, p, abi.O_RDWR, 0)
		if err != nil {
			t.Fatalf("open %s: %v", p, err)
		}
		return f
	}
	buf := bytes.Repeat([]byte{1}, 100)
	for _, tc := range []struct {
		path     string
		readN    int
		readByte byte
		writeN   int
		writeErr error
	}{
		{"/dev/null", 0, 1, 5, nil},
		{"/dev/zero", 100, 0, 5, nil},
		{"/dev/full", 100, 0, 0, abi.ENOSPC},
		{"/dev/urandom", 100, 0xab, 5, nil},
		{"/dev/random", 100, 0xab, 5, nil},
	} {
		f := open(tc.path)
		for i := range buf {
			buf[i] = 1
		}
		n, err := f.Read(c, buf)
		if n != tc.readN || err != nil || (n > 0 && buf[n-1] != tc.readByte) {
			t.Errorf("%s read = %d, %v, byte %#x", tc.path, n, err, buf[0])
		}
		if n, err := f.Write(c, []byte("hello")); n != tc.writeN || err != tc.writeErr {
			t.Errorf("%s write = %d, %v", tc.path, n, err)
		}
		if off, err := f.Seek(123, abi.SEEK_SET); off != 0 || err != nil {
			t.Errorf("%s lseek = %d, %v", tc.path, off, err)
		}
		f.DecRef()
	}
	k := open("/dev/kmsg")
	k.Write(c, []byte("<6>hello"))
	k.DecRef()
	if len(*logged) != 1 || string((*logged)[0]) != "<6>hello" {
		t.Errorf("kmsg sink got %q", *logged)
	}
	if _, err := v.OpenAt(c, fsc, nil, "/dev/ttyS0", abi.O_RDWR, 0); err != abi.ENXIO {
		t.Errorf("open of a driverless device = %v", err)
	}
	// Bind-mount /dev/console onto itself and remount /dev nosuid, as
	// systemd does.
	if err := v.BindMount(c, fsc, "/dev/console", "/dev/console", 0); err != nil {
		t.Errorf("bind console: %v", err)
	}
	if err := v.Remount(c, fsc, "/dev", abi.MS_NOSUID, ""); err != nil {
		t.Errorf("remount: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	d := DeviceFunc(func(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return null{}, nil })
	if err := r.RegisterChar(4, 64, d); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterChar(4, 64, d); err != abi.EBUSY {
		t.Errorf("double registration = %v", err)
	}
	if _, err := r.OpenDevice(nil, abi.S_IFBLK, abi.MakeDev(4, 64), nil, 0); err != abi.ENXIO {
		t.Errorf("block with the char number = %v", err)
	}
	if _, err := r.OpenDevice(nil, abi.S_IFCHR, abi.MakeDev(4, 64), nil, 0); err != nil {
		t.Errorf("open = %v", err)
	}
}

func TestKmsgRead(t *testing.T) {
	reg := NewRegistry()
	ring := klog.NewRing(16)
	if err := RegisterMem(reg, MemOptions{Random: bytes.NewReader(nil), Log: ring,
		Since: func() time.Duration { return 2 * time.Second }}); err != nil {
		t.Fatal(err)
	}
	ring.Add(6, time.Second, "booted")
	impl, err := reg.OpenDevice(nil, abi.S_IFCHR, abi.MakeDev(MemMajor, KmsgMinor), nil, abi.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	f := vfs.NewFile(impl, nil, vfs.Path{}, abi.O_RDWR|abi.O_NONBLOCK)
	defer f.DecRef()
	if _, err := f.Write(nil, []byte("<27>systemd[1]: hello\\x\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	var got []string
	for {
		n, err := f.Read(nil, buf)
		if err == abi.EAGAIN {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	want := []string{"6,0,1000000,-;booted\n", "27,1,2000000,-;systemd[1]: hello\\x5cx\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("records %q, want %q", got, want)
	}
	if _, err := f.Read(nil, buf[:4]); err != abi.EAGAIN {
		t.Errorf("read at the end: %v, want EAGAIN", err)
	}
	if _, err := f.Seek(0, abi.SEEK_SET); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(nil, buf[:4]); err != abi.EINVAL {
		t.Errorf("short buffer: %v, want EINVAL", err)
	}
}
