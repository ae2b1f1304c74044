// Package pipe implements pipes and FIFOs with Linux semantics: a 64 KiB
// default capacity, atomic writes of up to PIPE_BUF (4096) bytes, EOF when
// every writer is gone, EPIPE (and Caller.SigPipe) when every reader is
// gone, O_NONBLOCK giving EAGAIN, readiness for poll/epoll, FIONREAD, and
// F_GETPIPE_SZ/F_SETPIPE_SZ through Size and SetSize.
//
// Locking: Pipe.mu is a leaf except for vfs.Queue.Notify, which is called
// with it held (Queue.mu is the innermost lock).
//
// Not implemented: O_DIRECT packet mode (the flag is accepted and
// ignored), splice/tee, the per-user pipe buffer limits.
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
)

// Pipe is the shared buffer of a pipe or FIFO.
type Pipe struct {
	mu      sync.Mutex
	buf     []byte // buffered data, oldest first
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
// read and write files. flags may hold O_NONBLOCK and O_DIRECT (ignored);
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
	r = vfs.NewFile(ri, in, vfs.Path{}, abi.O_RDONLY|flags&abi.O_NONBLOCK)
	w = vfs.NewFile(wi, in, vfs.Path{}, abi.O_WRONLY|flags&abi.O_NONBLOCK)
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
		p.buf = nil
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
		if p.size-len(p.buf) >= abi.PIPE_BUF || (p.size < abi.PIPE_BUF && len(p.buf) == 0) {
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
	n := copy(dst, p.buf)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	if n > 0 {
		p.q.Notify(abi.POLLOUT | abi.POLLWRNORM)
	}
	return n, nil
}

// Write implements vfs.FileImpl.
func (e *End) Write(c *vfs.Caller, f *vfs.File, src []byte, _ int64) (int, error) {
	return e.p.Write(c, src, f != nil && f.Nonblocking())
}

// Write queues src as write(2) on the pipe's write end does; nonblock
// makes a full pipe EAGAIN instead of a wait.
func (p *Pipe) Write(c *vfs.Caller, src []byte, nonblock bool) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	epipe := func(n int) (int, error) {
		if n > 0 {
			return n, nil
		}
		if c != nil && c.SigPipe != nil {
			c.SigPipe()
		}
		return 0, abi.EPIPE
	}
	if p.readers == 0 {
		return epipe(0)
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
				return 0, abi.EAGAIN
			}
			if err := p.wait(c, abi.POLLOUT|abi.POLLERR, fits); err != nil {
				return 0, err
			}
		}
		if p.readers == 0 {
			return epipe(0)
		}
		p.buf = append(p.buf, src...)
		p.q.Notify(abi.POLLIN | abi.POLLRDNORM)
		return len(src), nil
	}
	n := 0
	for n < len(src) {
		if p.readers == 0 {
			return epipe(n)
		}
		free := p.size - len(p.buf)
		if free <= 0 {
			if nonblock {
				if n > 0 {
					return n, nil
				}
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
		p.buf = append(p.buf, src[n:n+k]...)
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

// SetSize implements F_SETPIPE_SZ: the size is rounded up to a power of two
// of at least one page; above MaxSize needs privilege (EPERM); less than
// what is buffered is EBUSY. It returns the new size.
func (p *Pipe) SetSize(n int64, privileged bool) (int, error) {
	if n <= 0 || n > 1<<31 {
		return 0, abi.EINVAL
	}
	size := MinSize
	for int64(size) < n {
		size <<= 1
	}
	if size > MaxSize && !privileged {
		return 0, abi.EPERM
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > size {
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
