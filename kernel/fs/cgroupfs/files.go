package cgroupfs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Where an interface file appears.
const (
	inAll     = iota // every group
	notOnRoot        // every group but the root
	alsoRoot         // controller files: the root as well
)

// spec describes one interface file. A file with a parse function and no
// write function stores the parsed value, read back by default.
type spec struct {
	name  string
	ctrl  uint32 // the controller it belongs to; 0: core
	where int
	def   string                                 // recorded files: the initial value
	read  func(fs *FS, g *group) string          // nil: the recorded value
	parse func(s string) (string, error)         // recorded files
	write func(fs *FS, g *group, s string) error // other writable files
}

func (sp *spec) writable() bool { return sp.parse != nil || sp.write != nil }

var (
	bCpuset = ctrlBit("cpuset")
	bCPU    = ctrlBit("cpu")
	bIO     = ctrlBit("io")
	bMemory = ctrlBit("memory")
	bPids   = ctrlBit("pids")
)

var specs = []*spec{
	{name: "cgroup.controllers", read: func(fs *FS, g *group) string { return ctrlList(g.available()) + "\n" }},
	{name: "cgroup.subtree_control", read: func(fs *FS, g *group) string { return ctrlList(g.subtree) + "\n" },
		write: func(fs *FS, g *group, s string) error { return fs.setSubtree(g, s) }},
	{name: "cgroup.procs", read: func(fs *FS, g *group) string { return lines(g.pids()) },
		write: func(fs *FS, g *group, s string) error {
			s = strings.TrimSpace(s)
			if s == "" {
				return nil
			}
			pid, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return abi.EINVAL
			}
			return fs.writeProcs(g, int32(pid))
		}},
	{name: "cgroup.threads", read: func(fs *FS, g *group) string {
		var tids []int32
		for _, p := range g.pids() {
			tids = append(tids, fs.threads(p)...)
		}
		return lines(tids)
	}, write: func(*FS, *group, string) error { return abi.EOPNOTSUPP }},
	{name: "cgroup.events", where: notOnRoot, read: func(fs *FS, g *group) string {
		return fmt.Sprintf("populated %d\nfrozen %d\n", b2i(g.nsub > 0), b2i(g.frozen()))
	}},
	{name: "cgroup.type", where: notOnRoot, read: func(*FS, *group) string { return "domain\n" },
		write: func(_ *FS, _ *group, s string) error {
			switch strings.TrimSpace(s) {
			case "domain":
				return nil
			case "threaded":
				return abi.EOPNOTSUPP
			}
			return abi.EINVAL
		}},
	{name: "cgroup.freeze", where: notOnRoot, read: func(fs *FS, g *group) string { return itoa(b2i(g.freeze)) + "\n" },
		write: func(fs *FS, g *group, s string) error {
			var v bool
			switch strings.TrimSpace(s) {
			case "0":
			case "1":
				v = true
			default:
				return abi.EINVAL
			}
			fs.mu.Lock()
			var changed []*group
			if g.freeze != v {
				g.freeze = v
				changed = frozenChanges(g)
			}
			fs.mu.Unlock()
			notifyAll(changed)
			return nil
		}},
	{name: "cgroup.max.depth", read: func(fs *FS, g *group) string { return maxOrN(g.maxDepth) },
		write: func(fs *FS, g *group, s string) error { return setLimit(fs, &g.maxDepth, s) }},
	{name: "cgroup.max.descendants", read: func(fs *FS, g *group) string { return maxOrN(g.maxDesc) },
		write: func(fs *FS, g *group, s string) error { return setLimit(fs, &g.maxDesc, s) }},
	{name: "cgroup.stat", read: func(fs *FS, g *group) string {
		return fmt.Sprintf("nr_descendants %d\nnr_dying_descendants 0\n", g.descendants())
	}},
	{name: "cpu.stat", read: func(*FS, *group) string { return "usage_usec 0\nuser_usec 0\nsystem_usec 0\n" }},

	{name: "cpu.weight", ctrl: bCPU, def: "100", parse: rangeInt(1, 10000)},
	{name: "cpu.weight.nice", ctrl: bCPU, def: "0", parse: rangeInt(-20, 19)},
	{name: "cpu.max", ctrl: bCPU, def: "max 100000", parse: parseCPUMax},
	{name: "cpuset.cpus", ctrl: bCpuset, def: "", parse: parseSet},
	{name: "cpuset.mems", ctrl: bCpuset, def: "", parse: parseSet},
	{name: "cpuset.cpus.effective", ctrl: bCpuset, where: alsoRoot, read: func(*FS, *group) string { return "0\n" }},
	{name: "cpuset.mems.effective", ctrl: bCpuset, where: alsoRoot, read: func(*FS, *group) string { return "0\n" }},
	{name: "io.weight", ctrl: bIO, def: "default 100", parse: parseIOWeight},
	{name: "io.max", ctrl: bIO, def: "", parse: func(string) (string, error) { return "", abi.ENODEV }},
	{name: "io.stat", ctrl: bIO, where: alsoRoot, read: func(*FS, *group) string { return "" }},
	{name: "memory.current", ctrl: bMemory, read: func(*FS, *group) string { return "0\n" }},
	{name: "memory.min", ctrl: bMemory, def: "0", parse: parseMemory},
	{name: "memory.low", ctrl: bMemory, def: "0", parse: parseMemory},
	{name: "memory.high", ctrl: bMemory, def: "max", parse: parseMemory},
	{name: "memory.max", ctrl: bMemory, def: "max", parse: parseMemory},
	{name: "memory.swap.current", ctrl: bMemory, read: func(*FS, *group) string { return "0\n" }},
	{name: "memory.swap.max", ctrl: bMemory, def: "max", parse: parseMemory},
	{name: "memory.oom.group", ctrl: bMemory, def: "0", parse: rangeInt(0, 1)},
	{name: "memory.events", ctrl: bMemory, read: func(*FS, *group) string {
		return "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"
	}},
	{name: "memory.stat", ctrl: bMemory, where: alsoRoot, read: func(*FS, *group) string {
		var b strings.Builder
		for _, k := range []string{"anon", "file", "kernel", "kernel_stack", "pagetables", "sock", "shmem",
			"file_mapped", "file_dirty", "file_writeback", "inactive_anon", "active_anon", "inactive_file",
			"active_file", "unevictable", "pgfault", "pgmajfault"} {
			b.WriteString(k + " 0\n")
		}
		return b.String()
	}},
	{name: "pids.current", ctrl: bPids, read: func(fs *FS, g *group) string { return itoa(fs.tasks(g)) + "\n" }},
	{name: "pids.max", ctrl: bPids, def: "max", parse: parsePidsMax},
	{name: "pids.events", ctrl: bPids, read: func(*FS, *group) string { return "max 0\n" }},
}

