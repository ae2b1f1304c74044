package procfs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/fs/nsfs"
	"aramid/kernel/machine"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// pidEntries lists /proc/<pid> (and /proc/<pid>/task/<tid> when !group),
// every inode owned as Linux's task_dump_owner says (ownedByProcess).
func (fs *FS) pidEntries(pid, tid int32, group bool) []entry {
	ents := fs.pidEntriesRaw(pid, tid, group)
	for i := range ents {
		ents[i].make = fs.ownedByProcess(pid, ents[i].make)
	}
	return ents
}

// ownedByProcess makes the inodes of make belong to process pid's
// effective uid and gid while it is dumpable, to root otherwise (Linux's
// task_dump_owner): a process that changed credentials cannot open its own
// /proc files for writing unless it makes itself dumpable again.
func (fs *FS) ownedByProcess(pid int32, make func(string, *vfs.Inode) *vfs.Inode) func(string, *vfs.Inode) *vfs.Inode {
	return func(path string, parent *vfs.Inode) *vfs.Inode {
		in := make(path, parent)
		g := fs.o.Kernel.Group(pid)
		if in == nil || g == nil {
			return in
		}
		var uid, gid uint32
		if g.Dumpable() {
			c := g.Creds()
			uid, gid = c.EUID, c.EGID
		}
		in.Update(func(a *vfs.Attr) { a.UID, a.GID = uid, gid })
		return in
	}
}

