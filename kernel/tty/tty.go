// Package tty is the terminal line discipline for the serial console:
// termios state, canonical line editing (erase, word erase, kill, EOF,
// reprint, literal next), echo (with ECHOCTL, ECHOE, ECHOK, ECHOKE,
// ECHONL), ISIG characters raising SIGINT/SIGQUIT/SIGTSTP on the foreground
// process group, VMIN/VTIME in non-canonical mode, output processing
// (OPOST with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC), the window size, and the
// controlling-terminal ioctls (TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP,
// TIOCGSID).
//
// The driver side is two calls: output goes to a Port, input arrives
// through TTY.Receive. User-side reads block through vfs.Caller's Blocker.
// Session and process-group checks take the caller's ids from vfs.Caller;
// the task layer keeps its own record of each session's controlling
// terminal and reads Session after an open or TIOCSCTTY.
//
// Locking: TTY.mu guards everything; the Port is written with it held;
// signals are delivered through the callback after it is released.
//
// Not implemented: job-control checks on background reads and writes
// (SIGTTIN/SIGTTOU, TOSTOP), output flow control (IXON's ^S/^Q are
// swallowed without stopping output), IXOFF, PARMRK/INPCK/break handling,
// FLUSHO/VDISCARD, PENDIN, TIOCSTI, modem-control ioctls, packet mode,
// TCGETA/TCSETA* (the old struct termio; ENOTTY), hang-up on a pty
// master's close.
//
// Hangup (vhangup) is Linux's __tty_hangup: the descriptors open on the
// terminal at that moment go dead (reads see end of file, writes and
// ioctls EIO, poll everything), input is dropped and the terminal controls
// no session any more; new opens work as before.
package tty

import (
	"errors"
	"sync"
	"time"
	"unicode/utf8"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Port is the hardware side: it transmits bytes.
type Port interface {
	Write(p []byte)
}

// Options configure a terminal.
type Options struct {
	// Signal sends sig to every process in process group pgid.
	Signal func(pgid int32, sig abi.Signal)
	// PgrpInSession reports whether pgid is a process group of session
	// sid, for TIOCSPGRP; nil accepts any group.
	PgrpInSession func(pgid, sid int32) bool
	// Baud is the line speed (a CBAUD code such as abi.B115200); 0 means
	// abi.B38400, as Linux's tty_std_termios.
	Baud uint32
}

// maxLine is the canonical line limit (N_TTY_BUF_SIZE - 1).
const maxLine = 4095

// maxInput bounds buffered input.
const maxInput = 65536

// DefaultTermios returns Linux's tty_std_termios with the given CBAUD code.
func DefaultTermios(baud uint32) abi.Termios {
	t := abi.Termios{
		Iflag: abi.ICRNL | abi.IXON,
		Oflag: abi.OPOST | abi.ONLCR,
		Cflag: baud | abi.CS8 | abi.CREAD | abi.HUPCL,
		Lflag: abi.ISIG | abi.ICANON | abi.ECHO | abi.ECHOE | abi.ECHOK | abi.ECHOCTL | abi.ECHOKE | abi.IEXTEN,
	}
	copy(t.CC[:], []byte{3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0})
	t.Ispeed = abi.BaudRate(baud)
	t.Ospeed = t.Ispeed
	return t
}

// TTY is one terminal.
type TTY struct {
	mu      sync.Mutex
	port    Port
	opts    Options
	termios abi.Termios
	winsize abi.Winsize

	line    []byte   // canonical line being edited
	lines   [][]byte // completed lines; an empty one is an EOF
	raw     []byte   // non-canonical input
	lnext   bool     // the next character is literal
	column  int
	session int32
	pgrp    int32
	// gen counts hang-ups: a File opened before the last one is dead.
	gen uint64

	q       vfs.Queue
	signals []pending
}

type pending struct {
	pgid int32
	sig  abi.Signal
}

// New returns a terminal writing to port.
func New(port Port, opts Options) *TTY {
	if opts.Baud == 0 {
		opts.Baud = abi.B38400
	}
	return &TTY{port: port, opts: opts, termios: DefaultTermios(opts.Baud)}
}

// Termios returns the current settings.
func (t *TTY) Termios() abi.Termios {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.termios
}

// Session returns the session the terminal controls, or 0.
func (t *TTY) Session() int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.session
}

