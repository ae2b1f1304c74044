// Package procfs is /proc: per-process directories generated from the
// process table (stat, status, cmdline, comm, environ, maps, fd/, exe, cwd,
// root, mounts, mountinfo, cgroup, limits, task/), and the system files
// programs and systemd read (meminfo, uptime, cpuinfo, stat, loadavg,
// version, filesystems, mounts, sys/kernel/*, sys/vm/*, sys/fs/*).
//
// Inodes are made on lookup; a file's contents are generated when it is
// opened, so one read sequence sees one consistent snapshot, as on Linux.
// Inode numbers are a hash of the path, stable for a process's lifetime.
//
// Not implemented: /proc/<pid>/{smaps,pagemap,io,ns/,attr/}, writes to most
// sysctls (they are accepted and remembered only where listed in sysctls),
// /proc/net other than unix, /proc/sys/net.
package procfs

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/nsfs"
	"aramid/kernel/mm"
	"aramid/kernel/net"
	"aramid/kernel/socket/unix"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// Options connect procfs to the rest of the kernel.
type Options struct {
	Kernel   *task.Kernel
	VFS      *vfs.VFS
	Clock    func() time.Time
	Uptime   func() time.Duration
	Dev      uint64
	Memory   func() (total, free uint64)
	Release  string // uname -r
	Version  string // /proc/version
	Cmdline  string // the kernel command line
	BootID   string // /proc/sys/kernel/random/boot_id, stable for the boot
	Hostname func() string
	CPUInfo  string
	// CPUIdle returns how long CPU i has been idle since boot (/proc/stat;
	// nil: never). The number of CPUs is Kernel.NumCPUs.
	CPUIdle func(i int) time.Duration
	// UUID returns a fresh random UUID (/proc/sys/kernel/random/uuid).
	UUID func() string
	// Cgroup returns a process's cgroup path ("/" when nil).
	Cgroup func(pid int32) string
	// UnixSockets lists the live AF_UNIX sockets (/proc/net/unix).
	UnixSockets func() []unix.Info
	// Net is the network stack behind /proc/net's other files (nil:
	// only unix is there).
	Net *net.Stack
	// NSFS and Namespaces give /proc/<pid>/ns: the namespace files and
	// which namespaces a process is in, by entry name.
	NSFS       *nsfs.FS
	Namespaces func(pid int32) map[string]*nsfs.Namespace
	// Tunables are sysctls whose value lives elsewhere in the kernel
	// (kernel/printk, fs/inotify/max_queued_events, ...), by path under
	// /proc/sys.
	Tunables map[string]Tunable
	// Partitions, if set, is /proc/partitions (the block layer's text).
	Partitions func() string
	// DiskFilesystems, if set, lists the filesystem types that live on
	// block devices, for /proc/filesystems (without "nodev").
	DiskFilesystems func() []string
}

// Tunable is a sysctl owned by another part of the kernel: Get returns its
// text (with the newline), Set parses a write by root.
type Tunable struct {
	Get func() string
	Set func(text string) error
}

// FS is one procfs instance.
type FS struct {
	o    Options
	root *vfs.Inode

	mu      sync.Mutex
	sysctls map[string]string
	// oomAdjWarn prints the oom_adj deprecation notice once, as Linux does.
	oomAdjWarn sync.Once
}

// New returns a procfs.
func New(o Options) *FS {
	fs := &FS{o: o, sysctls: map[string]string{
		"kernel/kptr_restrict":        "1",
		"kernel/pid_max":              "4194304",
		"kernel/overflowuid":          "65534",
		"kernel/overflowgid":          "65534",
		"kernel/cap_last_cap":         "40",
		"kernel/threads-max":          "63432",
		"kernel/core_pattern":         "core",
		"kernel/sysrq":                "16",
		"kernel/panic":                "0",
		"kernel/ngroups_max":          "65536",
		"kernel/random/entropy_avail": "256",
		"kernel/random/poolsize":      "256",
		"vm/overcommit_memory":        "0",
		"vm/max_map_count":            "65530",
		"vm/mmap_min_addr":            "65536",
		"fs/file-max":                 "9223372036854775807",
		"fs/nr_open":                  "1073741816",
	}}
	fs.root = fs.dirInode("/", nil, fs.rootEntries)
	return fs
}

func (fs *FS) Type() string     { return "proc" }
func (fs *FS) Root() *vfs.Inode { return fs.root }
func (fs *FS) Dev() uint64      { return fs.o.Dev }
func (fs *FS) Statfs() abi.Statfs {
	return abi.Statfs{Type: abi.PROC_SUPER_MAGIC, Bsize: 4096, Namelen: 255, Frsize: 4096}
}

