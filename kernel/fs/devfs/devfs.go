// Package devfs holds the device registry the VFS consults when a device
// node is opened, the memory character devices (null, zero, full, random,
// urandom, kmsg), and a devtmpfs-like filesystem: a tmpfs populated with
// the standard nodes.
//
// Terminal devices (tty 5:0, console 5:1, ttyS0 4:64) get nodes here but
// their drivers come from kernel/tty, registered by the kernel's wiring
// with RegisterChar; until then opening them is ENXIO, as on Linux without
// a driver.
//
// /dev/kmsg reads the kernel log ring record by record (opening it for
// reading obeys dmesg_restrict through MemOptions.MayRead); writes add
// records at their "<N>" level and go to the sink, which prints them if
// the console level shows them.
//
// Block devices are registered (RegisterBlock) and their nodes added by the
// kernel's block layer wiring (kernel/cmd/aramid), not here.
//
// Not implemented: the random ioctls (RNDGETENTCNT and friends answer ENOTTY),
// /dev/mem and /dev/port.
package devfs

import (
	"aramid/kernel/klog"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

// Device is a driver: it opens a device inode.
type Device interface {
	Open(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error)
}

// DeviceFunc adapts a function to Device.
type DeviceFunc func(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error)

// Open implements Device.
func (f DeviceFunc) Open(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	return f(c, in, flags)
}

type devKey struct {
	kind  uint32
	major uint32
	minor uint32
}

// Registry maps device numbers to drivers. It implements vfs.DeviceOpener.
type Registry struct {
	mu   sync.RWMutex
	devs map[devKey]Device
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{devs: make(map[devKey]Device)} }

// RegisterChar registers a character device; EBUSY if the number is taken.
func (r *Registry) RegisterChar(major, minor uint32, d Device) error {
	return r.register(devKey{abi.S_IFCHR, major, minor}, d)
}

// UnregisterChar removes a character device (a pty slave going away).
func (r *Registry) UnregisterChar(major, minor uint32) {
	r.mu.Lock()
	delete(r.devs, devKey{abi.S_IFCHR, major, minor})
	r.mu.Unlock()
}

// RegisterBlock registers a block device; EBUSY if the number is taken.
func (r *Registry) RegisterBlock(major, minor uint32, d Device) error {
	return r.register(devKey{abi.S_IFBLK, major, minor}, d)
}

func (r *Registry) register(k devKey, d Device) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.devs[k] != nil {
		return abi.EBUSY
	}
	r.devs[k] = d
	return nil
}

// OpenDevice implements vfs.DeviceOpener: ENXIO for an unregistered
// number.
func (r *Registry) OpenDevice(c *vfs.Caller, kind uint32, rdev uint64, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	r.mu.RLock()
	d := r.devs[devKey{kind, abi.DevMajor(rdev), abi.DevMinor(rdev)}]
	r.mu.RUnlock()
	if d == nil {
		return nil, abi.ENXIO
	}
	return d.Open(c, in, flags)
}

// Linux device numbers of the standard nodes.
const (
	MemMajor     = 1
	NullMinor    = 3
	ZeroMinor    = 5
	FullMinor    = 7
	RandomMinor  = 8
	URandomMinor = 9
	KmsgMinor    = 11

	TTYAuxMajor   = 5
	PtmxMinor     = 2
	PtySlaveMajor = 136 // /dev/pts/N is 136:N
	TTYMinor      = 0
	ConsoleMinor  = 1

	TTYMajor   = 4
	TTYS0Minor = 64
)

// MemOptions supply what the memory devices need.
type MemOptions struct {
	// Random feeds /dev/random and /dev/urandom. Required.
	Random io.Reader
	// Kmsg receives each write to /dev/kmsg (one record per write).
	// nil discards.
	Kmsg func(p []byte)
	// Log, if set, is the kernel log /dev/kmsg reads (and its writes join);
	// Since stamps the written records. Without it reads fail with EINVAL.
	Log   *klog.Ring
	Since func() time.Duration
	// MayRead, if set, decides whether a caller may open /dev/kmsg for
	// reading (Linux's syslog permission check: dmesg_restrict).
	MayRead func(c *vfs.Caller) error
	// DefaultLevel, if set, is the level of records written without a
	// "<N>" prefix (default_message_loglevel); 4 otherwise.
	DefaultLevel func() int
}

