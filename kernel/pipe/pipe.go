// Package pipe implements pipes and FIFOs with Linux semantics: a 64 KiB
// default capacity, atomic writes of up to PIPE_BUF (4096) bytes, EOF when
// every writer is gone, EPIPE (and Caller.SigPipe) when every reader is
// gone, O_NONBLOCK giving EAGAIN, readiness for poll/epoll, FIONREAD, and
// F_GETPIPE_SZ/F_SETPIPE_SZ through Size and SetSize, and O_DIRECT packet
// mode: each write (each page of a longer one) through a file with
// O_DIRECT is a packet, taking a slot of the pipe's size/PAGE_SIZE slots,
// and a read returns at most one packet, dropping what of it does not fit.
//
// Locking: Pipe.mu is a leaf except for vfs.Queue.Notify, which is called
// with it held (Queue.mu is the innermost lock).
//
// Not implemented: page-slot accounting outside packet mode (capacity is
// counted in bytes), the per-user pipe buffer limits.
package pipe

import (
	"time"

	"sync"
	"sync/atomic"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Sizes.
const (
	DefaultSize = 65536
	MinSize     = 4096
	// MaxSize is /proc/sys/fs/pipe-max-size's default: the most an
	// unprivileged F_SETPIPE_SZ may ask for.
	MaxSize = 1 << 20
	// pageSize is a pipe slot: a packet takes one whatever its length.
	pageSize = 4096
)

// maxSize is /proc/sys/fs/pipe-max-size.
var maxSize atomic.Int64

func init() { maxSize.Store(MaxSize) }

// MaxSizeText and SetMaxSize read and write /proc/sys/fs/pipe-max-size:
// a write is rounded as F_SETPIPE_SZ rounds (to a power-of-two number of
// pages); 0 or more than 2 GiB is EINVAL.
func MaxSizeText() string { return itoa(uint64(maxSize.Load())) + "\n" }

// SetMaxSize parses a write to /proc/sys/fs/pipe-max-size.
func SetMaxSize(text string) error {
	var n uint64
	digits := 0
	for _, c := range []byte(text) {
		switch {
		case c >= '0' && c <= '9' && n < 1<<40:
			n = n*10 + uint64(c-'0')
			digits++
		case c == '\n' || c == ' ' || c == '\t':
		default:
			return abi.EINVAL
		}
	}
	size := roundSize(n)
	if digits == 0 || size == 0 {
		return abi.EINVAL
	}
	maxSize.Store(int64(size))
	return nil
}

// roundSize is Linux's round_pipe_size: at least a page, a power of two,
// 0 (invalid) above 2 GiB.
func roundSize(n uint64) int {
	if n > 1<<31 {
		return 0
	}
	size := MinSize
	for uint64(size) < n {
		size <<= 1
	}
	return size
}

// segment is a run of buffered bytes: a packet, or ordinary data that
// later ordinary writes extend.
type segment struct {
	n      int
	packet bool
}

// Pipe is the shared buffer of a pipe or FIFO.
type Pipe struct {
	mu      sync.Mutex
	buf     []byte    // buffered data, oldest first
	segs    []segment // buf's runs, oldest first
	packets int       // packet segments in segs
	size    int
	readers int
	writers int
	// Opens ever made of each end, for FIFO open waits.
	rOpens, wOpens int
	q              vfs.Queue
}

// New returns an empty pipe with no ends open.
func New() *Pipe { return &Pipe{size: DefaultSize} }

var ids atomic.Uint64

// NewPair implements pipe2(2) below the descriptor table: it returns the
// read and write files. flags may hold O_NONBLOCK and O_DIRECT (packet mode);
// O_CLOEXEC is the caller's business; anything else is EINVAL.
func NewPair(flags uint32) (r, w *vfs.File, err error) {
	if flags&^(abi.O_NONBLOCK|abi.O_CLOEXEC|abi.O_DIRECT) != 0 {
		return nil, nil, abi.EINVAL
	}
	p := New()
	name := "pipe:[" + itoa(ids.Add(1)) + "]"
	ri, _ := p.open(abi.O_RDONLY)
	wi, _ := p.open(abi.O_WRONLY)
	in := vfs.Pipefs.NewInode(abi.S_IFIFO|0o600, time.Now())
	in.Ops = &anonPipe{p: p} // reopened through /proc/<pid>/fd (FIFOs.OpenFIFO)
	r = vfs.NewFile(ri, in, vfs.Path{}, abi.O_RDONLY|flags&(abi.O_NONBLOCK|abi.O_DIRECT))
	w = vfs.NewFile(wi, in, vfs.Path{}, abi.O_WRONLY|flags&(abi.O_NONBLOCK|abi.O_DIRECT))
	r.Name, w.Name = name, name
	return r, w, nil
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// open adds an end for the access mode of flags.
func (p *Pipe) open(flags uint32) (*End, error) {
	e := &End{p: p}
	p.mu.Lock()
	switch flags & abi.O_ACCMODE {
	case abi.O_RDONLY:
		e.read = true
	case abi.O_WRONLY:
		e.write = true
	case abi.O_RDWR:
		e.read, e.write = true, true
	default:
		p.mu.Unlock()
		return nil, abi.EINVAL
	}
	if e.read {
		p.readers++
		p.rOpens++
	}
	if e.write {
		p.writers++
		p.wOpens++
	}
	p.mu.Unlock()
	p.q.Notify(abi.POLLIN | abi.POLLOUT | abi.POLLHUP)
	return e, nil
}

// End is one open end of a pipe; it implements vfs.FileImpl.
type End struct {
	vfs.FileDefaults
	p           *Pipe
	read, write bool
	onRelease   func()
}

// Pipe returns the pipe the end belongs to.
func (e *End) Pipe() *Pipe { return e.p }

// Stream implements vfs.Streamer.
func (*End) Stream() bool { return true }

// EventQueue implements vfs.FileImpl.
func (e *End) EventQueue() *vfs.Queue { return &e.p.q }

// Fasync implements vfs.Fasync: O_ASYNC signals the owner, as on Linux.
func (e *End) Fasync() {}

// Fsync implements vfs.FileImpl: pipes and FIFOs have nothing to sync,
// and Linux's pipe file operations have no fsync, so fsync(2) and
// fdatasync(2) on either end fail with EINVAL.
func (*End) Fsync(*vfs.File) error { return abi.EINVAL }

// Release implements vfs.FileImpl.
func (e *End) Release(*vfs.File) {
	p := e.p
	p.mu.Lock()
	if e.read {
		p.readers--
	}
	if e.write {
		p.writers--
	}
	if p.readers == 0 && p.writers == 0 {
		p.buf, p.segs, p.packets = nil, nil, 0
	}
	p.mu.Unlock()
	p.q.Notify(abi.POLLIN | abi.POLLOUT | abi.POLLHUP | abi.POLLERR)
	if e.onRelease != nil {
		e.onRelease()
	}
}

// Readiness implements vfs.FileImpl.
func (e *End) Readiness(_ *vfs.File, mask uint32) uint32 {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var ev uint32
	if e.read {
		if len(p.buf) > 0 {
			ev |= abi.POLLIN | abi.POLLRDNORM
		}
		if p.writers == 0 && p.wOpens > 0 {
			ev |= abi.POLLHUP
		}
	}
	if e.write {
		if p.packets > 0 && p.slotsFree() == 0 {
			// Packets fill the slots before the bytes.
		} else if p.size-len(p.buf) >= abi.PIPE_BUF || (p.size < abi.PIPE_BUF && len(p.buf) == 0) {
			ev |= abi.POLLOUT | abi.POLLWRNORM
		}
		if p.readers == 0 {
			ev |= abi.POLLERR
		}
	}
	return ev & mask
}

// wait blocks until the pipe notifies one of events, re-checking ready
// (called with p.mu held, returns with it held).
func (p *Pipe) wait(c *vfs.Caller, events uint32, ready func() bool) error {
	w := vfs.NewWaiter()
	p.q.Register(w, events)
	defer p.q.Unregister(w)
	for !ready() {
		p.mu.Unlock()
		err := c.Block(w.C(), -1)
		p.mu.Lock()
		if err != nil {
			return err
		}
	}
	return nil
}

// Read implements vfs.FileImpl.
func (e *End) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) == 0 {
		if p.writers == 0 {
			return 0, nil
		}
		if f != nil && f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		if err := p.wait(c, abi.POLLIN|abi.POLLHUP, func() bool { return len(p.buf) > 0 || p.writers == 0 }); err != nil {
			return 0, err
		}
	}
	n := p.take(dst)
	if n > 0 {
		p.q.Notify(abi.POLLOUT | abi.POLLWRNORM)
	}
	return n, nil
}