func ino(path string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(path))
	return h.Sum64()&0x7fffffff | 1
}

// entry is one name in a generated directory.
type entry struct {
	name string
	make func(path string, parent *vfs.Inode) *vfs.Inode
	typ  uint8
	// pos, when not 0, is the entry's directory offset, which stays the
	// same while other entries come and go (a descriptor's is fd+2, as on
	// Linux); 0 means its index in the listing. A directory's keyed
	// entries come in increasing pos order, all above 1 ("." and ".."
	// are 0 and 1).
	pos int64
}

func (fs *FS) attr(mode uint32) vfs.Attr {
	now := abi.TimeToTimespec(fs.o.Clock())
	return vfs.Attr{Mode: mode, Nlink: 1, Atime: now, Mtime: now, Ctime: now, Btime: now}
}

// dirNode is a directory whose entries are computed on demand.
type dirNode struct {
	fs      *FS
	path    string
	entries func(path string) []entry
}

func (fs *FS) dirInode(path string, parent *vfs.Inode, entries func(string) []entry) *vfs.Inode {
	a := fs.attr(abi.S_IFDIR | 0o555)
	a.Nlink = 2
	in := vfs.NewInode(fs, ino(path), a, &dirNode{fs: fs, path: path, entries: entries})
	if parent != nil {
		in.SetParent(parent, path[strings.LastIndexByte(path, '/')+1:])
	}
	return in
}

func (d *dirNode) Open(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	return dirFile{}, nil
}

type dirFile struct{ vfs.FileDefaults }

func (d *dirNode) Lookup(dir *vfs.Inode, name string) (*vfs.Inode, error) {
	for _, e := range d.entries(d.path) {
		if e.name == name {
			return e.make(join(d.path, name), dir), nil
		}
	}
	return nil, abi.ENOENT
}

func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// IterDir lists the directory from offset off. An entry's offset is its
// pos, or its index when it has none, and the offset to resume from after
// it is the next entry's (one past its own for the last). With keyed
// entries (/proc/<pid>/fd) a reader that closes descriptors between
// getdents64 calls, as CPython's subprocess does, therefore neither skips
// nor repeats one: an index would shift under it.
func (d *dirNode) IterDir(dir *vfs.Inode, off int64, emit vfs.DirEmit) error {
	ents := d.entries(d.path)
	all := append([]entry{{name: ".", typ: abi.DT_DIR}, {name: "..", typ: abi.DT_DIR}}, ents...)
	pos := func(i int) int64 {
		if all[i].pos != 0 {
			return all[i].pos
		}
		return int64(i)
	}
	for i, e := range all {
		p := pos(i)
		if p < off {
			continue
		}
		next := p + 1
		if i+1 < len(all) {
			next = pos(i + 1)
		}
		if !emit(e.name, ino(join(d.path, e.name)), e.typ, next) {
			return nil
		}
	}
	return nil
}

func (d *dirNode) Create(*vfs.Inode, string, vfs.CreateArgs) (*vfs.Inode, error) {
	return nil, abi.EACCES
}
func (d *dirNode) Link(*vfs.Inode, string, *vfs.Inode) error                   { return abi.EACCES }
func (d *dirNode) Remove(*vfs.Inode, string, *vfs.Inode) error                 { return abi.EACCES }
func (d *dirNode) Rename(*vfs.Inode, string, *vfs.Inode, string, uint32) error { return abi.EACCES }

// fileNode is a regular file generated at open.
type fileNode struct {
	gen   func(c *vfs.Caller) ([]byte, error)
	write func(c *vfs.Caller, data []byte) error
	poll  pollKind
	vfs   *vfs.VFS // pollMounts: the mount table watched
	// writeN, if set, is write for files that may consume less than the
	// whole buffer (the count it returns is the write's result).
	writeN func(c *vfs.Caller, data []byte) (int, error)
	// path is the file's path under /proc, for MmapError.
	path string
}

// MmapError implements vfs.MmapRefuser: procfs files cannot be mapped.
// Linux's per-process files and /proc/sys have no mmap (ENODEV); the
// other entries (meminfo, version, net/...) go through proc_reg_mmap,
// which is EIO for an entry without one.
func (n *fileNode) MmapError() error { return mmapError(n.path) }

func mmapError(path string) error {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if parts[0] == "sys" {
		return abi.ENODEV
	}
	if _, err := strconv.ParseUint(parts[0], 10, 32); err != nil || slices.Contains(parts, "net") {
		return abi.EIO
	}
	return abi.ENODEV
}