// spec returns the interface file called name if g has it. Caller holds
// fs.mu.
func (fs *FS) spec(g *group, name string) *spec {
	for _, sp := range specs {
		if sp.name == name && present(g, sp) {
			return sp
		}
	}
	return nil
}

func present(g *group, sp *spec) bool {
	if g.isRoot() {
		return sp.where == inAll && sp.ctrl == 0 || sp.where == alsoRoot
	}
	return sp.ctrl == 0 || g.parent.subtree&sp.ctrl != 0
}

// value returns the file's contents. Caller holds fs.mu.
func (fs *FS) value(g *group, sp *spec) string {
	if sp.read != nil {
		return sp.read(fs, g)
	}
	v, ok := g.vals[sp.name]
	if !ok {
		v = sp.def
	}
	return v + "\n"
}

// store applies a write.
func (fs *FS) store(g *group, sp *spec, s string) error {
	if sp.write != nil {
		return sp.write(fs, g, s)
	}
	v, err := sp.parse(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	fs.mu.Lock()
	g.vals[sp.name] = v
	fs.mu.Unlock()
	return nil
}

// frozenChanges lists g and the descendants whose frozen state follows
// g's cgroup.freeze (those without a frozen ancestor above g).
func frozenChanges(g *group) []*group {
	for x := g.parent; x != nil; x = x.parent {
		if x.freeze {
			return nil
		}
	}
	var out []*group
	var walk func(x *group)
	walk = func(x *group) {
		out = append(out, x)
		for _, c := range x.children {
			if !c.freeze {
				walk(c)
			}
		}
	}
	walk(g)
	return out
}

func lines(ids []int32) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.Itoa(int(id)))
		b.WriteByte('\n')
	}
	return b.String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func maxOrN(n int) string {
	if n < 0 {
		return "max\n"
	}
	return itoa(n) + "\n"
}

