package syscalls

import (
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/fs/nsfs"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// Namespaces. Only the UTS namespace exists as an object: a process that
// unshares it gets its own host and domain name. Other namespace flags are
// refused (EINVAL) rather than pretended.

// utsNS is a UTS namespace.
type utsNS struct {
	mu                   sync.Mutex
	hostname, domainname string
	id                   *nsfs.Namespace // its /proc/<pid>/ns/uts identity
}

// uts returns t's UTS namespace; nil means the initial one, whose names
// live in System.
func uts(t *task.Task) *utsNS {
	u, _ := t.TG().UTS.(*utsNS)
	return u
}

// hostnameOf and domainnameOf answer uname for t.
func (s *System) hostnameOf(t *task.Task) string {
	if u := uts(t); u != nil {
		u.mu.Lock()
		defer u.mu.Unlock()
		return u.hostname
	}
	return s.hostname()
}

func (s *System) domainnameOf(t *task.Task) string {
	if u := uts(t); u != nil {
		u.mu.Lock()
		defer u.mu.Unlock()
		return u.domainname
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.domainname
}

func (s *System) setHostnameOf(t *task.Task, h string) {
	if u := uts(t); u != nil {
		u.mu.Lock()
		u.hostname = h
		u.mu.Unlock()
		return
	}
	s.SetHostname(h)
}

func (s *System) setDomainnameOf(t *task.Task, d string) {
	if u := uts(t); u != nil {
		u.mu.Lock()
		u.domainname = d
		u.mu.Unlock()
		return
	}
	s.mu.Lock()
	s.domainname = d
	s.mu.Unlock()
}

// Clone and unshare flags.
const (
	cloneVM        = 0x100
	cloneFS        = 0x200
	cloneFiles     = 0x400
	cloneSighand   = 0x800
	cloneThread    = 0x10000
	cloneNewNS     = 0x20000
	cloneSysvsem   = 0x40000
	cloneNewCgroup = 0x02000000
	cloneNewUTS    = 0x04000000
	cloneNewIPC    = 0x08000000
	cloneNewUser   = 0x10000000
	cloneNewPID    = 0x20000000
	cloneNewNet    = 0x40000000
	cloneNewTime   = 0x80
)

func init() {
	partial("unshare", "CLONE_NEWUTS, CLONE_FILES, CLONE_FS, CLONE_SYSVSEM; other namespaces: EINVAL", sysUnshare)
}

func sysUnshare(s *System, t *task.Task, a Args) (uint64, error) {
	flags := a[0]
	known := uint64(cloneVM | cloneFS | cloneFiles | cloneSighand | cloneThread | cloneNewNS | cloneSysvsem |
		cloneNewCgroup | cloneNewUTS | cloneNewIPC | cloneNewUser | cloneNewPID | cloneNewNet | cloneNewTime)
	if flags&^known != 0 {
		return 0, abi.EINVAL
	}
	if flags&(cloneNewNS|cloneNewCgroup|cloneNewIPC|cloneNewUser|cloneNewPID|cloneNewNet|cloneNewTime) != 0 {
		return 0, abi.EINVAL // not implemented: no such namespaces
	}
	g := t.TG()
	if flags&(cloneVM|cloneSighand|cloneThread) != 0 && len(g.Tasks()) > 1 {
		return 0, abi.EINVAL
	}
	if flags&cloneNewUTS != 0 {
		if !capable(t, abi.CAP_SYS_ADMIN) {
			return 0, abi.EPERM
		}
		g.UTS = &utsNS{hostname: s.hostnameOf(t), domainname: s.domainnameOf(t), id: nsfs.New(nsfs.CloneNewUTS, "uts")}
	}
	if flags&cloneFiles != 0 {
		g.Files = g.Files.(*vfs.FDTable).Fork()
	}
	if flags&cloneFS != 0 {
		g.FS = g.FS.(*vfs.FSContext).Fork()
	}
	return 0, nil
}

// Namespaces returns the namespaces process pid is in, by /proc/<pid>/ns
// name: the initial ones but for an unshared UTS namespace.
func (s *System) Namespaces(pid int32) map[string]*nsfs.Namespace {
	g := s.K.Group(pid)
	if g == nil {
		return nil
	}
	uts := nsfs.InitUTS
	if u, _ := g.UTS.(*utsNS); u != nil {
		uts = u.id
	}
	return map[string]*nsfs.Namespace{
		"cgroup": nsfs.InitCgroup, "ipc": nsfs.InitIPC, "mnt": nsfs.InitMnt, "net": nsfs.InitNet,
		"pid": nsfs.InitPID, "pid_for_children": nsfs.InitPID, "time": nsfs.InitTime,
		"time_for_children": nsfs.InitTime, "user": nsfs.InitUser, "uts": uts,
	}
}

// InstallFor gives the task behind caller c a new close-on-exec
// descriptor for f (nsfs's NS_GET_USERNS and NS_GET_PARENT).
func (s *System) InstallFor(c *vfs.Caller, f *vfs.File) (int32, error) {
	t := s.K.Task(c.TID)
	if t == nil {
		return 0, abi.ESRCH
	}
	return fds(t).Install(f, true, 0)
}