func (fs *FS) file(mode uint32, gen func(c *vfs.Caller) ([]byte, error), write func(*vfs.Caller, []byte) error) func(string, *vfs.Inode) *vfs.Inode {
	return func(path string, _ *vfs.Inode) *vfs.Inode {
		return vfs.NewInode(fs, ino(path), fs.attr(abi.S_IFREG|mode), &fileNode{gen: gen, write: write, path: path})
	}
}

func (fs *FS) text(gen func() string) func(string, *vfs.Inode) *vfs.Inode {
	return fs.file(0o444, func(*vfs.Caller) ([]byte, error) { return []byte(gen()), nil }, nil)
}

func (n *fileNode) Open(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	if flags&abi.O_ACCMODE != abi.O_RDONLY && n.write == nil && n.writeN == nil {
		return nil, abi.EACCES
	}
	var data []byte
	if flags&abi.O_ACCMODE != abi.O_WRONLY {
		var err error
		if data, err = n.gen(c); err != nil {
			return nil, err
		}
	}
	sn := &snapshot{data: data, node: n, vfs: n.vfs}
	if n.poll == pollMounts && sn.vfs != nil {
		sn.mountEvent.Store(sn.vfs.MountEvent())
	}
	return sn, nil
}

// snapshot is an open generated file.
type snapshot struct {
	vfs.FileDefaults
	data []byte
	node *fileNode
	vfs  *vfs.VFS
	// mountEvent is the mount-table event last reported (pollMounts).
	mountEvent atomic.Uint64
}

func (s *snapshot) Read(c *vfs.Caller, f *vfs.File, dst []byte, off int64) (int, error) {
	if off >= int64(len(s.data)) {
		return 0, nil
	}
	return copy(dst, s.data[off:]), nil
}

func (s *snapshot) Write(c *vfs.Caller, f *vfs.File, src []byte, off int64) (int, error) {
	if s.node.writeN != nil {
		return s.node.writeN(c, src)
	}
	if s.node.write == nil {
		return 0, abi.EACCES
	}
	if err := s.node.write(c, src); err != nil {
		return 0, err
	}
	return len(src), nil
}

func (s *snapshot) Seek(f *vfs.File, cur, off int64, whence int) (int64, error) {
	return vfs.GenericSeek(f, cur, off, whence)
}

// linkNode is a symlink, possibly a magic link.
type linkNode struct {
	target  func(c *vfs.Caller) (string, error)
	resolve func(c *vfs.Caller) (vfs.LinkTarget, error)
}

func (n *linkNode) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return nil, abi.ELOOP }
func (n *linkNode) ReadlinkCaller(c *vfs.Caller, in *vfs.Inode) (string, error) {
	return n.target(c)
}
func (n *linkNode) Readlink(in *vfs.Inode) (string, error) { return n.target(&vfs.Caller{}) }

// magicNode is a linkNode that is a magic link.
type magicNode struct{ linkNode }

func (n *magicNode) ResolveLink(c *vfs.Caller, in *vfs.Inode) (vfs.LinkTarget, error) {
	return n.resolve(c)
}

func (fs *FS) link(target func(c *vfs.Caller) (string, error)) func(string, *vfs.Inode) *vfs.Inode {
	return func(path string, _ *vfs.Inode) *vfs.Inode {
		return vfs.NewInode(fs, ino(path), fs.attr(abi.S_IFLNK|0o777), &linkNode{target: target})
	}
}

func (fs *FS) magic(target func(c *vfs.Caller) (string, error), resolve func(c *vfs.Caller) (vfs.LinkTarget, error)) func(string, *vfs.Inode) *vfs.Inode {
	return func(path string, _ *vfs.Inode) *vfs.Inode {
		return vfs.NewInode(fs, ino(path), fs.attr(abi.S_IFLNK|0o777), &magicNode{linkNode{target: target, resolve: resolve}})
	}
}

func (fs *FS) dir(entries func(string) []entry) func(string, *vfs.Inode) *vfs.Inode {
	return func(path string, parent *vfs.Inode) *vfs.Inode { return fs.dirInode(path, parent, entries) }
}

func fileEntry(name string, mk func(string, *vfs.Inode) *vfs.Inode) entry {
	return entry{name: name, make: mk, typ: abi.DT_REG}
}
func dirEntry(name string, mk func(string, *vfs.Inode) *vfs.Inode) entry {
	return entry{name: name, make: mk, typ: abi.DT_DIR}
}
func linkEntry(name string, mk func(string, *vfs.Inode) *vfs.Inode) entry {
	return entry{name: name, make: mk, typ: abi.DT_LNK}
}

