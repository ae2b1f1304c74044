package main

import (
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// rawConsole is the serial console without a line discipline: reads return
// what has arrived, writes go out with \n turned into \r\n. It serves until
// the terminal layer (kernel/tty) takes over the console.
type rawConsole struct {
	vfs.FileDefaults
	out interface{ Write([]byte) (int, error) }

	mu    sync.Mutex
	in    []byte
	queue vfs.Queue
	ready chan struct{}
}

func newRawConsole(port interface {
	Write([]byte) (int, error)
	Start(func([]byte))
}) *rawConsole {
	c := &rawConsole{out: port, ready: make(chan struct{})}
	port.Start(c.receive)
	return c
}

func (c *rawConsole) receive(p []byte) {
	c.mu.Lock()
	for _, b := range p {
		if b == '\r' {
			b = '\n'
		}
		c.in = append(c.in, b)
	}
	close(c.ready)
	c.ready = make(chan struct{})
	c.mu.Unlock()
	c.queue.Notify(abi.POLLIN)
}

func (c *rawConsole) Stream() bool { return true }

func (c *rawConsole) Read(caller *vfs.Caller, f *vfs.File, dst []byte, off int64) (int, error) {
	for {
		c.mu.Lock()
		if len(c.in) > 0 {
			n := copy(dst, c.in)
			c.in = c.in[n:]
			c.mu.Unlock()
			return n, nil
		}
		ch := c.ready
		c.mu.Unlock()
		if f.Nonblocking() {
			return 0, abi.EAGAIN
		}
		if err := caller.Block(ch, -1); err != nil {
			return 0, err
		}
	}
}

func (c *rawConsole) Write(caller *vfs.Caller, f *vfs.File, src []byte, off int64) (int, error) {
	out := make([]byte, 0, len(src)+8)
	for _, b := range src {
		if b == '\n' {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	c.out.Write(out)
	return len(src), nil
}

func (c *rawConsole) Readiness(f *vfs.File, mask uint32) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := uint32(abi.POLLOUT)
	if len(c.in) > 0 {
		r |= abi.POLLIN
	}
	return r & mask
}

func (c *rawConsole) EventQueue() *vfs.Queue { return &c.queue }

// Ioctl answers the terminal queries programs make of stdin/stdout so that
// isatty() is true on the console.
func (c *rawConsole) Ioctl(caller *vfs.Caller, f *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	switch cmd {
	case abi.TCGETS:
		var t abi.Termios
		t.Iflag, t.Oflag, t.Cflag, t.Lflag = abi.ICRNL, abi.OPOST|abi.ONLCR, abi.CS8|abi.CREAD|abi.B38400, abi.ISIG|abi.ICANON|abi.ECHO
		return 0, caller.Mem.CopyOut(arg, t.Marshal())
	case abi.TCSETS, abi.TCSETSW, abi.TCSETSF:
		return 0, nil
	case abi.TIOCGWINSZ:
		return 0, caller.Mem.CopyOut(arg, []byte{24, 0, 80, 0, 0, 0, 0, 0})
	case abi.TIOCGPGRP:
		return 0, caller.Mem.CopyOut(arg, le32(uint32(caller.PGID)))
	case abi.TIOCSPGRP, abi.TIOCSCTTY:
		return 0, nil
	}
	return 0, abi.ENOTTY
}

func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