// ForegroundPgrp returns the foreground process group, or 0.
func (t *TTY) ForegroundPgrp() int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pgrp
}

// unlock releases t.mu and then delivers queued signals.
func (t *TTY) unlock() {
	sigs := t.signals
	t.signals = nil
	t.mu.Unlock()
	if t.opts.Signal == nil {
		return
	}
	for _, s := range sigs {
		t.opts.Signal(s.pgid, s.sig)
	}
}

func (t *TTY) raise(sig abi.Signal) {
	if t.pgrp > 0 {
		t.signals = append(t.signals, pending{t.pgrp, sig})
	}
}

func (t *TTY) lflag(f uint32) bool { return t.termios.Lflag&f != 0 }
func (t *TTY) iflag(f uint32) bool { return t.termios.Iflag&f != 0 }

// is reports whether c is the enabled special character at index i.
func (t *TTY) is(c byte, i int) bool { return t.termios.CC[i] != 0 && c == t.termios.CC[i] }

// Receive feeds input from the line, as the serial driver's interrupt
// handler would.
func (t *TTY) Receive(p []byte) {
	t.mu.Lock()
	var echo []byte
	for _, c := range p {
		echo = t.input(c, echo)
	}
	if len(echo) > 0 {
		t.output(echo)
	}
	t.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	t.unlock()
}

// input processes one received byte and returns the echo buffer.
func (t *TTY) input(c byte, echo []byte) []byte {
	if t.iflag(abi.ISTRIP) {
		c &= 0x7f
	}
	literal := t.lnext
	t.lnext = false
	if !literal {
		switch {
		case c == '\r' && t.iflag(abi.IGNCR):
			return echo
		case c == '\r' && t.iflag(abi.ICRNL):
			c = '\n'
		case c == '\n' && t.iflag(abi.INLCR):
			c = '\r'
		}
		if t.iflag(abi.IXON) && (t.is(c, abi.VSTART) || t.is(c, abi.VSTOP)) {
			return echo
		}
		if t.lflag(abi.ISIG) {
			var sig abi.Signal
			switch {
			case t.is(c, abi.VINTR):
				sig = abi.SIGINT
			case t.is(c, abi.VQUIT):
				sig = abi.SIGQUIT
			case t.is(c, abi.VSUSP):
				sig = abi.SIGTSTP
			}
			if sig != 0 {
				if !t.lflag(abi.NOFLSH) {
					t.line, t.lines, t.raw = nil, nil, nil
				}
				t.raise(sig)
				if t.lflag(abi.ECHO) {
					echo = t.echoChar(c, echo)
				}
				return echo
			}
		}
		if t.lflag(abi.IEXTEN) && t.is(c, abi.VLNEXT) {
			t.lnext = true
			if t.lflag(abi.ECHO) && t.lflag(abi.ECHOCTL) {
				echo = append(echo, '^', '\b')
			}
			return echo
		}
	}
	if !t.lflag(abi.ICANON) {
		if len(t.raw) < maxInput {
			t.raw = append(t.raw, c)
		}
		if t.lflag(abi.ECHO) {
			echo = t.echoChar(c, echo)
		} else if c == '\n' && t.lflag(abi.ECHONL) {
			echo = append(echo, '\n')
		}
		return echo
	}
	if !literal {
		switch {
		case t.is(c, abi.VERASE):
			return t.erase(echo, false)
		case t.lflag(abi.IEXTEN) && t.is(c, abi.VWERASE):
			return t.erase(echo, true)
		case t.is(c, abi.VKILL):
			if t.lflag(abi.ECHO) {
				if t.lflag(abi.ECHOKE) && t.lflag(abi.ECHOE) {
					for len(t.line) > 0 {
						echo = t.erase(echo, false)
					}
				} else {
					echo = t.echoChar(c, echo)
					if t.lflag(abi.ECHOK) {
						echo = append(echo, '\n')
					}
				}
			}
			t.line = nil
			return echo
		case t.lflag(abi.IEXTEN) && t.is(c, abi.VREPRINT):
			if t.lflag(abi.ECHO) {
				echo = t.echoChar(c, echo)
				echo = append(echo, '\n')
				for _, b := range t.line {
					echo = t.echoChar(b, echo)
				}
			}
			return echo
		case t.is(c, abi.VEOF):
			t.lines = append(t.lines, t.line)
			t.line = nil
			return echo
		case c == '\n' || t.is(c, abi.VEOL) || (t.lflag(abi.IEXTEN) && t.is(c, abi.VEOL2)):
			t.lines = append(t.lines, append(t.line, c))
			t.line = nil
			if t.lflag(abi.ECHO) {
				echo = t.echoChar(c, echo)
			} else if c == '\n' && t.lflag(abi.ECHONL) {
				echo = append(echo, '\n')
			}
			return echo
		}
	}
	if len(t.line) >= maxLine {
		return echo
	}
	t.line = append(t.line, c)
	if t.lflag(abi.ECHO) {
		echo = t.echoChar(c, echo)
	}
	return echo
}