// take moves buffered bytes into dst: ordinary data up to len(dst), and at
// most one packet, whose rest is dropped if dst is full before its end.
// p.mu is held.
func (p *Pipe) take(dst []byte) int { return p.takeBytes(dst, false) }

// takeBytes is take; stream ignores packet boundaries (splice's reads).
func (p *Pipe) takeBytes(dst []byte, stream bool) int {
	n := 0
	for n < len(dst) && len(p.segs) > 0 {
		s := &p.segs[0]
		k := copy(dst[n:], p.buf[:min(s.n, len(dst)-n)])
		n += k
		drop := k
		if s.packet && !stream {
			drop = s.n
		}
		p.buf = p.buf[drop:]
		s.n -= drop
		packet := s.packet
		if s.n == 0 {
			if s.packet {
				p.packets--
			}
			p.segs = p.segs[1:]
		}
		if packet && !stream {
			break
		}
	}
	if len(p.buf) == 0 {
		p.buf, p.segs, p.packets = nil, nil, 0
	}
	return n
}

// add queues data: as a new packet, or appended to the last run of
// ordinary data. p.mu is held.
func (p *Pipe) add(data []byte, packet bool) {
	p.buf = append(p.buf, data...)
	if !packet && len(p.segs) > 0 && !p.segs[len(p.segs)-1].packet {
		p.segs[len(p.segs)-1].n += len(data)
		return
	}
	p.segs = append(p.segs, segment{n: len(data), packet: packet})
	if packet {
		p.packets++
	}
}

