package cgroupfs

import (
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

type env struct {
	t   *testing.T
	v   *vfs.VFS
	fsc *vfs.FSContext
	c   *vfs.Caller
	cg  *FS
}

func setup(t *testing.T) *env {
	clock := func() time.Time { return time.Unix(100, 0) }
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock, Mode: 0o755}), vfs.Options{Clock: clock})
	e := &env{t: t, v: v, fsc: vfs.NewFSContext(v.Root()), c: &vfs.Caller{}}
	e.cg = New(Options{Clock: clock, Alive: func(pid int32) bool { return pid < 1000 },
		Threads: func(pid int32) []int32 { return []int32{pid} }})
	e.must(v.MkdirAt(e.c, e.fsc, nil, "/cg", 0o755))
	e.must(v.Mount(e.c, e.fsc, "/cg", e.cg, 0, "cgroup2", "nsdelegate"))
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) read(path string) string {
	e.t.Helper()
	f, err := e.v.OpenAt(e.c, e.fsc, nil, path, abi.O_RDONLY, 0)
	e.must(err)
	defer f.DecRef()
	b := make([]byte, 4096)
	n, err := f.Read(e.c, b)
	if err != nil && err != io.EOF {
		e.t.Fatal(err)
	}
	return string(b[:n])
}

