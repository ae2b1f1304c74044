package sysfs

import (
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

func setup(t *testing.T) (*vfs.VFS, *vfs.FSContext, *vfs.Caller, *FS) {
	clock := func() time.Time { return time.Unix(100, 0) }
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock, Mode: 0o755}), vfs.Options{Clock: clock})
	fsc := vfs.NewFSContext(v.Root())
	c := &vfs.Caller{}
	if err := v.MkdirAt(c, fsc, nil, "/sys", 0o755); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Clock: clock, Dev: abi.MakeDev(0, 20)})
	if err := v.Mount(c, fsc, "/sys", s, abi.MS_NOSUID|abi.MS_NODEV|abi.MS_NOEXEC, "sysfs", ""); err != nil {
		t.Fatal(err)
	}
	return v, fsc, c, s
}

func read(t *testing.T, v *vfs.VFS, fsc *vfs.FSContext, c *vfs.Caller, path string) (string, error) {
	f, err := v.OpenAt(c, fsc, nil, path, abi.O_RDONLY, 0)
	if err != nil {
		return "", err
	}
	defer f.DecRef()
	b := make([]byte, 4096)
	n, err := f.Read(c, b)
	return string(b[:n]), err
}

func TestFiles(t *testing.T) {
	v, fsc, c, _ := setup(t)
	for _, tc := range []struct{ path, want string }{
		{"/sys/devices/system/cpu/online", "0\n"},
		{"/sys/devices/system/cpu/possible", "0\n"},
		{"/sys/devices/system/cpu/present", "0\n"},
		{"/sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n"},
		{"/sys/kernel/uevent_seqnum", "0\n"},
		{"/sys/class/tty/console/active", "ttyS0\n"}, // through the class symlink
		{"/sys/class/tty/ttyS0/dev", "4:64\n"},
		{"/sys/dev/char/5:1/dev", "5:1\n"},
		{"/sys/class/net/lo/ifindex", "1\n"},
		{"/sys/kernel/cgroup/features", "nsdelegate\nmemory_recursiveprot\n"},
	} {
		got, err := read(t, v, fsc, c, tc.path)
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
	for _, d := range []string{"/sys/fs/cgroup", "/sys/fs/bpf", "/sys/fs/pstore", "/sys/kernel/security", "/sys/firmware"} {
		st, err := v.StatAt(c, fsc, nil, d, 0)
		if err != nil || st.Mode&abi.S_IFMT != abi.S_IFDIR {
			t.Errorf("%s: mode %#o, %v", d, st.Mode, err)
		}
	}
	if l, err := v.ReadlinkAt(c, fsc, nil, "/sys/class/net/lo"); err != nil || l != "../../devices/virtual/net/lo" {
		t.Errorf("readlink lo = %q, %v", l, err)
	}
	st, err := v.StatfsAt(c, fsc, nil, "/sys/kernel")
	if err != nil || st.Type != abi.SYSFS_MAGIC {
		t.Errorf("statfs %#x, %v", st.Type, err)
	}
}

func TestReadOnly(t *testing.T) {
	v, fsc, c, _ := setup(t)
	if _, err := v.OpenAt(c, fsc, nil, "/sys/kernel/uevent_seqnum", abi.O_WRONLY, 0); err != abi.EACCES {
		t.Errorf("open for write: %v", err)
	}
	if err := v.MkdirAt(c, fsc, nil, "/sys/kernel/x", 0o755); err != abi.EPERM {
		t.Errorf("mkdir: %v", err)
	}
	if _, err := v.OpenAt(c, fsc, nil, "/sys/x", abi.O_CREAT|abi.O_WRONLY, 0o644); err != abi.EACCES {
		t.Errorf("create: %v", err)
	}
	if err := v.UnlinkAt(c, fsc, nil, "/sys/kernel/uevent_seqnum", 0); err != abi.EPERM {
		t.Errorf("unlink: %v", err)
	}
}

func TestListingAndAdd(t *testing.T) {
	v, fsc, c, s := setup(t)
	if err := s.Add(Entry{Path: "devices/virtual/net/lo/operstate", Kind: File, Gen: func() string { return "unknown\n" }}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(Entry{Path: "kernel/uevent_seqnum", Kind: File, Data: "1\n"}); err != abi.EEXIST {
		t.Errorf("Add existing: %v", err)
	}
	if err := s.Add(Entry{Path: "kernel/uevent_seqnum/x", Kind: File}); err != abi.ENOTDIR {
		t.Errorf("Add under a file: %v", err)
	}
	f, err := v.OpenAt(c, fsc, nil, "/sys/devices/system/cpu", abi.O_RDONLY|abi.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.DecRef()
	b, err := f.Getdents64(4096)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for len(b) > 0 {
		reclen := int(b[16]) | int(b[17])<<8
		names = append(names, strings.TrimRight(string(b[19:reclen]), "\x00"))
		b = b[reclen:]
	}
	if got := strings.Join(names, " "); got != ". .. cpu0 kernel_max online possible present" {
		t.Errorf("ls cpu: %s", got)
	}
	if got, _ := read(t, v, fsc, c, "/sys/class/net/lo/operstate"); got != "unknown\n" {
		t.Errorf("added file %q", got)
	}
}