func (fs *FS) pidEntriesRaw(pid, tid int32, group bool) []entry {
	g := fs.o.Kernel.Group(pid)
	if g == nil {
		return nil
	}
	gen := func(f func(g *task.ThreadGroup) string) func(string, *vfs.Inode) *vfs.Inode {
		return fs.file(0o444, func(*vfs.Caller) ([]byte, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return nil, abi.ESRCH
			}
			return []byte(f(g)), nil
		}, nil)
	}
	ents := []entry{
		fileEntry("stat", fs.file(0o444, func(c *vfs.Caller) ([]byte, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return nil, abi.ESRCH
			}
			return []byte(fs.pidStat(g, isSelf(c, pid, tid, group))), nil
		}, nil)),
		fileEntry("status", fs.file(0o444, func(c *vfs.Caller) ([]byte, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return nil, abi.ESRCH
			}
			return []byte(fs.pidStatus(g, isSelf(c, pid, tid, group))), nil
		}, nil)),
		fileEntry("statm", gen(func(g *task.ThreadGroup) string {
			vsz, rss := memSizes(g)
			return fmt.Sprintf("%d %d 0 0 0 0 0\n", vsz/4096, rss/4096)
		})),
		fileEntry("cmdline", gen(func(g *task.ThreadGroup) string {
			if len(g.Argv()) == 0 || g.Zombie() { // a zombie has no memory to read it from
				return ""
			}
			return strings.Join(g.Argv(), "\x00") + "\x00"
		})),
		fileEntry("auxv", fs.file(0o400, func(c *vfs.Caller) ([]byte, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return nil, abi.ESRCH
			}
			if c.UID != 0 && c.UID != g.Creds().UID {
				return nil, abi.EACCES
			}
			if g.Zombie() {
				return nil, nil
			}
			return g.Auxv(), nil
		}, nil)),
		fileEntry("environ", fs.file(0o400, func(c *vfs.Caller) ([]byte, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return nil, abi.ESRCH
			}
			if c.UID != 0 && c.UID != g.Creds().UID {
				return nil, abi.EACCES
			}
			if len(g.Envp()) == 0 || g.Zombie() {
				return nil, nil
			}
			return []byte(strings.Join(g.Envp(), "\x00") + "\x00"), nil
		}, nil)),
		fileEntry("comm", fs.file(0o644, func(*vfs.Caller) ([]byte, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return nil, abi.ESRCH
			}
			return []byte(g.Comm() + "\n"), nil
		}, func(c *vfs.Caller, data []byte) error {
			if t := fs.o.Kernel.Task(tid); t != nil {
				t.SetComm(strings.TrimRight(string(data), "\n"))
			}
			return nil
		})),
		fileEntry("maps", gen(func(g *task.ThreadGroup) string { return maps(g) })),
		fileEntry("mounts", fs.polled(pollMounts, fs.file(0o444, func(c *vfs.Caller) ([]byte, error) { return fs.mounts(pid, false) }, nil))),
		fileEntry("mountinfo", fs.polled(pollMounts, fs.file(0o444, func(c *vfs.Caller) ([]byte, error) { return fs.mounts(pid, true) }, nil))),
		fileEntry("cgroup", gen(func(g *task.ThreadGroup) string {
			if fs.o.Cgroup == nil {
				return "0::/\n"
			}
			return "0::" + fs.o.Cgroup(g.ID) + "\n"
		})),
		fileEntry("limits", gen(func(g *task.ThreadGroup) string { return limits(g) })),
		fileEntry("loginuid", fs.file(0o644, func(*vfs.Caller) ([]byte, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return nil, abi.ESRCH
			}
			uid, _ := g.LoginUID()
			return []byte(strconv.FormatUint(uint64(uid), 10)), nil
		}, func(c *vfs.Caller, data []byte) error {
			// Only a process's own loginuid can be written (Linux:
			// proc_loginuid_write checks current).
			if c.PID != pid {
				return abi.EPERM
			}
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return abi.ESRCH
			}
			v, err := strconv.ParseUint(strings.TrimRight(string(data), "\n"), 10, 32)
			if err != nil {
				return abi.EINVAL
			}
			return g.SetLoginUID(uint32(v), c.Capable(abi.CAP_AUDIT_CONTROL))
		})),
		fileEntry("sessionid", gen(func(g *task.ThreadGroup) string {
			_, sid := g.LoginUID()
			return strconv.FormatUint(uint64(sid), 10)
		})),
		linkEntry("exe", fs.magic(func(*vfs.Caller) (string, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return "", abi.ESRCH
			}
			if g.Zombie() {
				return "", abi.ENOENT // the exe link goes with the address space
			}
			return g.Exe(), nil
		}, func(c *vfs.Caller) (vfs.LinkTarget, error) {
			g := fs.o.Kernel.Group(pid)
			if g == nil {
				return vfs.LinkTarget{}, abi.ESRCH
			}
			if g.Zombie() {
				return vfs.LinkTarget{}, abi.ENOENT
			}
			// Called inside a walk, with the VFS lock held. The text was
			// made from the process's root at its exec.
			if fsc, ok := g.FS.(*vfs.FSContext); ok {
				return fs.o.VFS.ResolveHeldFrom(c, fsc.Root(), g.Exe())
			}
			return fs.o.VFS.ResolveHeld(c, g.Exe())
		})),
		linkEntry("cwd", fs.fsLink(pid, func(fsc *vfs.FSContext) vfs.Path { return fsc.Cwd() })),
		linkEntry("root", fs.fsLink(pid, func(fsc *vfs.FSContext) vfs.Path { return fsc.Root() })),
		dirEntry("fd", fs.dir(func(string) []entry { return fs.fdEntries(pid) })),
		dirEntry("net", fs.dir(fs.netEntries)),
		dirEntry("fdinfo", fs.dir(func(string) []entry { return fs.fdinfoEntries(pid) })),
		dirEntry("ns", fs.dir(func(string) []entry { return fs.nsEntries(pid) })),
	}
	ents = append(ents, fs.oomEntries(pid)...)
	if group {
		ents = append(ents, dirEntry("task", fs.dir(func(string) []entry {
			var out []entry
			if g := fs.o.Kernel.Group(pid); g != nil {
				for _, t := range g.Tasks() {
					tid := t.ID
					out = append(out, dirEntry(strconv.Itoa(int(tid)), fs.dir(func(string) []entry { return fs.pidEntries(pid, tid, false) })))
				}
			}
			return out
		})))
	}
	return ents
}

func (fs *FS) fsLink(pid int32, which func(*vfs.FSContext) vfs.Path) func(string, *vfs.Inode) *vfs.Inode {
	ctx := func() (*vfs.FSContext, error) {
		g := fs.o.Kernel.Group(pid)
		if g == nil {
			return nil, abi.ESRCH
		}
		fsc, ok := g.FS.(*vfs.FSContext)
		if !ok {
			return nil, abi.ENOENT
		}
		return fsc, nil
	}
	return fs.magic(func(c *vfs.Caller) (string, error) {
		fsc, err := ctx()
		if err != nil {
			return "", err
		}
		return fs.o.VFS.PathString(fsc, which(fsc)), nil
	}, func(c *vfs.Caller) (vfs.LinkTarget, error) {
		fsc, err := ctx()
		if err != nil {
			return vfs.LinkTarget{}, err
		}
		return vfs.LinkTarget{Path: which(fsc)}, nil
	})
}

func (fs *FS) files(pid int32) (*vfs.FDTable, *vfs.FSContext) {
	g := fs.o.Kernel.Group(pid)
	if g == nil {
		return nil, nil
	}
	ft, _ := g.Files.(*vfs.FDTable)
	fsc, _ := g.FS.(*vfs.FSContext)
	return ft, fsc
}

