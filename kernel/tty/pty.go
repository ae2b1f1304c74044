package tty

import (
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Pseudo-terminals. A pty is a TTY (the slave, /dev/pts/N) whose port is
// the master: what the slave's line discipline outputs queues for master
// reads, and master writes are the slave's input. Ptys hands them out from
// /dev/ptmx and tells its owner to add and remove the /dev/pts nodes.

// TIOCGPTLCK reads the lock state (not in every header set).
const tiocGPTLCK = 0x80045439

// Pty is one pseudo-terminal pair.
type Pty struct {
	Index int
	Slave *TTY

	mu     sync.Mutex
	out    []byte // slave output waiting for the master
	locked bool   // the slave cannot be opened until unlockpt
	closed bool   // the master is gone
	slaves int    // open descriptions of the slave
	// otherClosed is Linux's TTY_OTHER_CLOSED on the master: the slave
	// was open and its last description closed. Master reads return EIO
	// once the queue is drained, poll adds POLLHUP; reopening clears it.
	otherClosed bool
	q           vfs.Queue
	manager     *Ptys
}

// ptyPort is the slave's port: its output goes to the master.
type ptyPort struct{ p *Pty }

func (pp ptyPort) Write(b []byte) {
	p := pp.p
	p.mu.Lock()
	if !p.closed {
		p.out = append(p.out, b...)
	}
	p.mu.Unlock()
	p.q.Notify(abi.POLLIN | abi.POLLRDNORM)
}

// Ptys allocates pseudo-terminals.
type Ptys struct {
	opts Options
	// Created is called for a new pty (make /dev/pts/N appear, register
	// its device); an error fails the open of /dev/ptmx.
	Created func(p *Pty) error
	// Released is called when the master's last descriptor closes.
	Released func(p *Pty)

	mu   sync.Mutex
	ptys map[int]*Pty
}

// NewPtys returns an allocator whose slaves use opts.
func NewPtys(opts Options) *Ptys { return &Ptys{opts: opts, ptys: map[int]*Pty{}} }

// Terminals returns the slaves of every pty.
func (m *Ptys) Terminals() []*TTY {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*TTY, 0, len(m.ptys))
	for _, p := range m.ptys {
		out = append(out, p.Slave)
	}
	return out
}

// Get returns pty index, or nil.
func (m *Ptys) Get(index int) *Pty {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ptys[index]
}

// Open implements devfs.Device for /dev/ptmx: a new pty, its master end.
func (m *Ptys) Open(c *vfs.Caller, _ *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	m.mu.Lock()
	index := 0
	for m.ptys[index] != nil {
		index++
	}
	p := &Pty{Index: index, locked: true, manager: m}
	p.Slave = New(ptyPort{p}, m.opts)
	m.ptys[index] = p
	m.mu.Unlock()
	if m.Created != nil {
		if err := m.Created(p); err != nil {
			m.mu.Lock()
			delete(m.ptys, index)
			m.mu.Unlock()
			return nil, err
		}
	}
	return &Master{p: p}, nil
}

// OpenSlave opens the slave end (the /dev/pts/N device): EIO while locked
// or after the master closed.
func (p *Pty) OpenSlave(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	p.mu.Lock()
	bad := p.locked || p.closed
	p.mu.Unlock()
	if bad {
		return nil, abi.EIO
	}
	impl, err := p.Slave.Open(c, in, flags)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.slaves++
	p.otherClosed = false
	p.mu.Unlock()
	return &slaveFile{File: impl.(*File), p: p}, nil
}

// slaveFile is an open slave: a terminal file that tells its pty when the
// last description of the slave goes.
type slaveFile struct {
	*File
	p *Pty
}

// Release implements vfs.FileImpl: the last slave description's close
// hangs the master up (EIO after the queue drains, POLLHUP).
func (sf *slaveFile) Release(*vfs.File) {
	p := sf.p
	p.mu.Lock()
	p.slaves--
	hup := p.slaves == 0
	if hup {
		p.otherClosed = true
	}
	p.mu.Unlock()
	if hup {
		p.q.Notify(abi.POLLIN | abi.POLLRDNORM | abi.POLLHUP)
	}
}

// Master is an open pty master; it implements vfs.FileImpl.
type Master struct {
	vfs.FileDefaults
	p *Pty
}

// Stream implements vfs.Streamer.
func (*Master) Stream() bool { return true }

// Read returns what the slave wrote (after output processing).
func (m *Master) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	p := m.p
	for {
		p.mu.Lock()
		if len(p.out) > 0 {
			n := copy(dst, p.out)
			p.out = p.out[n:]
			if len(p.out) == 0 {
				p.out = nil
			}
			p.mu.Unlock()
			return n, nil
		}
		hup := p.otherClosed
		p.mu.Unlock()
		if hup {
			return 0, abi.EIO
		}
		if f != nil && f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		w := vfs.NewWaiter()
		p.q.Register(w, abi.POLLIN)
		p.mu.Lock()
		empty := len(p.out) == 0 && !p.otherClosed
		p.mu.Unlock()
		var err error
		if empty {
			err = c.Block(w.C(), -1)
		}
		p.q.Unregister(w)
		if err != nil {
			return 0, err
		}
	}
}

// Write feeds the slave's input, as typing on a terminal does.
func (m *Master) Write(_ *vfs.Caller, _ *vfs.File, src []byte, _ int64) (int, error) {
	m.p.Slave.Receive(src)
	return len(src), nil
}

// Readiness implements vfs.FileImpl.
func (m *Master) Readiness(_ *vfs.File, mask uint32) uint32 {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	ev := uint32(abi.POLLOUT | abi.POLLWRNORM)
	if len(m.p.out) > 0 {
		ev |= abi.POLLIN | abi.POLLRDNORM
	}
	if m.p.otherClosed {
		ev |= abi.POLLHUP
	}
	return ev & mask
}

// EventQueue implements vfs.FileImpl.
func (m *Master) EventQueue() *vfs.Queue { return &m.p.q }

// Fasync implements vfs.Fasync: O_ASYNC signals the owner, as on Linux.
func (m *Master) Fasync() {}

// Ioctl answers the master's own requests (pty number, lock) and passes
// terminal requests (termios, window size) to the slave, as Linux does.
func (m *Master) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	p := m.p
	switch cmd {
	case abi.TIOCGPTN:
		return 0, putInt(c, arg, int32(p.Index))
	case abi.TIOCSPTLCK:
		v, err := getInt(c, arg)
		if err != nil {
			return 0, err
		}
		p.mu.Lock()
		p.locked = v != 0
		p.mu.Unlock()
		return 0, nil
	case tiocGPTLCK:
		p.mu.Lock()
		v := int32(0)
		if p.locked {
			v = 1
		}
		p.mu.Unlock()
		return 0, putInt(c, arg, v)
	}
	return p.Slave.Ioctl(c, cmd, arg)
}

// Release hangs the pty up when the master's last descriptor closes.
func (m *Master) Release(*vfs.File) {
	p := m.p
	p.mu.Lock()
	p.closed = true
	p.out = nil
	p.mu.Unlock()
	mgr := p.manager
	mgr.mu.Lock()
	delete(mgr.ptys, p.Index)
	mgr.mu.Unlock()
	if mgr.Released != nil {
		mgr.Released(p)
	}
}
