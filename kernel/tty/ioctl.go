package tty

import (
	"encoding/binary"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

func copyOut(c *vfs.Caller, addr uintptr, b []byte) error {
	if c == nil || c.Mem == nil {
		return abi.EFAULT
	}
	return c.Mem.CopyOut(addr, b)
}

func copyIn(c *vfs.Caller, addr uintptr, b []byte) error {
	if c == nil || c.Mem == nil {
		return abi.EFAULT
	}
	return c.Mem.CopyIn(addr, b)
}

func putInt(c *vfs.Caller, addr uintptr, v int32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(v))
	return copyOut(c, addr, b[:])
}

func getInt(c *vfs.Caller, addr uintptr) (int32, error) {
	var b [4]byte
	if err := copyIn(c, addr, b[:]); err != nil {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(b[:])), nil
}

// Ioctl implements the terminal ioctls; anything else is ENOTTY. Once the
// terminal is hung up every ioctl is EIO but TIOCSPGRP (ENOTTY), as
// Linux's hung_up_tty_ioctl.
func (f *File) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	if f.hungUp() {
		if cmd == abi.TIOCSPGRP {
			return 0, abi.ENOTTY
		}
		return 0, abi.EIO
	}
	return f.t.Ioctl(c, cmd, arg)
}

// Ioctl implements the terminal ioctls for caller c.
func (t *TTY) Ioctl(c *vfs.Caller, cmd uint32, arg uintptr) (uintptr, error) {
	switch cmd {
	case abi.TCGETS, abi.TCGETS2:
		tm := t.Termios()
		b := tm.Marshal()
		if cmd == abi.TCGETS2 {
			b = tm.Marshal2()
		}
		return 0, copyOut(c, arg, b)
	case abi.TCSETS, abi.TCSETSW, abi.TCSETSF, abi.TCSETS2, abi.TCSETSW2, abi.TCSETSF2:
		two := cmd == abi.TCSETS2 || cmd == abi.TCSETSW2 || cmd == abi.TCSETSF2
		size := abi.SizeofTermios
		if two {
			size = abi.SizeofTermios2
		}
		b := make([]byte, size)
		if err := copyIn(c, arg, b); err != nil {
			return 0, err
		}
		t.mu.Lock()
		n := t.termios
		if two {
			n.Unmarshal2(b)
		} else {
			n.Unmarshal(b)
			if r := abi.BaudRate(n.Cflag); r != 0 {
				n.Ispeed, n.Ospeed = r, r
			}
		}
		if cmd == abi.TCSETSF || cmd == abi.TCSETSF2 {
			t.line, t.lines, t.raw = nil, nil, nil
		}
		t.setTermios(n)
		t.unlock()
		return 0, nil
	case abi.TIOCGWINSZ:
		t.mu.Lock()
		ws := t.winsize
		t.mu.Unlock()
		return 0, copyOut(c, arg, ws.Marshal())
	case abi.TIOCSWINSZ:
		b := make([]byte, abi.SizeofWinsize)
		if err := copyIn(c, arg, b); err != nil {
			return 0, err
		}
		var ws abi.Winsize
		ws.Unmarshal(b)
		t.mu.Lock()
		if ws != t.winsize {
			t.winsize = ws
			t.raise(abi.SIGWINCH)
		}
		t.unlock()
		return 0, nil
	case abi.FIONREAD:
		t.mu.Lock()
		n := t.availableLocked()
		t.mu.Unlock()
		return 0, putInt(c, arg, int32(n))
	case abi.TIOCSCTTY:
		return 0, t.setCtty(c, arg == 1)
	case abi.TIOCNOTTY:
		return 0, t.noCtty(c)
	case abi.TIOCGPGRP, abi.TIOCGSID:
		t.mu.Lock()
		sess, pgrp := t.session, t.pgrp
		t.mu.Unlock()
		if c == nil || sess == 0 || sess != c.SID {
			return 0, abi.ENOTTY
		}
		if cmd == abi.TIOCGSID {
			return 0, putInt(c, arg, sess)
		}
		return 0, putInt(c, arg, pgrp)
	case abi.TIOCSPGRP:
		pgid, err := getInt(c, arg)
		if err != nil {
			return 0, err
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.session == 0 || t.session != c.SID {
			return 0, abi.ENOTTY
		}
		if pgid < 0 {
			return 0, abi.EINVAL
		}
		if t.opts.PgrpInSession != nil && !t.opts.PgrpInSession(pgid, c.SID) {
			return 0, abi.EPERM
		}
		t.pgrp = pgid
		return 0, nil
	case abi.TCFLSH:
		t.mu.Lock()
		defer t.mu.Unlock()
		switch arg {
		case abi.TCIFLUSH, abi.TCIOFLUSH:
			t.line, t.lines, t.raw = nil, nil, nil
		case abi.TCOFLUSH:
		default:
			return 0, abi.EINVAL
		}
		return 0, nil
	case abi.TCSBRK, abi.TCSBRKP, abi.TCXONC, abi.TIOCEXCL, abi.TIOCNXCL:
		return 0, nil // output is never queued; exclusivity is not enforced
	case abi.TIOCOUTQ:
		return 0, putInt(c, arg, 0)
	case abi.TIOCGETD:
		return 0, putInt(c, arg, 0) // N_TTY
	case abi.TIOCSETD:
		d, err := getInt(c, arg)
		if err != nil {
			return 0, err
		}
		if d != 0 {
			return 0, abi.EINVAL
		}
		return 0, nil
	}
	return 0, abi.ENOTTY
}

// setCtty implements TIOCSCTTY: the caller must be a session leader; a
// terminal controlled by another session can be stolen only by root with
// force set. The caller's session must not already have another terminal —
// the task layer checks that before calling.
func (t *TTY) setCtty(c *vfs.Caller, force bool) error {
	if c == nil || c.PID != c.SID {
		return abi.EPERM
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.session == c.SID {
		return nil
	}
	if t.session != 0 && !(force && c.Capable(abi.CAP_SYS_ADMIN)) {
		return abi.EPERM
	}
	t.session, t.pgrp = c.SID, c.PGID
	return nil
}

// noCtty implements TIOCNOTTY: ENOTTY unless this is the caller's
// controlling terminal; a session leader giving it up sends SIGHUP and
// SIGCONT to the foreground group and the terminal becomes free.
func (t *TTY) noCtty(c *vfs.Caller) error {
	t.mu.Lock()
	if c == nil || t.session == 0 || t.session != c.SID {
		t.mu.Unlock()
		return abi.ENOTTY
	}
	if c.PID == c.SID {
		t.raise(abi.SIGHUP)
		t.raise(abi.SIGCONT)
		t.session, t.pgrp = 0, 0
	}
	t.unlock()
	return nil
}
