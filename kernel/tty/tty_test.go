package tty

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

type port struct {
	mu  sync.Mutex
	out bytes.Buffer
}

func (p *port) Write(b []byte) { p.mu.Lock(); p.out.Write(b); p.mu.Unlock() }
func (p *port) String() string { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }

type mem struct{ b [64]byte }

func (m *mem) CopyIn(a uintptr, d []byte) error  { copy(d, m.b[a:]); return nil }
func (m *mem) CopyOut(a uintptr, s []byte) error { copy(m.b[a:], s); return nil }

type sigrec struct {
	mu   sync.Mutex
	sigs []pending
}

func (s *sigrec) send(pgid int32, sig abi.Signal) {
	s.mu.Lock()
	s.sigs = append(s.sigs, pending{pgid, sig})
	s.mu.Unlock()
}

func newTTY() (*TTY, *port, *sigrec) {
	p := &port{}
	s := &sigrec{}
	return New(p, Options{Signal: s.send}), p, s
}

func leader() *vfs.Caller {
	return &vfs.Caller{Blocker: vfs.ChanBlocker{}, PID: 1, PGID: 1, SID: 1, Mem: &mem{}}
}

// readAll drains complete input without blocking.
func readAll(t *TTY) []string {
	var out []string
	c := &vfs.Caller{}
	for {
		b := make([]byte, 100)
		n, err := t.read(c, b, true, 0)
		if err != nil {
			return out
		}
		out = append(out, string(b[:n]))
	}
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		echo  string
		reads []string
	}{
		{"line", "ls\r", "ls\r\n", []string{"ls\n"}},
		{"two lines", "a\nb\n", "a\r\nb\r\n", []string{"a\n", "b\n"}},
		{"partial line", "abc", "abc", nil},
		{"erase", "ab\x7fc\r", "ab\b \bc\r\n", []string{"ac\n"}},
		{"erase on empty", "\x7fx\n", "x\r\n", []string{"x\n"}},
		{"word erase", "echo foo bar\x17baz\n", "echo foo bar\b \b\b \b\b \bbaz\r\n", []string{"echo foo baz\n"}},
		{"kill", "abc\x15d\n", "abc\b \b\b \b\b \bd\r\n", []string{"d\n"}},
		{"eof on empty line", "\x04", "", []string{""}},
		{"eof ends line", "ab\x04", "ab", []string{"ab"}},
		{"control echo", "a\x01\n", "a^A\r\n", []string{"a\x01\n"}},
		{"literal next", "\x16\x7f\n", "^\b^?\r\n", []string{"\x7f\n"}},
		{"reprint", "ab\x12", "ab^R\r\nab", nil},
		{"utf8 erase without IUTF8", "é\x7f\n", "é\b \b\r\n", []string{"\xc3\n"}},
		{"xon xoff swallowed", "a\x13\x11\n", "a\r\n", []string{"a\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt, p, _ := newTTY()
			tt.Receive([]byte(tc.input))
			if got := p.String(); got != tc.echo {
				t.Errorf("echo %q, want %q", got, tc.echo)
			}
			got := readAll(tt)
			if len(got) != len(tc.reads) {
				t.Fatalf("reads %q, want %q", got, tc.reads)
			}
			for i := range got {
				if got[i] != tc.reads[i] {
					t.Errorf("read %d = %q, want %q", i, got[i], tc.reads[i])
				}
			}
		})
	}
}

func TestSignals(t *testing.T) {
	tt, p, s := newTTY()
	c := leader()
	if _, err := tt.Open(c, nil, abi.O_RDWR); err != nil {
		t.Fatal(err)
	}
	if tt.Session() != 1 || tt.ForegroundPgrp() != 1 {
		t.Fatalf("session %d pgrp %d after a leader's open", tt.Session(), tt.ForegroundPgrp())
	}
	tt.Receive([]byte("partial\x03"))
	tt.Receive([]byte("\x1c\x1a"))
	want := []pending{{1, abi.SIGINT}, {1, abi.SIGQUIT}, {1, abi.SIGTSTP}}
	if len(s.sigs) != 3 || s.sigs[0] != want[0] || s.sigs[1] != want[1] || s.sigs[2] != want[2] {
		t.Errorf("signals %v", s.sigs)
	}
	if p.String() != "partial^C^\\^Z" {
		t.Errorf("echo %q", p.String())
	}
	if got := readAll(tt); len(got) != 0 {
		t.Errorf("input not flushed: %q", got)
	}
}