// rootEntries lists /proc: the system files and one directory per process.
func (fs *FS) rootEntries(string) []entry {
	ents := []entry{
		linkEntry("self", fs.link(func(c *vfs.Caller) (string, error) { return strconv.Itoa(int(c.PID)), nil })),
		linkEntry("thread-self", fs.link(func(c *vfs.Caller) (string, error) {
			return fmt.Sprintf("%d/task/%d", c.PID, c.PID), nil
		})),
		linkEntry("mounts", fs.link(func(*vfs.Caller) (string, error) { return "self/mounts", nil })),
		linkEntry("net", fs.link(func(*vfs.Caller) (string, error) { return "self/net", nil })),
		fileEntry("meminfo", fs.text(fs.meminfo)),
		fileEntry("uptime", fs.text(func() string {
			u := fs.o.Uptime().Seconds()
			return fmt.Sprintf("%.2f %.2f\n", u, u)
		})),
		fileEntry("cpuinfo", fs.text(func() string { return fs.o.CPUInfo })),
		fileEntry("version", fs.text(func() string { return fs.o.Version + "\n" })),
		fileEntry("cmdline", fs.text(func() string { return fs.o.Cmdline + "\n" })),
		fileEntry("stat", fs.text(fs.stat)),
		fileEntry("loadavg", fs.text(func() string {
			return fmt.Sprintf("0.00 0.00 0.00 1/%d %d\n", len(fs.o.Kernel.Groups()), fs.lastPID())
		})),
		fileEntry("filesystems", fs.text(func() string {
			return "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tcgroup2\nnodev\tpipefs\nnodev\tdevpts\nnodev\tmqueue\n" +
				fs.diskFilesystems()
		})),
		fileEntry("swaps", fs.text(func() string { return "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" })),
		fileEntry("cgroups", fs.text(func() string { return "#subsys_name\thierarchy\tnum_cgroups\tenabled\n" })),
		dirEntry("sys", fs.dir(fs.sysEntries)),
	}
	ents = append(ents, fs.blockEntries()...)
	// Every file of /proc itself has Linux's proc_reg_poll.
	for i, e := range ents {
		if e.typ == abi.DT_REG {
			k := pollDefault
			if e.name == "swaps" {
				k = pollSwaps
			}
			ents[i].make = fs.polled(k, e.make)
		}
	}
	// The process directories follow in pid order, each at offset
	// base+pid (Linux's TGID_OFFSET): a reader whose getdents64 calls
	// straddle a process's exit neither skips nor repeats the others.
	var pids []int32
	for _, g := range fs.o.Kernel.Groups() {
		// Zombies stay listed until reaped, as on Linux (ps shows them
		// <defunct>).
		if !g.Reaped() {
			pids = append(pids, g.ID)
		}
	}
	slices.Sort(pids)
	base := int64(len(ents)) + 2
	for _, pid := range pids {
		pid := pid
		e := dirEntry(strconv.Itoa(int(pid)), fs.ownedByProcess(pid, fs.dir(func(string) []entry { return fs.pidEntries(pid, pid, true) })))
		e.pos = base + int64(pid)
		ents = append(ents, e)
	}
	return ents
}

func (fs *FS) lastPID() int32 {
	var last int32
	for _, g := range fs.o.Kernel.Groups() {
		last = max(last, g.ID)
	}
	return last
}

func (fs *FS) meminfo() string {
	total, free := fs.o.Memory()
	kb := func(v uint64) uint64 { return v >> 10 }
	var b strings.Builder
	row := func(name string, v uint64) { fmt.Fprintf(&b, "%-16s%8d kB\n", name+":", v) }
	// The page caches (ext4's file pages) report their own counters;
	// clean unmapped cache pages count as available, as on Linux.
	pc := mm.ReadCacheStats()
	row("MemTotal", kb(total))
	row("MemFree", kb(free))
	row("MemAvailable", kb(free+pc.Reclaimable()*4096))
	row("Buffers", 0)
	row("Cached", kb(pc.Cached*4096))
	for _, n := range []string{"SwapCached", "Active", "Inactive", "SwapTotal", "SwapFree"} {
		row(n, 0)
	}
	row("Dirty", kb(pc.Dirty*4096))
	row("Writeback", kb(pc.Writeback*4096))
	for _, n := range []string{"AnonPages", "Mapped", "Shmem", "Slab", "SReclaimable", "SUnreclaim",
		"KernelStack", "PageTables", "CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed", "HugePages_Total"} {
		row(n, 0)
	}
	return b.String()
}