// echoChar appends the echo of c: control characters as ^X with ECHOCTL.
func (t *TTY) echoChar(c byte, echo []byte) []byte {
	if t.lflag(abi.ECHOCTL) && (c < 0x20 && c != '\t' && c != '\n' || c == 0x7f) {
		return append(echo, '^', c^0x40)
	}
	return append(echo, c)
}

// erase removes the last character (or word) of the line and echoes the
// erasure.
func (t *TTY) erase(echo []byte, word bool) []byte {
	seenWord := false
	for len(t.line) > 0 {
		c := t.line[len(t.line)-1]
		if word {
			space := c == ' ' || c == '\t'
			if space && seenWord {
				break
			}
			if !space {
				seenWord = true
			}
		}
		n := 1
		if t.iflag(abi.IUTF8) {
			_, n = utf8.DecodeLastRune(t.line)
		}
		t.line = t.line[:len(t.line)-n]
		if t.lflag(abi.ECHO) {
			width := 1
			if t.lflag(abi.ECHOCTL) && (c < 0x20 && c != '\t' || c == 0x7f) {
				width = 2
			}
			if t.lflag(abi.ECHOE) {
				for i := 0; i < width; i++ {
					echo = append(echo, '\b', ' ', '\b')
				}
			} else {
				echo = t.echoChar(t.termios.CC[abi.VERASE], echo)
			}
		}
		if !word {
			break
		}
	}
	return echo
}

// output writes p to the port with output processing.
func (t *TTY) output(p []byte) {
	if t.termios.Oflag&abi.OPOST == 0 {
		t.port.Write(p)
		return
	}
	o := t.termios.Oflag
	out := make([]byte, 0, len(p)+len(p)/8)
	for _, c := range p {
		if o&abi.OLCUC != 0 && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		switch c {
		case '\n':
			if o&abi.ONLCR != 0 {
				out = append(out, '\r', '\n')
				t.column = 0
				continue
			}
			if o&abi.ONLRET != 0 {
				t.column = 0
			}
		case '\r':
			if o&abi.ONOCR != 0 && t.column == 0 {
				continue
			}
			if o&abi.OCRNL != 0 {
				c = '\n'
				if o&abi.ONLRET != 0 {
					t.column = 0
				}
			} else {
				t.column = 0
			}
		case '\b':
			if t.column > 0 {
				t.column--
			}
		default:
			if c >= 0x20 && c < 0x7f {
				t.column++
			}
		}
		out = append(out, c)
	}
	t.port.Write(out)
}

// available reports how many bytes a read could take now.
func (t *TTY) availableLocked() int {
	if t.lflag(abi.ICANON) {
		n := 0
		for _, l := range t.lines {
			n += len(l)
		}
		return n
	}
	return len(t.raw)
}