func (fs *FS) fdEntries(pid int32) []entry {
	ft, fsc := fs.files(pid)
	if ft == nil {
		return nil
	}
	var out []entry
	for _, fd := range ft.Fds() {
		fd := fd
		name := func(c *vfs.Caller) (string, error) {
			f, err := ft.Get(fd)
			if err != nil {
				return "", abi.ENOENT
			}
			defer f.DecRef()
			if f.Inode != nil && f.Inode.FS == vfs.Pipefs {
				return fmt.Sprintf("pipe:[%d]", f.Inode.Ino), nil // also a pipe reopened through here
			}
			if n, ok := f.Impl.(interface{ LinkName() string }); ok {
				return n.LinkName(), nil // nsfs: "uts:[4026531838]"
			}
			if f.Path.IsZero() {
				return f.Name, nil
			}
			return fs.o.VFS.FilePath(fsc, f), nil
		}
		resolve := func(c *vfs.Caller) (vfs.LinkTarget, error) {
			f, err := ft.Get(fd)
			if err != nil {
				return vfs.LinkTarget{}, abi.ENOENT
			}
			defer f.DecRef()
			if f.Inode != nil && f.Inode.FS == vfs.Pipefs {
				return vfs.PipeTarget(f.Inode), nil
			}
			if f.Path.IsZero() {
				// Sockets (sock_no_open) and anonymous-inode files
				// cannot be opened again, as on Linux.
				return vfs.LinkTarget{}, abi.ENXIO
			}
			return f.LinkTarget(), nil
		}
		e := linkEntry(strconv.Itoa(int(fd)), fs.magic(name, resolve))
		e.pos = int64(fd) + 2
		out = append(out, e)
	}
	return out
}

func (fs *FS) fdinfoEntries(pid int32) []entry {
	ft, _ := fs.files(pid)
	if ft == nil {
		return nil
	}
	var out []entry
	for _, fd := range ft.Fds() {
		fd := fd
		e := fileEntry(strconv.Itoa(int(fd)), fs.file(0o444, func(*vfs.Caller) ([]byte, error) {
			f, err := ft.Get(fd)
			if err != nil {
				return nil, abi.ENOENT
			}
			defer f.DecRef()
			fdfl, _ := ft.GetFD(fd)
			flags := f.Flags()
			if fdfl&abi.FD_CLOEXEC != 0 {
				flags |= abi.O_CLOEXEC
			}
			var mnt int
			var ino uint64
			if f.Path.Mount != nil {
				mnt = f.Path.Mount.ID
			}
			if f.Inode != nil {
				ino = f.Inode.Ino
			}
			info := fmt.Sprintf("pos:\t%d\nflags:\t0%o\nmnt_id:\t%d\nino:\t%d\n", f.Offset(), flags, mnt, ino)
			if x, ok := f.Impl.(vfs.FDInfoer); ok {
				info += x.FDInfo()
			}
			return []byte(info), nil
		}, nil))
		e.pos = int64(fd) + 2
		out = append(out, e)
	}
	return out
}

