package tty

import (
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

func TestPty(t *testing.T) {
	m := NewPtys(Options{})
	var created, released []int
	m.Created = func(p *Pty) error { created = append(created, p.Index); return nil }
	m.Released = func(p *Pty) { released = append(released, p.Index) }
	c := &vfs.Caller{Blocker: vfs.ChanBlocker{}, Mem: &mem{}}
	impl, err := m.Open(c, nil, abi.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	master := impl.(*Master)
	if _, err := master.Ioctl(c, nil, abi.TIOCGPTN, 0); err != nil || c.Mem.(*mem).b[0] != 0 {
		t.Fatalf("TIOCGPTN: %v, %d", err, c.Mem.(*mem).b[0])
	}
	p := m.Get(0)
	if _, err := p.OpenSlave(c, nil, abi.O_RDWR|abi.O_NOCTTY); err != abi.EIO {
		t.Fatalf("open of a locked slave: %v, want EIO", err)
	}
	c.Mem.(*mem).b[4] = 0
	if _, err := master.Ioctl(c, nil, abi.TIOCSPTLCK, 4); err != nil {
		t.Fatal(err)
	}
	sl, err := p.OpenSlave(c, nil, abi.O_RDWR|abi.O_NOCTTY)
	if err != nil {
		t.Fatal(err)
	}
	slave := sl.(*slaveFile)
	// Master writes are the slave's input; the echo comes back to the master.
	if _, err := master.Write(c, nil, []byte("hi\n"), 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := slave.Read(c, nil, buf, 0); err != nil || string(buf[:n]) != "hi\n" {
		t.Errorf("slave read %q, %v", buf[:n], err)
	}
	if n, err := master.Read(c, nil, buf, 0); err != nil || string(buf[:n]) != "hi\r\n" {
		t.Errorf("master read (echo) %q, %v", buf[:n], err)
	}
	// Slave output reaches the master after output processing (ONLCR).
	if _, err := slave.Write(c, nil, []byte("out\n"), 0); err != nil {
		t.Fatal(err)
	}
	if n, err := master.Read(c, nil, buf, 0); err != nil || string(buf[:n]) != "out\r\n" {
		t.Errorf("master read %q, %v", buf[:n], err)
	}
	if got := master.Readiness(nil, abi.POLLIN|abi.POLLOUT); got != abi.POLLOUT {
		t.Errorf("readiness with nothing queued = %#x", got)
	}
	master.Release(nil)
	if m.Get(0) != nil || len(released) != 1 || len(created) != 1 {
		t.Errorf("after release: pty %v, created %v, released %v", m.Get(0), created, released)
	}
	if _, err := p.OpenSlave(c, nil, abi.O_RDWR); err != abi.EIO {
		t.Errorf("open after hangup: %v, want EIO", err)
	}
}

// TestPtySlaveHangup: when the last open description of the slave goes,
// master reads drain what is queued and then fail with EIO, and readiness
// adds POLLHUP; one description closing of two changes nothing, and a new
// open of the slave clears the hangup (Linux's TTY_OTHER_CLOSED).
func TestPtySlaveHangup(t *testing.T) {
	m := NewPtys(Options{})
	c := &vfs.Caller{Blocker: vfs.ChanBlocker{}, Mem: &mem{}}
	impl, err := m.Open(c, nil, abi.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	master := impl.(*Master)
	p := m.Get(0)
	p.locked = false
	open := func() *slaveFile {
		sl, err := p.OpenSlave(c, nil, abi.O_RDWR|abi.O_NOCTTY)
		if err != nil {
			t.Fatal(err)
		}
		return sl.(*slaveFile)
	}
	a, b := open(), open()
	if _, err := a.Write(c, nil, []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	a.Release(nil)
	if got := master.Readiness(nil, abi.POLLIN|abi.POLLHUP); got != abi.POLLIN {
		t.Errorf("one of two slave descriptions closed: readiness %#x, want POLLIN", got)
	}
	b.Release(nil)
	if got := master.Readiness(nil, abi.POLLIN|abi.POLLHUP); got != abi.POLLIN|abi.POLLHUP {
		t.Errorf("all closed: readiness %#x, want POLLIN|POLLHUP", got)
	}
	buf := make([]byte, 8)
	if n, err := master.Read(c, nil, buf, 0); err != nil || string(buf[:n]) != "x" {
		t.Errorf("drain: %q, %v", buf[:n], err)
	}
	for i := 0; i < 2; i++ {
		if n, err := master.Read(c, nil, buf, 0); err != abi.EIO {
			t.Errorf("read %d after drain: %d, %v, want EIO", i, n, err)
		}
	}
	open()
	if got := master.Readiness(nil, abi.POLLIN|abi.POLLHUP); got != 0 {
		t.Errorf("reopened: readiness %#x, want 0", got)
	}
}