func (t *TTY) readableLocked() bool {
	if t.lflag(abi.ICANON) {
		return len(t.lines) > 0
	}
	return len(t.raw) > 0
}

// setTermios installs new settings; moving between canonical and raw mode
// carries the pending input over.
func (t *TTY) setTermios(n abi.Termios) {
	wasCanon := t.lflag(abi.ICANON)
	t.termios = n
	if wasCanon && !t.lflag(abi.ICANON) {
		for _, l := range t.lines {
			t.raw = append(t.raw, l...)
		}
		t.raw = append(t.raw, t.line...)
		t.lines, t.line = nil, nil
	} else if !wasCanon && t.lflag(abi.ICANON) {
		t.line = append(t.line, t.raw...)
		t.raw = nil
	}
	t.q.Notify(abi.POLLIN | abi.POLLOUT)
}

// read implements read(2) on the terminal for a file opened at hang-up
// count gen: errHungUp once the terminal is hung up.
func (t *TTY) read(c *vfs.Caller, dst []byte, nonblock bool, gen uint64) (int, error) {
	t.mu.Lock()
	defer t.unlock()
	if t.gen != gen {
		return 0, errHungUp
	}
	if len(dst) == 0 {
		return 0, nil
	}
	w := vfs.NewWaiter()
	t.q.Register(w, abi.POLLIN|abi.POLLHUP)
	defer t.q.Unregister(w)
	block := func(timeout time.Duration) error {
		t.mu.Unlock()
		err := c.Block(w.C(), timeout)
		t.mu.Lock()
		if t.gen != gen {
			return errHungUp
		}
		return err
	}
	if t.lflag(abi.ICANON) {
		for len(t.lines) == 0 {
			if nonblock {
				return 0, abi.EAGAIN
			}
			if err := block(-1); err != nil {
				return 0, err
			}
			if !t.lflag(abi.ICANON) {
				return t.readRaw(dst, nonblock, block)
			}
		}
		l := t.lines[0]
		n := copy(dst, l)
		if n == len(l) {
			t.lines = t.lines[1:]
		} else {
			t.lines[0] = l[n:]
		}
		return n, nil
	}
	return t.readRaw(dst, nonblock, block)
}

// readRaw applies VMIN and VTIME (tenths of a second).
func (t *TTY) readRaw(dst []byte, nonblock bool, block func(time.Duration) error) (int, error) {
	vmin := int(t.termios.CC[abi.VMIN])
	vtime := time.Duration(t.termios.CC[abi.VTIME]) * 100 * time.Millisecond
	want := min(vmin, len(dst))
	take := func() int {
		n := copy(dst, t.raw)
		t.raw = t.raw[n:]
		if len(t.raw) == 0 {
			t.raw = nil
		}
		return n
	}
	if nonblock {
		if len(t.raw) == 0 {
			return 0, abi.EAGAIN
		}
		return take(), nil
	}
	switch {
	case vmin == 0 && vtime == 0:
		return take(), nil
	case vmin == 0:
		if len(t.raw) == 0 {
			if err := block(vtime); err != nil && err != abi.ETIMEDOUT {
				return 0, err
			}
		}
		return take(), nil
	}
	// VMIN > 0: wait for the first byte without a timeout, then (with
	// VTIME) for more until VMIN bytes or an inter-byte gap of VTIME.
	for len(t.raw) == 0 {
		if err := block(-1); err != nil {
			return 0, err
		}
	}
	for len(t.raw) < want {
		timeout := time.Duration(-1)
		if vtime > 0 {
			timeout = vtime
		}
		before := len(t.raw)
		err := block(timeout)
		if err == abi.ETIMEDOUT && len(t.raw) == before {
			break
		}
		if err != nil && err != abi.ETIMEDOUT {
			if len(t.raw) > 0 {
				break
			}
			return 0, err
		}
	}
	return take(), nil
}

// write implements write(2) on the terminal.
func (t *TTY) write(p []byte) (int, error) {
	t.mu.Lock()
	t.output(p)
	t.unlock()
	return len(p), nil
}