// setLimit parses "max" or a count for cgroup.max.*: negative is ERANGE.
func setLimit(fs *FS, dst *int, s string) error {
	s = strings.TrimSpace(s)
	n := -1
	if s != "max" {
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return abi.EINVAL
		}
		if v < 0 {
			return abi.ERANGE
		}
		n = int(v)
	}
	fs.mu.Lock()
	*dst = n
	fs.mu.Unlock()
	return nil
}

func rangeInt(lo, hi int64) func(string) (string, error) {
	return func(s string) (string, error) {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", abi.EINVAL
		}
		if v < lo || v > hi {
			return "", abi.ERANGE
		}
		return strconv.FormatInt(v, 10), nil
	}
}

// parseMemory accepts "max" or bytes with an optional K, M, G or T
// suffix (memparse), rounded down to the page.
func parseMemory(s string) (string, error) {
	if s == "max" {
		return "max", nil
	}
	mult := uint64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		case 't', 'T':
			mult = 1 << 40
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > (1<<63-1)/mult {
		return "", abi.EINVAL
	}
	return strconv.FormatUint(v*mult&^4095, 10), nil
}

func parsePidsMax(s string) (string, error) {
	if s == "max" {
		return s, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return "", abi.EINVAL
	}
	return strconv.FormatInt(v, 10), nil
}

// parseCPUMax accepts "$MAX [$PERIOD]" with $MAX "max" or at least 1000
// microseconds and $PERIOD 1000..1000000 (default 100000).
func parseCPUMax(s string) (string, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return "", abi.EINVAL
	}
	period := int64(100000)
	if len(f) == 2 {
		p, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || p < 1000 || p > 1000000 {
			return "", abi.EINVAL
		}
		period = p
	}
	if f[0] != "max" {
		q, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || q < 1000 {
			return "", abi.EINVAL
		}
	}
	return f[0] + " " + strconv.FormatInt(period, 10), nil
}

// parseIOWeight accepts "default N" or "N"; per-device weights name a
// block device, and there are none (ENODEV).
func parseIOWeight(s string) (string, error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 2 && f[0] == "default":
		f = f[1:]
	case len(f) == 2:
		return "", abi.ENODEV
	case len(f) != 1:
		return "", abi.EINVAL
	}
	v, err := rangeInt(1, 10000)(f[0])
	if err != nil {
		return "", err
	}
	return "default " + v, nil
}

// parseSet accepts the CPU and memory-node lists of a one-CPU, one-node
// machine: "", "0" or "0-0".
func parseSet(s string) (string, error) {
	switch s {
	case "":
		return "", nil
	case "0", "0-0":
		return "0", nil
	}
	return "", abi.EINVAL
}

// dirOps is a group's directory.
type dirOps struct{ g *group }

// Open implements vfs.InodeOps.
func (d *dirOps) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return dirFile{}, nil }

type dirFile struct{ vfs.DirFileDefaults }

// Lookup implements vfs.DirOps.
func (d *dirOps) Lookup(_ *vfs.Inode, name string) (*vfs.Inode, error) {
	fs := d.g.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if c := d.g.children[name]; c != nil {
		return c.dir, nil
	}
	sp := fs.spec(d.g, name)
	if sp == nil {
		return nil, abi.ENOENT
	}
	return fs.fileInode(d.g, sp), nil
}

// fileInode returns g's inode for sp, made once so watches stay. Caller
// holds fs.mu.
func (fs *FS) fileInode(g *group, sp *spec) *vfs.Inode {
	if in := g.files[sp.name]; in != nil {
		return in
	}
	mode := uint32(abi.S_IFREG | 0o444)
	if sp.writable() {
		mode = abi.S_IFREG | 0o644
	}
	now := fs.now()
	in := vfs.NewInode(fs, fs.nextIno.Add(1), vfs.Attr{Mode: mode, Nlink: 1, Atime: now, Mtime: now, Ctime: now, Btime: now},
		&fileOps{g: g, sp: sp})
	g.files[sp.name] = in
	return in
}

// Create implements vfs.DirOps: only directories (new groups).
func (d *dirOps) Create(dir *vfs.Inode, name string, args vfs.CreateArgs) (*vfs.Inode, error) {
	if args.Mode&abi.S_IFMT != abi.S_IFDIR {
		return nil, abi.EACCES
	}
	g, err := d.g.fs.mkdir(d.g, name)
	if err != nil {
		return nil, err
	}
	return g.dir, nil
}