// RegisterMem registers null, zero, full, random, urandom and kmsg.
func RegisterMem(r *Registry, opts MemOptions) error {
	rnd := &random{src: opts.Random}
	for _, d := range []struct {
		minor uint32
		impl  vfs.FileImpl
	}{
		{NullMinor, null{}}, {ZeroMinor, zero{}}, {FullMinor, full{}},
		{RandomMinor, rnd}, {URandomMinor, rnd},
	} {
		impl := d.impl
		if err := r.RegisterChar(MemMajor, d.minor, DeviceFunc(func(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) {
			return impl, nil
		})); err != nil {
			return err
		}
	}
	log := &kmsgLog{ring: opts.Log, sink: opts.Kmsg, since: opts.Since, defaultLevel: opts.DefaultLevel}
	if log.ring != nil {
		log.ring.Notify = func() { log.q.Notify(abi.POLLIN | abi.POLLRDNORM) }
	}
	return r.RegisterChar(MemMajor, KmsgMinor, DeviceFunc(func(c *vfs.Caller, _ *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
		if flags&abi.O_ACCMODE != abi.O_WRONLY && opts.MayRead != nil && c != nil {
			if err := opts.MayRead(c); err != nil {
				return nil, err
			}
		}
		k := &kmsg{log: log}
		if log.ring != nil {
			k.seq, _ = log.ring.Bounds()
		}
		return k, nil
	}))
}

// memSeek is what Linux's memory devices do on lseek: succeed and stay at
// 0.
func memSeek(*vfs.File, int64, int64, int) (int64, error) { return 0, nil }

type null struct{ vfs.FileDefaults }

func (null) Read(*vfs.Caller, *vfs.File, []byte, int64) (int, error)          { return 0, nil }
func (null) Write(_ *vfs.Caller, _ *vfs.File, p []byte, _ int64) (int, error) { return len(p), nil }
func (null) DiscardsWrites() bool                                             { return true }
func (null) Seek(f *vfs.File, cur, off int64, w int) (int64, error)           { return memSeek(f, cur, off, w) }

type zero struct{ vfs.FileDefaults }

func (zero) Read(_ *vfs.Caller, _ *vfs.File, p []byte, _ int64) (int, error) {
	clear(p)
	return len(p), nil
}
func (zero) Write(_ *vfs.Caller, _ *vfs.File, p []byte, _ int64) (int, error) { return len(p), nil }
func (zero) Seek(f *vfs.File, cur, off int64, w int) (int64, error)           { return memSeek(f, cur, off, w) }

type full struct{ vfs.FileDefaults }

func (full) Read(_ *vfs.Caller, _ *vfs.File, p []byte, _ int64) (int, error) {
	clear(p)
	return len(p), nil
}
func (full) Write(*vfs.Caller, *vfs.File, []byte, int64) (int, error) { return 0, abi.ENOSPC }
func (full) Seek(f *vfs.File, cur, off int64, w int) (int64, error)   { return memSeek(f, cur, off, w) }

// random serves /dev/random and /dev/urandom; writes are accepted and
// ignored (Linux mixes them into the pool without crediting entropy).
type random struct {
	vfs.FileDefaults
	mu  sync.Mutex
	src io.Reader
}

func (r *random) Read(_ *vfs.Caller, _ *vfs.File, p []byte, _ int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.src == nil {
		return 0, abi.EIO
	}
	n, err := io.ReadFull(r.src, p)
	if err != nil && n == 0 {
		return 0, abi.EIO
	}
	return n, nil
}
func (r *random) Write(_ *vfs.Caller, _ *vfs.File, p []byte, _ int64) (int, error) {
	return len(p), nil
}
func (r *random) Seek(f *vfs.File, cur, off int64, w int) (int64, error) {
	return memSeek(f, cur, off, w)
}

// kmsgLog is the kernel log behind every open /dev/kmsg.
type kmsgLog struct {
	ring         *klog.Ring
	sink         func([]byte)
	since        func() time.Duration
	defaultLevel func() int
	q            vfs.Queue
}

// kmsg is one open /dev/kmsg: writes add records, reads return one record
// per call from this opener's position, as "prio,seq,usec,-;text\n".
type kmsg struct {
	vfs.FileDefaults
	log *kmsgLog
	mu  sync.Mutex
	seq uint64
}

func (k *kmsg) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	ring := k.log.ring
	if ring == nil {
		return 0, abi.EINVAL
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for {
		rec, wait, err := ring.Get(k.seq)
		switch err {
		case klog.ErrOverrun:
			k.seq, _ = ring.Bounds()
			return 0, abi.EPIPE
		case klog.ErrNoRecord:
			if f != nil && f.Nonblocking() {
				return 0, abi.EAGAIN
			}
			k.mu.Unlock()
			err := c.Block(wait, -1)
			k.mu.Lock()
			if err != nil {
				return 0, err
			}
			continue
		}
		line := fmt.Sprintf("%d,%d,%d,-;%s\n", rec.Prio, rec.Seq, rec.At.Microseconds(), kmsgEscape(rec.Text))
		if len(dst) < len(line) {
			return 0, abi.EINVAL
		}
		k.seq = rec.Seq + 1
		return copy(dst, line), nil
	}
}