func TestOutput(t *testing.T) {
	tt, p, _ := newTTY()
	f, _ := tt.Open(nil, nil, abi.O_RDWR)
	f.Write(nil, nil, []byte("a\nb\r\n"), 0)
	if p.String() != "a\r\nb\r\r\n" {
		t.Errorf("ONLCR output %q", p.String())
	}
	c := leader()
	m := c.Mem.(*mem)
	tm := tt.Termios()
	tm.Oflag = 0
	copy(m.b[:], tm.Marshal())
	if _, err := tt.Ioctl(c, abi.TCSETS, 0); err != nil {
		t.Fatal(err)
	}
	p.out.Reset()
	f.Write(nil, nil, []byte("x\n"), 0)
	if p.String() != "x\n" {
		t.Errorf("raw output %q", p.String())
	}
}

func TestDefaultTermios(t *testing.T) {
	tt, _, _ := newTTY()
	c := leader()
	m := c.Mem.(*mem)
	if _, err := tt.Ioctl(c, abi.TCGETS2, 0); err != nil {
		t.Fatal(err)
	}
	var tm abi.Termios
	tm.Unmarshal2(m.b[:])
	// stty -F /dev/ttyS0 on a Linux serial console: speed 38400;
	// icrnl ixon opost onlcr cs8 cread hupcl isig icanon echo echoe echok
	// echoctl echoke iexten; intr ^C quit ^\ erase ^? kill ^U eof ^D.
	if tm.Iflag != abi.ICRNL|abi.IXON || tm.Oflag != abi.OPOST|abi.ONLCR ||
		tm.Cflag != abi.B38400|abi.CS8|abi.CREAD|abi.HUPCL ||
		tm.Lflag != abi.ISIG|abi.ICANON|abi.ECHO|abi.ECHOE|abi.ECHOK|abi.ECHOCTL|abi.ECHOKE|abi.IEXTEN ||
		tm.CC[abi.VINTR] != 3 || tm.CC[abi.VERASE] != 0x7f || tm.CC[abi.VMIN] != 1 || tm.Ispeed != 38400 {
		t.Errorf("default termios %+v", tm)
	}
	fast := New(&port{}, Options{Baud: abi.B115200}).Termios()
	if fast.Cflag&abi.CBAUD != abi.B115200 || fast.Ospeed != 115200 {
		t.Errorf("115200 termios %+v", fast)
	}
}

func setRaw(t *testing.T, tt *TTY, vmin, vtime byte) {
	t.Helper()
	c := leader()
	m := c.Mem.(*mem)
	tm := tt.Termios()
	tm.Lflag &^= abi.ICANON | abi.ECHO
	tm.CC[abi.VMIN], tm.CC[abi.VTIME] = vmin, vtime
	copy(m.b[:], tm.Marshal())
	if _, err := tt.Ioctl(c, abi.TCSETS, 0); err != nil {
		t.Fatal(err)
	}
}

