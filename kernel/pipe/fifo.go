package pipe

import (
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// FIFOs opens named pipes: one Pipe per FIFO inode while any end is open.
// It implements vfs.FIFOOpener.
type FIFOs struct {
	mu    sync.Mutex
	pipes map[*vfs.Inode]*Pipe
}

// NewFIFOs returns an empty FIFO table.
func NewFIFOs() *FIFOs { return &FIFOs{pipes: make(map[*vfs.Inode]*Pipe)} }

// OpenFIFO implements vfs.FIFOOpener with fifo(7) rules: a reader waits for
// a writer and a writer for a reader, unless O_NONBLOCK, when a reader
// opens at once and a writer without readers gets ENXIO; O_RDWR never
// waits.
//
// The inode of an anonymous pipe (pipe(2)), reached through a magic link
// such as /proc/self/fd/N, opens that pipe without the waits and without
// ENXIO, as Linux's fifo_open does for a pipefs inode.
func (t *FIFOs) OpenFIFO(c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	t.mu.Lock()
	var p *Pipe
	anon, isAnon := in.Ops.(*anonPipe)
	if isAnon {
		p = anon.p
	} else if p = t.pipes[in]; p == nil {
		p = New()
		t.pipes[in] = p
	}
	acc := flags & abi.O_ACCMODE
	nonblock := flags&abi.O_NONBLOCK != 0
	if acc == abi.O_WRONLY && nonblock && !isAnon {
		p.mu.Lock()
		r := p.readers
		p.mu.Unlock()
		if r == 0 {
			if !isAnon {
				t.dropIfUnused(in, p)
			}
			t.mu.Unlock()
			return nil, abi.ENXIO
		}
	}
	e, err := p.open(flags)
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !isAnon {
		e.onRelease = func() {
			t.mu.Lock()
			t.dropIfUnused(in, p)
			t.mu.Unlock()
		}
	}
	if nonblock || acc == abi.O_RDWR || isAnon {
		return e, nil
	}
	// Wait for the other side to have opened at least once since we did.
	p.mu.Lock()
	var ready func() bool
	if acc == abi.O_RDONLY {
		w0 := p.wOpens
		ready = func() bool { return p.writers > 0 || p.wOpens > w0 }
	} else {
		r0 := p.rOpens
		ready = func() bool { return p.readers > 0 || p.rOpens > r0 }
	}
	err = p.wait(c, abi.POLLIN|abi.POLLOUT|abi.POLLHUP, ready)
	p.mu.Unlock()
	if err != nil {
		e.Release(nil)
		return nil, err
	}
	return e, nil
}

// dropIfUnused forgets p once no end is open. Caller holds t.mu.
func (t *FIFOs) dropIfUnused(in *vfs.Inode, p *Pipe) {
	p.mu.Lock()
	unused := p.readers == 0 && p.writers == 0
	p.mu.Unlock()
	if unused && t.pipes[in] == p {
		delete(t.pipes, in)
	}
}

// anonPipe is the inode behaviour of an anonymous pipe: it carries the
// pipe, so opening the inode again (through /proc/<pid>/fd) reaches it.
type anonPipe struct{ p *Pipe }

// Open implements vfs.InodeOps; the VFS opens FIFO inodes through
// FIFOs.OpenFIFO, never through this.
func (*anonPipe) Open(*vfs.Caller, *vfs.Inode, uint32) (vfs.FileImpl, error) { return nil, abi.ENXIO }