// kmsgEscape writes bytes Linux would not print raw as \xNN.
func kmsgEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == '\\' || c >= 0x7f {
			fmt.Fprintf(&b, "\\x%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// KmsgRecord splits a record written to /dev/kmsg into its syslog priority
// and text: a leading "<N>" gives facility and level; without it the record
// is LOG_USER at defaultLevel (default_message_loglevel), and userspace may
// not log as the kernel (facility 0 becomes LOG_USER).
func KmsgRecord(p []byte, defaultLevel int) (prio int, text string) {
	text, prio = string(p), 1<<3|defaultLevel&7
	if len(text) > 2 && text[0] == '<' {
		if i := strings.IndexByte(text, '>'); i > 1 {
			if n, err := strconv.Atoi(text[1:i]); err == nil && n >= 0 {
				text, prio = text[i+1:], n
				if prio>>3 == 0 {
					prio |= 1 << 3
				}
			}
		}
	}
	return prio, text
}

func (k *kmsg) Write(_ *vfs.Caller, _ *vfs.File, p []byte, _ int64) (int, error) {
	if k.log.sink != nil {
		k.log.sink(append([]byte(nil), p...))
	}
	if k.log.ring != nil {
		level := 4
		if k.log.defaultLevel != nil {
			level = k.log.defaultLevel()
		}
		prio, text := KmsgRecord(p, level)
		var at time.Duration
		if k.log.since != nil {
			at = k.log.since()
		}
		k.log.ring.Add(prio, at, strings.TrimRight(text, "\n"))
	}
	return len(p), nil
}

func (k *kmsg) Readiness(_ *vfs.File, mask uint32) uint32 {
	ev := uint32(abi.POLLOUT | abi.POLLWRNORM)
	if k.log.ring != nil {
		k.mu.Lock()
		_, next := k.log.ring.Bounds()
		if k.seq < next {
			ev |= abi.POLLIN | abi.POLLRDNORM
		}
		k.mu.Unlock()
	}
	return ev & mask
}

func (k *kmsg) EventQueue() *vfs.Queue { return &k.log.q }

// Seek: SEEK_SET 0 goes to the oldest record, SEEK_END and SEEK_DATA to
// the next one to come.
func (k *kmsg) Seek(f *vfs.File, cur, off int64, whence int) (int64, error) {
	if off != 0 {
		return 0, abi.ESPIPE
	}
	if k.log.ring == nil {
		return 0, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	first, next := k.log.ring.Bounds()
	switch whence {
	case abi.SEEK_SET:
		k.seq = first
	case abi.SEEK_END, abi.SEEK_DATA:
		k.seq = next
	default:
		return 0, abi.EINVAL
	}
	return 0, nil
}

// Node is an entry of a device filesystem.
type Node struct {
	Name   string
	Mode   uint32 // type and permissions
	Major  uint32
	Minor  uint32
	Target string // symlinks
}

// StandardNodes are the entries of a fresh /dev, with Linux's numbers and
// modes.
var StandardNodes = []Node{
	{Name: "null", Mode: abi.S_IFCHR | 0o666, Major: MemMajor, Minor: NullMinor},
	{Name: "zero", Mode: abi.S_IFCHR | 0o666, Major: MemMajor, Minor: ZeroMinor},
	{Name: "full", Mode: abi.S_IFCHR | 0o666, Major: MemMajor, Minor: FullMinor},
	{Name: "random", Mode: abi.S_IFCHR | 0o666, Major: MemMajor, Minor: RandomMinor},
	{Name: "urandom", Mode: abi.S_IFCHR | 0o666, Major: MemMajor, Minor: URandomMinor},
	{Name: "kmsg", Mode: abi.S_IFCHR | 0o644, Major: MemMajor, Minor: KmsgMinor},
	{Name: "tty", Mode: abi.S_IFCHR | 0o666, Major: TTYAuxMajor, Minor: TTYMinor},
	{Name: "console", Mode: abi.S_IFCHR | 0o600, Major: TTYAuxMajor, Minor: ConsoleMinor},
	{Name: "ttyS0", Mode: abi.S_IFCHR | 0o660, Major: TTYMajor, Minor: TTYS0Minor},
	{Name: "ptmx", Mode: abi.S_IFCHR | 0o666, Major: TTYAuxMajor, Minor: PtmxMinor},
	{Name: "pts", Mode: abi.S_IFDIR | 0o755},
	{Name: "shm", Mode: abi.S_IFDIR | 0o1777},
	// No fd, stdin, stdout, stderr: on Linux those symlinks come from
	// user space (systemd's dev_setup, udev), not from devtmpfs.
}

// New returns a devtmpfs-like filesystem: a tmpfs (type "devtmpfs")
// whose root (0755) holds nodes.
func New(clock func() time.Time, dev uint64, nodes []Node) (*tmpfs.FS, error) {
	fs := tmpfs.New(tmpfs.Options{Clock: clock, Dev: dev, Mode: 0o755, Name: "devtmpfs"})
	root := fs.Root()
	d := root.Ops.(vfs.DirOps)
	for _, n := range nodes {
		args := vfs.CreateArgs{Mode: n.Mode, Target: n.Target}
		if t := n.Mode & abi.S_IFMT; t == abi.S_IFCHR || t == abi.S_IFBLK {
			args.Rdev = abi.MakeDev(n.Major, n.Minor)
		}
		if _, err := d.Create(root, n.Name, args); err != nil {
			return nil, err
		}
	}
	return fs, nil
}