func TestRawMode(t *testing.T) {
	c := leader()
	tt, p, _ := newTTY()
	tt.Receive([]byte("pending"))
	setRaw(t, tt, 1, 0)
	b := make([]byte, 100)
	if n, err := tt.read(c, b, false, 0); string(b[:n]) != "pending" || err != nil {
		t.Errorf("pending line carried to raw mode: %q, %v", b[:n], err)
	}
	tt.Receive([]byte("\x7fq"))
	if n, _ := tt.read(c, b, false, 0); string(b[:n]) != "\x7fq" {
		t.Errorf("raw read %q", b[:n])
	}
	if p.String() != "pending" {
		t.Errorf("echo with ECHO off: %q", p.String())
	}
	// VMIN=0, VTIME=0: poll.
	setRaw(t, tt, 0, 0)
	if n, err := tt.read(c, b, false, 0); n != 0 || err != nil {
		t.Errorf("poll read = %d, %v", n, err)
	}
	// VMIN=0, VTIME=1: 100 ms timeout.
	setRaw(t, tt, 0, 1)
	start := time.Now()
	if n, err := tt.read(c, b, false, 0); n != 0 || err != nil || time.Since(start) < 80*time.Millisecond {
		t.Errorf("timed read = %d, %v after %v", n, err, time.Since(start))
	}
	// VMIN=3: waits for three bytes.
	setRaw(t, tt, 3, 0)
	done := make(chan string)
	go func() {
		n, _ := tt.read(c, b, false, 0)
		done <- string(b[:n])
	}()
	tt.Receive([]byte("a"))
	time.Sleep(20 * time.Millisecond)
	tt.Receive([]byte("bc"))
	if s := <-done; s != "abc" {
		t.Errorf("VMIN read %q", s)
	}
	if _, err := tt.read(c, b, true, 0); err != abi.EAGAIN {
		t.Errorf("nonblocking empty read = %v", err)
	}
}

func TestBlockingCanonicalRead(t *testing.T) {
	tt, _, _ := newTTY()
	c := leader()
	done := make(chan string)
	go func() {
		b := make([]byte, 100)
		n, _ := tt.read(c, b, false, 0)
		done <- string(b[:n])
	}()
	tt.Receive([]byte("sleep 1"))
	time.Sleep(10 * time.Millisecond)
	select {
	case s := <-done:
		t.Fatalf("read returned before the line ended: %q", s)
	default:
	}
	tt.Receive([]byte("00\r"))
	if s := <-done; s != "sleep 100\n" {
		t.Errorf("read %q", s)
	}
	intr := make(chan struct{})
	ic := &vfs.Caller{Blocker: vfs.ChanBlocker{Interrupt: intr}}
	errc := make(chan error)
	go func() {
		_, err := tt.read(ic, make([]byte, 1), false, 0)
		errc <- err
	}()
	close(intr)
	if err := <-errc; err != abi.ERESTARTSYS {
		t.Errorf("interrupted read = %v", err)
	}
}