// Link implements vfs.DirOps.
func (d *dirOps) Link(*vfs.Inode, string, *vfs.Inode) error { return abi.EPERM }

// Remove implements vfs.DirOps: rmdir of an empty group.
func (d *dirOps) Remove(_ *vfs.Inode, name string, child *vfs.Inode) error {
	if !child.IsDir() {
		return abi.EPERM
	}
	return d.g.fs.rmdir(d.g, name)
}

// Rename implements vfs.DirOps.
func (d *dirOps) Rename(*vfs.Inode, string, *vfs.Inode, string, uint32) error { return abi.EPERM }

// IterDir implements vfs.DirOps: the interface files, then the child
// groups, each sorted by name.
func (d *dirOps) IterDir(self *vfs.Inode, off int64, emit vfs.DirEmit) error {
	fs := d.g.fs
	type ent struct {
		name string
		ino  uint64
		typ  uint8
	}
	fs.mu.Lock()
	parent, _ := self.Parent()
	ents := []ent{{".", self.Ino, abi.DT_DIR}, {"..", parent.Ino, abi.DT_DIR}}
	var files []ent
	for _, sp := range specs {
		if present(d.g, sp) {
			files = append(files, ent{sp.name, fs.fileInode(d.g, sp).Ino, abi.DT_REG})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var dirs []ent
	for name, c := range d.g.children {
		dirs = append(dirs, ent{name, c.dir.Ino, abi.DT_DIR})
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].name < dirs[j].name })
	fs.mu.Unlock()
	ents = append(append(ents, files...), dirs...)
	for i := off; i < int64(len(ents)); i++ {
		if !emit(ents[i].name, ents[i].ino, ents[i].typ, i+1) {
			break
		}
	}
	return nil
}

// fileOps is an interface file.
type fileOps struct {
	g  *group
	sp *spec
}

// Open implements vfs.InodeOps.
func (o *fileOps) Open(_ *vfs.Caller, _ *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	if flags&abi.O_ACCMODE != abi.O_RDONLY && !o.sp.writable() {
		return nil, abi.EACCES
	}
	f := &file{o: o}
	f.refresh()
	return f, nil
}

// file is an open interface file: a snapshot taken at open and again at
// each read from offset 0, as a seq_file regenerates.
type file struct {
	vfs.FileDefaults
	o    *fileOps
	data []byte
	seq  uint64
}

func (f *file) refresh() {
	fs := f.o.g.fs
	f.seq = f.o.g.eventSeq.Load()
	fs.mu.Lock()
	f.data = []byte(fs.value(f.o.g, f.o.sp))
	fs.mu.Unlock()
}

func (f *file) Read(_ *vfs.Caller, _ *vfs.File, dst []byte, off int64) (int, error) {
	if off == 0 {
		f.refresh()
	}
	if off >= int64(len(f.data)) {
		return 0, nil
	}
	return copy(dst, f.data[off:]), nil
}

func (f *file) Write(c *vfs.Caller, _ *vfs.File, src []byte, _ int64) (int, error) {
	if !f.o.sp.writable() {
		return 0, abi.EINVAL
	}
	s := string(src)
	// Writing 0 to cgroup.procs moves the writer itself.
	if f.o.sp.name == "cgroup.procs" && strings.TrimSpace(s) == "0" && c != nil && c.PID > 0 {
		s = strconv.Itoa(int(c.PID))
	}
	if err := f.o.g.fs.store(f.o.g, f.o.sp, s); err != nil {
		return 0, err
	}
	return len(src), nil
}

func (f *file) Seek(fl *vfs.File, cur, off int64, whence int) (int64, error) {
	return vfs.GenericSeek(fl, cur, off, whence)
}

// Readiness adds POLLPRI|POLLERR to cgroup.events while it changed since
// it was last read.
func (f *file) Readiness(_ *vfs.File, mask uint32) uint32 {
	r := uint32(abi.POLLIN | abi.POLLOUT | abi.POLLRDNORM | abi.POLLWRNORM)
	if f.o.sp.name == "cgroup.events" && f.o.g.eventSeq.Load() != f.seq {
		r |= abi.POLLPRI | abi.POLLERR
	}
	return mask & r
}

// EventQueue returns the group's queue for cgroup.events.
func (f *file) EventQueue() *vfs.Queue {
	if f.o.sp.name == "cgroup.events" {
		return &f.o.g.events
	}
	return nil
}