// slotsFree returns how many page slots are free, a packet taking one and
// ordinary data one per page it spans. p.mu is held.
func (p *Pipe) slotsFree() int {
	used := 0
	for _, s := range p.segs {
		if s.packet {
			used++
		} else {
			used += (s.n + pageSize - 1) / pageSize
		}
	}
	return max(p.size/pageSize-used, 0)
}

// Write implements vfs.FileImpl: through a file with O_DIRECT, in packets.
func (e *End) Write(c *vfs.Caller, f *vfs.File, src []byte, _ int64) (int, error) {
	if f != nil && f.Flags()&abi.O_DIRECT != 0 {
		return e.p.writePackets(c, src, f.Nonblocking())
	}
	return e.p.Write(c, src, f != nil && f.Nonblocking())
}

// brokenPipe is a write's result once the readers are gone after n bytes:
// the count if any went in, else EPIPE with SIGPIPE to the writer.
func brokenPipe(c *vfs.Caller, n int) (int, error) {
	if n > 0 {
		return n, nil
	}
	if c != nil && c.SigPipe != nil {
		c.SigPipe()
	}
	return 0, abi.EPIPE
}

// writePackets queues src in packet mode: one packet per page of it, each
// taking a slot; a write of up to PIPE_BUF bytes is one packet, whole.
func (p *Pipe) writePackets(c *vfs.Caller, src []byte, nonblock bool) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readers == 0 {
		return brokenPipe(c, 0)
	}
	if len(src) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(src) {
		chunk := src[n:min(n+pageSize, len(src))]
		fits := func() bool { return p.readers == 0 || p.slotsFree() > 0 && p.size-len(p.buf) >= len(chunk) }
		if !fits() {
			if nonblock {
				if n > 0 {
					return n, nil
				}
				p.q.NotifyAsync(abi.POLLIN | abi.POLLRDNORM) // Linux signals O_ASYNC readers on every write call
				return 0, abi.EAGAIN
			}
			if err := p.wait(c, abi.POLLOUT|abi.POLLERR, fits); err != nil {
				if n > 0 {
					return n, nil
				}
				return 0, err
			}
		}
		if p.readers == 0 {
			return brokenPipe(c, n)
		}
		p.add(chunk, true)
		n += len(chunk)
		p.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	}
	return n, nil
}

// Write queues src as write(2) on the pipe's write end does; nonblock
// makes a full pipe EAGAIN instead of a wait.
func (p *Pipe) Write(c *vfs.Caller, src []byte, nonblock bool) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readers == 0 {
		return brokenPipe(c, 0)
	}
	if len(src) == 0 {
		return 0, nil
	}
	// Writes of up to PIPE_BUF bytes go in whole or not at all (a pipe
	// shrunk below PIPE_BUF takes them once empty).
	if len(src) <= abi.PIPE_BUF {
		fits := func() bool { return p.readers == 0 || p.size-len(p.buf) >= len(src) || len(p.buf) == 0 }
		if !fits() {
			if nonblock {
				p.q.NotifyAsync(abi.POLLIN | abi.POLLRDNORM) // Linux signals O_ASYNC readers on every write call
				return 0, abi.EAGAIN
			}
			if err := p.wait(c, abi.POLLOUT|abi.POLLERR, fits); err != nil {
				return 0, err
			}
		}
		if p.readers == 0 {
			return brokenPipe(c, 0)
		}
		p.add(src, false)
		p.q.Notify(abi.POLLIN | abi.POLLRDNORM)
		return len(src), nil
	}
	n := 0
	for n < len(src) {
		if p.readers == 0 {
			return brokenPipe(c, n)
		}
		free := p.size - len(p.buf)
		if free <= 0 {
			if nonblock {
				if n > 0 {
					return n, nil
				}
				p.q.NotifyAsync(abi.POLLIN | abi.POLLRDNORM) // Linux signals O_ASYNC readers on every write call
				return 0, abi.EAGAIN
			}
			err := p.wait(c, abi.POLLOUT|abi.POLLERR, func() bool { return p.readers == 0 || len(p.buf) < p.size })
			if err != nil {
				if n > 0 {
					return n, nil
				}
				return 0, err
			}
			continue
		}
		k := min(free, len(src)-n)
		p.add(src[n:n+k], false)
		n += k
		p.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	}
	return n, nil
}