func TestCttyIoctls(t *testing.T) {
	tt, _, s := newTTY()
	other := &vfs.Caller{PID: 7, PGID: 7, SID: 7, Mem: &mem{}, Creds: vfs.Creds{UID: 1000}}
	lead := leader()
	child := &vfs.Caller{PID: 2, PGID: 2, SID: 1, Mem: &mem{}}
	tt.Open(lead, nil, abi.O_RDWR|abi.O_NOCTTY)
	if tt.Session() != 0 {
		t.Fatalf("O_NOCTTY open acquired the terminal")
	}
	for _, tc := range []struct {
		name string
		c    *vfs.Caller
		cmd  uint32
		arg  uintptr
		err  error
	}{
		{"gpgrp without ctty", lead, abi.TIOCGPGRP, 0, abi.ENOTTY},
		{"sctty by non-leader", child, abi.TIOCSCTTY, 0, abi.EPERM},
		{"sctty", lead, abi.TIOCSCTTY, 0, nil},
		{"sctty again", lead, abi.TIOCSCTTY, 0, nil},
		{"sctty steal by user", other, abi.TIOCSCTTY, 1, abi.EPERM},
		{"gpgrp", lead, abi.TIOCGPGRP, 0, nil},
		{"gpgrp other session", other, abi.TIOCGPGRP, 0, abi.ENOTTY},
		{"spgrp", child, abi.TIOCSPGRP, 8, nil},
		{"spgrp other session", other, abi.TIOCSPGRP, 8, abi.ENOTTY},
		{"gsid", child, abi.TIOCGSID, 0, nil},
		{"unknown", lead, 0x1234, 0, abi.ENOTTY},
		{"tcflsh bad", lead, abi.TCFLSH, 9, abi.EINVAL},
		{"notty other session", other, abi.TIOCNOTTY, 0, abi.ENOTTY},
		{"notty", lead, abi.TIOCNOTTY, 0, nil},
	} {
		if tc.cmd == abi.TIOCSPGRP {
			copy(tc.c.Mem.(*mem).b[8:], []byte{2, 0, 0, 0})
		}
		if _, err := tt.Ioctl(tc.c, tc.cmd, tc.arg); err != tc.err {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
		if tc.name == "gpgrp" && lead.Mem.(*mem).b[0] != 1 {
			t.Errorf("TIOCGPGRP wrote %d", lead.Mem.(*mem).b[0])
		}
		if tc.name == "gsid" && child.Mem.(*mem).b[0] != 1 {
			t.Errorf("TIOCGSID wrote %d", child.Mem.(*mem).b[0])
		}
	}
	if tt.Session() != 0 {
		t.Errorf("TIOCNOTTY by the leader left session %d", tt.Session())
	}
	if len(s.sigs) != 2 || s.sigs[0] != (pending{2, abi.SIGHUP}) || s.sigs[1] != (pending{2, abi.SIGCONT}) {
		t.Errorf("TIOCNOTTY signals %v", s.sigs)
	}
	// Window size: set, get, SIGWINCH only on change.
	tt.Open(lead, nil, abi.O_RDWR)
	m := lead.Mem.(*mem)
	ws := abi.Winsize{Row: 24, Col: 80}
	copy(m.b[:], ws.Marshal())
	tt.Ioctl(lead, abi.TIOCSWINSZ, 0)
	tt.Ioctl(lead, abi.TIOCSWINSZ, 0)
	clear(m.b[:])
	tt.Ioctl(lead, abi.TIOCGWINSZ, 0)
	var got abi.Winsize
	got.Unmarshal(m.b[:])
	if got != ws {
		t.Errorf("winsize %+v", got)
	}
	if n := len(s.sigs); n != 3 || s.sigs[2].sig != abi.SIGWINCH {
		t.Errorf("SIGWINCH: %v", s.sigs)
	}
	tt.Receive([]byte("abc\nde"))
	tt.Ioctl(lead, abi.FIONREAD, 0)
	if m.b[0] != 4 {
		t.Errorf("FIONREAD = %d", m.b[0])
	}
}

func TestHangup(t *testing.T) {
	tt, p, _ := newTTY()
	c := &vfs.Caller{PID: 5, PGID: 5, SID: 5, Blocker: vfs.ChanBlocker{}, Mem: &mem{}}
	impl, err := tt.Open(c, nil, abi.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	old := impl.(*File)
	tt.Receive([]byte("typed\n"))
	if sid := tt.Hangup(); sid != 5 {
		t.Errorf("hangup returned session %d", sid)
	}
	b := make([]byte, 16)
	if n, err := old.Read(c, nil, b, 0); n != 0 || err != nil {
		t.Errorf("read after hangup: %d %v", n, err)
	}
	if _, err := old.Write(c, nil, []byte("x"), 0); err != abi.EIO {
		t.Errorf("write after hangup: %v", err)
	}
	if _, err := old.Ioctl(c, nil, abi.TIOCGPGRP, 0); err != abi.EIO {
		t.Errorf("ioctl after hangup: %v", err)
	}
	if _, err := old.Ioctl(c, nil, abi.TIOCSPGRP, 0); err != abi.ENOTTY {
		t.Errorf("TIOCSPGRP after hangup: %v", err)
	}
	if ev := old.Readiness(nil, abi.POLLIN|abi.POLLHUP); ev != abi.POLLIN|abi.POLLHUP {
		t.Errorf("readiness after hangup: %#x", ev)
	}
	if tt.Session() != 0 {
		t.Error("still controls a session")
	}
	impl, _ = tt.Open(&vfs.Caller{}, nil, abi.O_RDWR|abi.O_NONBLOCK)
	if _, err := impl.(*File).Write(c, nil, []byte("new"), 0); err != nil || !bytes.Contains([]byte(p.String()), []byte("new")) {
		t.Errorf("a new open writes: %v %q", err, p.String())
	}
}