func (e *env) write(path, s string) error {
	f, err := e.v.OpenAt(e.c, e.fsc, nil, path, abi.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.DecRef()
	_, err = f.Write(e.c, []byte(s))
	return err
}

func (e *env) ls(path string) []string {
	e.t.Helper()
	f, err := e.v.OpenAt(e.c, e.fsc, nil, path, abi.O_RDONLY|abi.O_DIRECTORY, 0)
	e.must(err)
	defer f.DecRef()
	b, err := f.Getdents64(65536)
	e.must(err)
	var names []string
	for len(b) > 0 {
		reclen := int(b[16]) | int(b[17])<<8
		name := string(b[19:reclen])
		names = append(names, strings.TrimRight(name, "\x00"))
		b = b[reclen:]
	}
	sort.Strings(names)
	return names
}

func TestSystemdSequence(t *testing.T) {
	e := setup(t)
	st, err := e.v.StatfsAt(e.c, e.fsc, nil, "/cg")
	e.must(err)
	if st.Type != abi.CGROUP2_SUPER_MAGIC {
		t.Errorf("statfs type %#x", st.Type)
	}
	if got := e.read("/cg/cgroup.controllers"); got != "cpuset cpu io memory pids\n" {
		t.Errorf("controllers %q", got)
	}
	e.cg.Fork(0, 1) // PID 1 starts in the root
	for _, d := range []string{"init.scope", "system.slice", "user.slice"} {
		e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/"+d, 0o755))
	}
	e.must(e.write("/cg/init.scope/cgroup.procs", "1\n"))
	if got := e.cg.CgroupOf(1); got != "/init.scope" {
		t.Errorf("CgroupOf(1) = %q", got)
	}
	e.must(e.write("/cg/cgroup.subtree_control", "+pids +cpu +memory"))
	if got := e.read("/cg/cgroup.subtree_control"); got != "cpu memory pids\n" {
		t.Errorf("subtree_control %q", got)
	}
	if got := e.read("/cg/system.slice/cgroup.controllers"); got != "cpu memory pids\n" {
		t.Errorf("child controllers %q", got)
	}
	if got := e.read("/cg/init.scope/cgroup.procs"); got != "1\n" {
		t.Errorf("procs %q", got)
	}
	if got := e.read("/cg/cgroup.procs"); got != "" {
		t.Errorf("root procs %q", got)
	}
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/system.slice/foo.service", 0o755))
	e.must(e.write("/cg/system.slice/cgroup.subtree_control", "+pids"))
	e.cg.Fork(1, 42)
	e.must(e.write("/cg/system.slice/foo.service/cgroup.procs", "42"))
	if got := e.read("/cg/system.slice/foo.service/cgroup.events"); got != "populated 1\nfrozen 0\n" {
		t.Errorf("events %q", got)
	}
	if got := e.read("/cg/system.slice/cgroup.events"); got != "populated 1\nfrozen 0\n" {
		t.Errorf("parent events %q", got)
	}
	if got := e.read("/cg/system.slice/foo.service/pids.current"); got != "1\n" {
		t.Errorf("pids.current %q", got)
	}
	if err := e.v.UnlinkAt(e.c, e.fsc, nil, "/cg/system.slice/foo.service", abi.AT_REMOVEDIR); err != abi.EBUSY {
		t.Errorf("rmdir populated: %v", err)
	}
	if err := e.v.UnlinkAt(e.c, e.fsc, nil, "/cg/system.slice", abi.AT_REMOVEDIR); err != abi.EBUSY {
		t.Errorf("rmdir with children: %v", err)
	}
	e.cg.Exit(42)
	if got := e.read("/cg/system.slice/foo.service/cgroup.events"); got != "populated 0\nfrozen 0\n" {
		t.Errorf("events after exit %q", got)
	}
	e.must(e.v.UnlinkAt(e.c, e.fsc, nil, "/cg/system.slice/foo.service", abi.AT_REMOVEDIR))
	if got := e.ls("/cg/system.slice"); strings.Join(got, " ") != ". .. cgroup.controllers cgroup.events cgroup.freeze cgroup.max.depth cgroup.max.descendants cgroup.procs cgroup.stat cgroup.subtree_control cgroup.threads cgroup.type cpu.max cpu.stat cpu.weight cpu.weight.nice memory.current memory.events memory.high memory.low memory.max memory.min memory.oom.group memory.stat memory.swap.current memory.swap.max pids.current pids.events pids.max" {
		t.Errorf("ls system.slice: %v", got)
	}
	if got := e.ls("/cg"); strings.Join(got, " ") != ". .. cgroup.controllers cgroup.max.depth cgroup.max.descendants cgroup.procs cgroup.stat cgroup.subtree_control cgroup.threads cpu.stat cpuset.cpus.effective cpuset.mems.effective init.scope io.stat memory.stat system.slice user.slice" {
		t.Errorf("ls root: %v", got)
	}
}

// TestWriteErrors encodes what Linux 6.18 answered on the host's cgroup2.
func TestWriteErrors(t *testing.T) {
	e := setup(t)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/t1", 0o755))
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/t1/c", 0o755))
	e.must(e.write("/cg/cgroup.subtree_control", "+memory"))
	steps := []struct {
		path, data string
		want       error
	}{
		{"/cg/t1/cgroup.procs", "999999", abi.ESRCH},
		{"/cg/t1/cgroup.procs", "abc", abi.EINVAL},
		{"/cg/t1/cgroup.procs", "", nil},
		{"/cg/t1/cgroup.procs", " 7", nil},
		{"/cg/t1/cgroup.subtree_control", "+memory", abi.EBUSY}, // t1 has a process
		{"/cg/t1/cgroup.subtree_control", "+bogus", abi.EINVAL},
		{"/cg/t1/cgroup.subtree_control", "memory", abi.EINVAL},
		{"/cg/t1/cgroup.subtree_control", "+pids", abi.ENOENT}, // not enabled above
		{"/cg/t1/cgroup.subtree_control", "-pids", nil},
		{"/cg/t1/cgroup.subtree_control", "", nil},
		{"/cg/t1/c/cgroup.procs", "7", nil},
		{"/cg/t1/cgroup.subtree_control", "+memory", nil},
		{"/cg/t1/cgroup.procs", "7", abi.EBUSY},              // no internal processes
		{"/cg/cgroup.subtree_control", "-memory", abi.EBUSY}, // t1 still enables it
		{"/cg/t1/cgroup.subtree_control", "+memory -memory", nil},
		{"/cg/cgroup.subtree_control", "-memory", nil},
		{"/cg/t1/cgroup.max.depth", "-1", abi.ERANGE},
		{"/cg/t1/cgroup.max.depth", "max", nil},
		{"/cg/t1/cgroup.type", "threaded", abi.EOPNOTSUPP},
		{"/cg/t1/cgroup.type", "domain", nil},
		{"/cg/t1/cgroup.freeze", "1", nil},
		{"/cg/t1/cgroup.freeze", "2", abi.EINVAL},
		{"/cg/t1/cgroup.threads", "7", abi.EOPNOTSUPP},
	}
	for _, s := range steps {
		if err := e.write(s.path, s.data); err != s.want {
			t.Errorf("write(%s, %q) = %v, want %v", s.path, s.data, err, s.want)
		}
	}
	if got := e.read("/cg/t1/c/cgroup.events"); got != "populated 1\nfrozen 1\n" {
		t.Errorf("frozen child events %q", got)
	}
	if err := e.write("/cg/t1/cgroup.events", "x"); err != abi.EACCES {
		t.Errorf("write to read-only file: %v", err)
	}
	e.must(e.write("/cg/t1/cgroup.max.depth", "0"))
	if err := e.v.MkdirAt(e.c, e.fsc, nil, "/cg/t1/d", 0o755); err != abi.EAGAIN {
		t.Errorf("mkdir past max.depth: %v", err)
	}
	if err := e.v.MkdirAt(e.c, e.fsc, nil, "/cg/cgroup.procs", 0o755); err != abi.EEXIST {
		t.Errorf("mkdir over a file: %v", err)
	}
	if err := e.v.UnlinkAt(e.c, e.fsc, nil, "/cg/cgroup.procs", 0); err != abi.EPERM {
		t.Errorf("unlink file: %v", err)
	}
	if _, err := e.v.OpenAt(e.c, e.fsc, nil, "/cg/newfile", abi.O_CREAT|abi.O_WRONLY, 0o644); err != abi.EACCES {
		t.Errorf("create file: %v", err)
	}
}

func TestControllerValues(t *testing.T) {
	e := setup(t)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/g", 0o755))
	if _, err := e.v.StatAt(e.c, e.fsc, nil, "/cg/g/memory.max", 0); err != abi.ENOENT {
		t.Errorf("memory.max before +memory: %v", err)
	}
	e.must(e.write("/cg/cgroup.subtree_control", "+cpuset +cpu +io +memory +pids"))
	for _, tc := range []struct {
		file, in string
		want     string // read back; "" with err
		err      error
	}{
		{"memory.max", "", "max\n", nil},
		{"memory.max", "1000000", "999424\n", nil},
		{"memory.max", "64M", "67108864\n", nil},
		{"memory.max", "max", "max\n", nil},
		{"memory.max", "-1", "", abi.EINVAL},
		{"memory.high", "1G\n", "1073741824\n", nil},
		{"memory.min", "", "0\n", nil},
		{"memory.low", "4096", "4096\n", nil},
		{"memory.swap.max", "0", "0\n", nil},
		{"pids.max", "", "max\n", nil},
		{"pids.max", "100", "100\n", nil},
		{"pids.max", "-5", "", abi.EINVAL},
		{"cpu.weight", "", "100\n", nil},
		{"cpu.weight", "50", "50\n", nil},
		{"cpu.weight", "0", "", abi.ERANGE},
		{"cpu.weight", "10001", "", abi.ERANGE},
		{"cpu.max", "", "max 100000\n", nil},
		{"cpu.max", "50000", "50000 100000\n", nil},
		{"cpu.max", "max 20000", "max 20000\n", nil},
		{"cpu.max", "10 100000", "", abi.EINVAL},
		{"io.weight", "", "default 100\n", nil},
		{"io.weight", "200", "default 200\n", nil},
		{"io.weight", "8:0 200", "", abi.ENODEV},
		{"cpuset.cpus", "0", "0\n", nil},
		{"cpuset.cpus", "0-3", "", abi.EINVAL},
		{"cpuset.cpus.effective", "", "0\n", nil},
		{"memory.current", "", "0\n", nil},
		{"pids.current", "", "0\n", nil},
	} {
		path := "/cg/g/" + tc.file
		if tc.in != "" {
			if err := e.write(path, tc.in); err != tc.err {
				t.Errorf("write %s %q: %v, want %v", tc.file, tc.in, err, tc.err)
			}
		}
		if tc.want != "" {
			if got := e.read(path); got != tc.want {
				t.Errorf("%s after %q = %q, want %q", tc.file, tc.in, got, tc.want)
			}
		}
	}
}

func TestEventsNotification(t *testing.T) {
	e := setup(t)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/s", 0o755))
	f, err := e.v.OpenAt(e.c, e.fsc, nil, "/cg/s/cgroup.events", abi.O_RDONLY, 0)
	e.must(err)
	defer f.DecRef()
	if r := f.Readiness(abi.POLLPRI) & abi.POLLPRI; r != 0 {
		t.Errorf("readiness before change %#x", r)
	}
	w := vfs.NewWaiter()
	f.EventQueue().Register(w, abi.POLLPRI)
	var got []string
	p, err := e.v.LookupAt(e.c, e.fsc, nil, "/cg/s/cgroup.events", 0)
	e.must(err)
	p.Inode.SetWatches(recorder{&got, "file"})
	dp, _ := e.v.LookupAt(e.c, e.fsc, nil, "/cg/s", 0)
	dp.Inode.SetWatches(recorder{&got, "dir"})
	e.must(e.cg.Move(5, "/s"))
	select {
	case <-w.C():
	default:
		t.Error("queue not notified")
	}
	if r := f.Readiness(abi.POLLPRI | abi.POLLIN); r != abi.POLLPRI|abi.POLLIN|abi.POLLERR {
		t.Errorf("readiness after change %#x", r)
	}
	if want := "dir 0x2 cgroup.events|file 0x2 "; strings.Join(got, "|") != "file 0x2 |dir 0x2 cgroup.events" && strings.Join(got, "|") != want {
		t.Errorf("inotify events %q", got)
	}
	b := make([]byte, 64)
	f.Seek(0, abi.SEEK_SET)
	n, _ := f.Read(e.c, b)
	if string(b[:n]) != "populated 1\nfrozen 0\n" {
		t.Errorf("reread %q", b[:n])
	}
	if r := f.Readiness(abi.POLLPRI) & abi.POLLPRI; r != 0 {
		t.Errorf("readiness after read %#x", r)
	}
	got = nil
	e.must(e.cg.Move(6, "/s")) // still populated: no event
	if len(got) != 0 {
		t.Errorf("event without a change: %q", got)
	}
}

type recorder struct {
	out *[]string
	who string
}

func (r recorder) Event(mask, cookie uint32, name string) {
	*r.out = append(*r.out, r.who+" "+hex(mask)+" "+name)
}

func hex(v uint32) string {
	const d = "0123456789abcdef"
	s := ""
	for v > 0 {
		s = string(d[v%16]) + s
		v /= 16
	}
	return "0x" + s
}

func TestMembership(t *testing.T) {
	e := setup(t)
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/a", 0o755))
	e.must(e.v.MkdirAt(e.c, e.fsc, nil, "/cg/a/b", 0o755))
	for _, tc := range []struct {
		op   func()
		pid  int32
		want string
	}{
		{func() {}, 9, "/"},
		{func() { e.must(e.cg.Move(9, "/a/b")) }, 9, "/a/b"},
		{func() { e.cg.Fork(9, 10) }, 10, "/a/b"},
		{func() { e.cg.Fork(77, 11) }, 11, "/"},
		{func() { e.cg.Exit(10) }, 10, "/"},
	} {
		tc.op()
		if got := e.cg.CgroupOf(tc.pid); got != tc.want {
			t.Errorf("CgroupOf(%d) = %q, want %q", tc.pid, got, tc.want)
		}
	}
	if err := e.cg.Move(9, "/nope"); err != abi.ENOENT {
		t.Errorf("Move to missing group: %v", err)
	}
	if got := e.read("/cg/a/b/cgroup.procs"); got != "9\n" {
		t.Errorf("procs %q", got)
	}
	if got := e.read("/cg/a/cgroup.stat"); got != "nr_descendants 1\nnr_dying_descendants 0\n" {
		t.Errorf("cgroup.stat %q", got)
	}
}