// Ioctl implements FIONREAD; other requests are ENOTTY.
func (e *End) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	if cmd != abi.FIONREAD {
		return 0, abi.ENOTTY
	}
	e.p.mu.Lock()
	n := uint32(len(e.p.buf))
	e.p.mu.Unlock()
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	b := []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
	return 0, c.Mem.CopyOut(arg, b)
}

// Size implements F_GETPIPE_SZ.
func (p *Pipe) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size
}

// SetSize implements F_SETPIPE_SZ as Linux's pipe_set_size: the size is
// rounded up to a power of two of at least one page (0 gives a page, more
// than 2 GiB is EINVAL); growing past /proc/sys/fs/pipe-max-size needs
// privilege (EPERM); fewer slots than the buffered data occupies is EBUSY.
// It returns the new size.
func (p *Pipe) SetSize(n uint64, privileged bool) (int, error) {
	size := roundSize(n)
	if size == 0 {
		return 0, abi.EINVAL
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if size > p.size && int64(size) > maxSize.Load() && !privileged {
		return 0, abi.EPERM
	}
	if p.size/pageSize-p.slotsFree() > size/pageSize || len(p.buf) > size {
		return 0, abi.EBUSY
	}
	p.size = size
	p.q.Notify(abi.POLLOUT | abi.POLLWRNORM)
	return size, nil
}

// FromFile returns the pipe behind a pipe or FIFO file (for fcntl's pipe
// size commands), or nil.
func FromFile(f *vfs.File) *Pipe {
	if e, ok := f.Impl.(*End); ok {
		return e.p
	}
	return nil
}

// Peek copies buffered data into dst without consuming it, for tee(2). It
// waits for data as Read does, unless nonblock (then EAGAIN); 0 means
// empty with no writer left.
func (p *Pipe) Peek(c *vfs.Caller, dst []byte, nonblock bool) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) == 0 {
		if p.writers == 0 {
			return 0, nil
		}
		if nonblock {
			return 0, abi.EAGAIN
		}
		if err := p.wait(c, abi.POLLIN|abi.POLLHUP, func() bool { return len(p.buf) > 0 || p.writers == 0 }); err != nil {
			return 0, err
		}
	}
	return copy(dst, p.buf), nil
}

// SpliceIn implements vmsplice(2) into the pipe, as Linux's
// vmsplice_to_pipe: it waits for room unless nonblock (SPLICE_F_NONBLOCK:
// EAGAIN; the file's O_NONBLOCK does not count), then queues what fill
// returns for up to the free space, without waiting again. No reader is
// EPIPE (and Caller.SigPipe).
func (p *Pipe) SpliceIn(c *vfs.Caller, nonblock bool, fill func(max int) ([]byte, error)) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	room := func() bool { return p.readers == 0 || p.slotsFree() > 0 && len(p.buf) < p.size }
	if !room() {
		if nonblock {
			return 0, abi.EAGAIN
		}
		if err := p.wait(c, abi.POLLOUT|abi.POLLERR, room); err != nil {
			return 0, err
		}
	}
	if p.readers == 0 {
		if c != nil && c.SigPipe != nil {
			c.SigPipe()
		}
		return 0, abi.EPIPE
	}
	data, err := fill(p.size - len(p.buf))
	if len(data) > 0 {
		p.add(data, false)
		p.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	}
	if len(data) == 0 && err != nil {
		return 0, err
	}
	return len(data), nil
}

// SpliceOut implements vmsplice(2) out of the pipe: up to len(dst) bytes,
// across packet boundaries, waiting for data unless nonblock (EAGAIN); 0
// when empty with no writer left.
func (p *Pipe) SpliceOut(c *vfs.Caller, dst []byte, nonblock bool) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) == 0 {
		if p.writers == 0 {
			return 0, nil
		}
		if nonblock {
			return 0, abi.EAGAIN
		}
		if err := p.wait(c, abi.POLLIN|abi.POLLHUP, func() bool { return len(p.buf) > 0 || p.writers == 0 }); err != nil {
			return 0, err
		}
	}
	n := p.takeBytes(dst, true)
	if n > 0 {
		p.q.Notify(abi.POLLOUT | abi.POLLWRNORM)
	}
	return n, nil
}