// stat is /proc/stat: per CPU, the time it was idle and (as user time)
// the rest of the time since boot, in USER_HZ ticks; "cpu" sums them.
func (fs *FS) stat() string {
	const tick = 10 * time.Millisecond // USER_HZ 100
	uptime := fs.o.Uptime()
	boot := fs.o.Clock().Add(-uptime).Unix()
	n := 1
	if fs.o.Kernel != nil {
		n = fs.o.Kernel.NumCPUs()
	}
	var lines strings.Builder
	var busySum, idleSum uint64
	for i := range n {
		idle := time.Duration(0)
		if fs.o.CPUIdle != nil {
			idle = min(fs.o.CPUIdle(i), uptime)
		}
		busy, id := uint64((uptime-idle)/tick), uint64(idle/tick)
		busySum += busy
		idleSum += id
		fmt.Fprintf(&lines, "cpu%d %d 0 0 %d 0 0 0 0 0 0\n", i, busy, id)
	}
	return fmt.Sprintf("cpu  %d 0 0 %d 0 0 0 0 0 0\n%sintr 0\nctxt 0\nbtime %d\nprocesses %d\nprocs_running 1\nprocs_blocked 0\n",
		busySum, idleSum, lines.String(), boot, fs.lastPID())
}

// sysEntries is /proc/sys and below, from the sysctl table.
func (fs *FS) sysEntries(path string) []entry {
	prefix := strings.TrimPrefix(path, "/sys")
	prefix = strings.TrimPrefix(prefix, "/")
	seen := map[string]bool{}
	var ents []entry
	add := func(e entry) {
		if !seen[e.name] {
			seen[e.name] = true
			ents = append(ents, e)
		}
	}
	keys := fs.sysctlKeys()
	for k := range fs.o.Tunables {
		keys = append(keys, k)
	}
	keys = append(keys, "kernel/osrelease", "kernel/ostype", "kernel/hostname", "kernel/random/boot_id", "kernel/random/uuid", "kernel/version")
	for _, k := range keys {
		rest := k
		if prefix != "" {
			if !strings.HasPrefix(k, prefix+"/") {
				continue
			}
			rest = strings.TrimPrefix(k, prefix+"/")
		}
		name, _, isDir := strings.Cut(rest, "/")
		if isDir {
			add(dirEntry(name, fs.dir(fs.sysEntries)))
			continue
		}
		key := k
		add(fileEntry(name, fs.polled(pollDefault, fs.sysctlFile(key)))) // proc_sys_poll
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].name < ents[j].name })
	return ents
}

func (fs *FS) sysctlKeys() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	keys := make([]string, 0, len(fs.sysctls))
	for k := range fs.sysctls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (fs *FS) sysctlFile(key string) func(string, *vfs.Inode) *vfs.Inode {
	if tu, ok := fs.o.Tunables[key]; ok {
		return fs.file(0o644, func(*vfs.Caller) ([]byte, error) { return []byte(tu.Get()), nil },
			func(c *vfs.Caller, data []byte) error {
				if c.UID != 0 {
					return abi.EPERM
				}
				return tu.Set(string(data))
			})
	}
	gen := func(*vfs.Caller) ([]byte, error) {
		switch key {
		case "kernel/osrelease":
			return []byte(fs.o.Release + "\n"), nil
		case "kernel/ostype":
			return []byte("Linux\n"), nil
		case "kernel/version":
			return []byte("#1 SMP Aramid\n"), nil
		case "kernel/hostname":
			return []byte(fs.o.Hostname() + "\n"), nil
		case "kernel/random/boot_id":
			return []byte(fs.o.BootID + "\n"), nil
		case "kernel/random/uuid":
			return []byte(fs.o.UUID() + "\n"), nil
		}
		fs.mu.Lock()
		defer fs.mu.Unlock()
		return []byte(fs.sysctls[key] + "\n"), nil
	}
	switch key {
	case "kernel/osrelease", "kernel/ostype", "kernel/version", "kernel/random/boot_id", "kernel/random/uuid", "kernel/hostname":
		return fs.file(0o444, gen, nil)
	}
	write := func(c *vfs.Caller, data []byte) error {
		if c.UID != 0 {
			return abi.EPERM
		}
		fs.mu.Lock()
		fs.sysctls[key] = strings.TrimSpace(string(data))
		fs.mu.Unlock()
		return nil
	}
	return fs.file(0o644, gen, write)
}