func (fs *FS) mounts(pid int32, info bool) ([]byte, error) {
	_, fsc := fs.files(pid)
	if fsc == nil {
		return nil, abi.ESRCH
	}
	var b strings.Builder
	for _, m := range fs.o.VFS.Mounts(fsc) {
		opts := mountOpts(m.Flags)
		if m.Data != "" {
			opts += "," + m.Data
		}
		if info {
			prop := ""
			if m.Propagation&abi.MS_SHARED != 0 {
				prop = " shared:1"
			}
			fmt.Fprintf(&b, "%d %d 0:%d %s %s %s%s - %s %s %s\n", m.ID, m.ParentID, m.ID, m.Root, m.MountPoint,
				mountOpts(m.Flags), prop, m.FSType, orNone(m.Source), rwOf(m.Flags))
		} else {
			fmt.Fprintf(&b, "%s %s %s %s 0 0\n", orNone(m.Source), m.MountPoint, m.FSType, opts)
		}
	}
	return []byte(b.String()), nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func rwOf(flags uint32) string {
	if flags&abi.MS_RDONLY != 0 {
		return "ro"
	}
	return "rw"
}

func mountOpts(flags uint32) string {
	o := []string{rwOf(flags)}
	for _, f := range []struct {
		bit  uint32
		name string
	}{{abi.MS_NOSUID, "nosuid"}, {abi.MS_NODEV, "nodev"}, {abi.MS_NOEXEC, "noexec"}, {abi.MS_NOATIME, "noatime"}} {
		if flags&f.bit != 0 {
			o = append(o, f.name)
		}
	}
	// Linux mounts relatime unless told noatime or strictatime.
	if flags&(abi.MS_NOATIME|abi.MS_STRICTATIME) == 0 {
		o = append(o, "relatime")
	}
	return strings.Join(o, ",")
}

func memSizes(g *task.ThreadGroup) (vsz, rss uint64) {
	m := g.MM()
	if m == nil {
		return 0, 0
	}
	for _, v := range m.VMAs() {
		vsz += v.End - v.Start
	}
	return vsz, uint64(m.Resident()) * machine.PageSize
}

func maps(g *task.ThreadGroup) string {
	m := g.MM()
	if m == nil {
		return ""
	}
	var b strings.Builder
	for _, v := range m.VMAs() {
		perm := []byte("---p")
		if v.Perm&machine.Read != 0 {
			perm[0] = 'r'
		}
		if v.Perm&machine.Write != 0 {
			perm[1] = 'w'
		}
		if v.Perm&machine.Exec != 0 {
			perm[2] = 'x'
		}
		if v.Shared {
			perm[3] = 's'
		}
		line := fmt.Sprintf("%08x-%08x %s %08x %02x:%02x %d", v.Start, v.End, perm, v.Offset,
			abi.DevMajor(v.Dev), abi.DevMinor(v.Dev), v.Inode)
		if v.Name != "" {
			line = fmt.Sprintf("%-72s %s", line, v.Name)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func limits(g *task.ThreadGroup) string {
	names := []string{"Max cpu time", "Max file size", "Max data size", "Max stack size", "Max core file size",
		"Max resident set", "Max processes", "Max open files", "Max locked memory", "Max address space",
		"Max file locks", "Max pending signals", "Max msgqueue size", "Max nice priority", "Max realtime priority",
		"Max realtime timeout"}
	units := []string{"seconds", "bytes", "bytes", "bytes", "bytes", "bytes", "processes", "files", "bytes", "bytes",
		"locks", "signals", "bytes", "", "", "us"}
	var b strings.Builder
	fmt.Fprintf(&b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units")
	for i, n := range names {
		l, _ := g.Rlimit(i, nil, false)
		v := func(x uint64) string {
			if x == task.RlimInfinity {
				return "unlimited"
			}
			return strconv.FormatUint(x, 10)
		}
		fmt.Fprintf(&b, "%-25s %-20s %-20s %-10s\n", n, v(l.Cur), v(l.Max), units[i])
	}
	return b.String()
}

// isSelf reports whether the caller is reading its own process (for
// /proc/<pid>) or its own thread (for /proc/<pid>/task/<tid>).
func isSelf(c *vfs.Caller, pid, tid int32, group bool) bool {
	if group {
		return c.PID == pid
	}
	return c.TID == tid
}

// state is the process's state letter; a process reading its own status
// is running.
func state(g *task.ThreadGroup, self bool) byte {
	if self {
		return 'R'
	}
	return g.State()
}

func (fs *FS) pidStat(g *task.ThreadGroup, self bool) string {
	pid, ppid, pgid, sid := g.IDs()
	vsz, rss := memSizes(g)
	start := uint64(g.StartTime() / 1e7) // clock ticks (100 Hz)
	// utime, stime, cutime and cstime in clock ticks.
	u, s := g.Times()
	cu, cs := g.ChildrenTimes()
	cpu := 0 // processor: the CPU the main thread last ran on
	if t := mainThread(g); t != nil {
		cpu = t.CPU()
	}
	return fmt.Sprintf("%d (%s) %c %d %d %d 0 -1 4194560 0 0 0 0 %d %d %d %d 20 0 %d 0 %d %d %d 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 %d 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		pid, g.Comm(), state(g, self), ppid, pgid, sid, uint64(u/1e7), uint64(s/1e7), uint64(cu/1e7), uint64(cs/1e7), len(g.Tasks()), start, vsz, rss/machine.PageSize, cpu)
}

func (fs *FS) pidStatus(g *task.ThreadGroup, self bool) string {
	pid, ppid, pgid, sid := g.IDs()
	c := g.Creds()
	vsz, rss := memSizes(g)
	var locked uint64
	if m := g.MM(); m != nil {
		locked = m.LockedBytes()
	}
	ign, cgt := g.SignalDispositions()
	state := map[byte]string{'R': "R (running)", 'S': "S (sleeping)", 'T': "T (stopped)", 'Z': "Z (zombie)"}[state(g, self)]
	groups := make([]string, len(c.Groups))
	for i, x := range c.Groups {
		groups[i] = strconv.Itoa(int(x))
	}
	var blk, pnd, shd abi.SignalSet
	if ts := g.Tasks(); len(ts) > 0 {
		blk = ts[0].SigMask()
		pnd, shd = ts[0].PendingSets()
	}
	queued, qlimit := g.QueuedSignals()
	nnp, mode, filters := 0, int32(0), 0
	allowed := uint64(1)
	if t := mainThread(g); t != nil {
		if t.NoNewPrivs() {
			nnp = 1
		}
		mode, filters = t.SeccompMode(), t.SeccompFilter().Count()
		allowed = t.CPUAffinity()
	}
	ncpu := 1
	if fs.o.Kernel != nil {
		ncpu = fs.o.Kernel.NumCPUs()
	}
	umask := "0022"
	if fsc, ok := g.FS.(*vfs.FSContext); ok {
		umask = fmt.Sprintf("%04o", fsc.Umask())
	}
	return fmt.Sprintf("Name:\t%s\nUmask:\t%s\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n"+
		"Uid:\t%d\t%d\t%d\t%d\nGid:\t%d\t%d\t%d\t%d\nFDSize:\t64\nGroups:\t%s\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n"+
		"VmPeak:\t%8d kB\nVmSize:\t%8d kB\nVmLck:\t%8d kB\nVmPin:\t%8d kB\nVmRSS:\t%8d kB\nThreads:\t%d\nSigQ:\t%d/%d\nSigPnd:\t%016x\nShdPnd:\t%016x\n"+
		"SigBlk:\t%016x\nSigIgn:\t%016x\nSigCgt:\t%016x\nCapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x\n"+
		"NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\nCpus_allowed:\t%s\nCpus_allowed_list:\t%s\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
		g.Comm(), umask, state, pid, pid, ppid, c.UID, c.EUID, c.SUID, c.FSUID, c.GID, c.EGID, c.SGID, c.FSGID,
		strings.Join(groups, " "), pid, pid, pgid, sid, vsz>>10, vsz>>10, locked>>10, 0, rss>>10, len(g.Tasks()), queued, qlimit, uint64(pnd), uint64(shd),
		uint64(blk), uint64(ign), uint64(cgt), c.Caps.Inheritable, c.Caps.Permitted, c.Caps.Effective, c.Caps.Bounding,
		c.Caps.Ambient, nnp, mode, filters, cpumaskHex(allowed, ncpu), cpuList(allowed))
}

// cpumaskHex formats a CPU mask as Linux's %*pb does for n possible CPUs:
// hexadecimal, as many digits as n needs, 32-bit groups split by commas.
func cpumaskHex(mask uint64, n int) string {
	digits := max((n+3)/4, 1)
	s := fmt.Sprintf("%0*x", digits, mask)
	for i := len(s) - 8; i > 0; i -= 8 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cpuList formats a CPU mask as Linux's %*pbl does: ranges, e.g. "0-2,5".
func cpuList(mask uint64) string {
	var parts []string
	for c := 0; c < 64; {
		if mask&(1<<c) == 0 {
			c++
			continue
		}
		end := c
		for end+1 < 64 && mask&(1<<(end+1)) != 0 {
			end++
		}
		if end == c {
			parts = append(parts, strconv.Itoa(c))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", c, end))
		}
		c = end + 1
	}
	return strings.Join(parts, ",")
}

// mainThread returns the thread whose id is the process id, or another
// live thread once it has exited.
func mainThread(g *task.ThreadGroup) *task.Task {
	var any *task.Task
	for _, t := range g.Tasks() {
		if t.ID == g.ID {
			return t
		}
		any = t
	}
	return any
}

// nsEntries lists /proc/<pid>/ns: a magic link per namespace type that
// reads as "type:[inode]" and opens the namespace file.
func (fs *FS) nsEntries(pid int32) []entry {
	if fs.o.Namespaces == nil || fs.o.NSFS == nil {
		return nil
	}
	nss := fs.o.Namespaces(pid)
	names := make([]string, 0, len(nss))
	for n := range nss {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []entry
	for _, name := range names {
		name := name
		get := func() (*nsfs.Namespace, error) {
			n := fs.o.Namespaces(pid)[name]
			if n == nil {
				return nil, abi.ENOENT
			}
			return n, nil
		}
		out = append(out, linkEntry(name, fs.magic(func(*vfs.Caller) (string, error) {
			n, err := get()
			if err != nil {
				return "", err
			}
			return n.Link(), nil
		}, func(*vfs.Caller) (vfs.LinkTarget, error) {
			n, err := get()
			if err != nil {
				return vfs.LinkTarget{}, err
			}
			return vfs.LinkTarget{Path: fs.o.NSFS.Path(n)}, nil
		})))
	}
	return out
}