// Open implements devfs.Device: a session leader without O_NOCTTY opening
// a terminal no session controls acquires it as its controlling terminal
// (the task layer checks Session() to learn this happened).
func (t *TTY) Open(c *vfs.Caller, _ *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	if c != nil && flags&abi.O_NOCTTY == 0 && c.PID != 0 && c.PID == c.SID {
		t.mu.Lock()
		if t.session == 0 {
			t.session, t.pgrp = c.SID, c.PGID
		}
		t.mu.Unlock()
	}
	t.mu.Lock()
	gen := t.gen
	t.mu.Unlock()
	return &File{t: t, gen: gen}, nil
}

// Hangup hangs the terminal up (see the package doc) and returns the
// session it controlled (0 for none), whose leader the caller sends
// SIGHUP and SIGCONT, as Linux's tty_signal_session_leader does.
func (t *TTY) Hangup() (session int32) {
	t.mu.Lock()
	session = t.session
	t.gen++
	t.session, t.pgrp = 0, 0
	t.line, t.lines, t.raw, t.lnext = nil, nil, nil, false
	t.mu.Unlock()
	t.q.Notify(abi.POLLIN | abi.POLLOUT | abi.POLLERR | abi.POLLHUP | abi.POLLRDNORM | abi.POLLWRNORM)
	return session
}

// errHungUp ends a read that a hang-up interrupted (it returns 0).
var errHungUp = errors.New("tty: hung up")

// File is an open terminal; it implements vfs.FileImpl.
type File struct {
	vfs.FileDefaults
	t   *TTY
	gen uint64 // the terminal's hang-up count at open
}

// hungUp reports whether the terminal was hung up since f was opened.
func (f *File) hungUp() bool {
	f.t.mu.Lock()
	defer f.t.mu.Unlock()
	return f.gen != f.t.gen
}

// TTY returns the terminal behind the file.
func (f *File) TTY() *TTY { return f.t }

// Stream implements vfs.Streamer.
func (*File) Stream() bool { return true }

// Read implements vfs.FileImpl.
func (f *File) Read(c *vfs.Caller, fl *vfs.File, dst []byte, _ int64) (int, error) {
	n, err := f.t.read(c, dst, fl != nil && fl.Nonblocking(), f.gen)
	if err == errHungUp {
		return 0, nil
	}
	return n, err
}

// Write implements vfs.FileImpl: EIO once hung up.
func (f *File) Write(_ *vfs.Caller, _ *vfs.File, src []byte, _ int64) (int, error) {
	if f.hungUp() {
		return 0, abi.EIO
	}
	return f.t.write(src)
}

// Readiness implements vfs.FileImpl.
func (f *File) Readiness(_ *vfs.File, mask uint32) uint32 {
	f.t.mu.Lock()
	defer f.t.mu.Unlock()
	if f.gen != f.t.gen {
		return mask & (abi.POLLIN | abi.POLLOUT | abi.POLLERR | abi.POLLHUP | abi.POLLRDNORM | abi.POLLWRNORM)
	}
	ev := uint32(abi.POLLOUT | abi.POLLWRNORM)
	if f.t.readableLocked() {
		ev |= abi.POLLIN | abi.POLLRDNORM
	}
	return ev & mask
}

// EventQueue implements vfs.FileImpl.
func (f *File) EventQueue() *vfs.Queue { return &f.t.q }

// Fasync implements vfs.Fasync: O_ASYNC signals the owner, as on Linux.
func (f *File) Fasync() {}

// OpenControlling opens the caller's controlling terminal, the one among
// terms whose session is the caller's: /dev/tty. A process whose session
// has no controlling terminal gets ENXIO, as on Linux.
func OpenControlling(terms []*TTY, c *vfs.Caller, in *vfs.Inode, flags uint32) (vfs.FileImpl, error) {
	if c == nil || c.SID == 0 {
		return nil, abi.ENXIO
	}
	for _, t := range terms {
		if t.Session() == c.SID {
			return t.Open(c, in, flags|abi.O_NOCTTY)
		}
	}
	return nil, abi.ENXIO
}
