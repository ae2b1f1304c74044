package vfs

import (
	"testing"
	"time"

	"aramid/kernel/abi"
)

type countImpl struct {
	FileDefaults
	released *int
}

func (c countImpl) Release(*File) { *c.released++ }

func newCounted() (*File, *int) {
	n := new(int)
	return NewFile(countImpl{released: n}, nil, Path{}, abi.O_RDWR), n
}

func TestFDTable(t *testing.T) {
	tab := NewFDTable()
	f, released := newCounted()
	for _, want := range []int32{0} {
		if fd, err := tab.Install(f, false, 0); fd != want || err != nil {
			t.Fatalf("Install = %d, %v", fd, err)
		}
	}
	for _, tc := range []struct {
		name string
		op   func() (int32, error)
		want int32
		err  error
	}{
		{"dup", func() (int32, error) { return tab.Dup(0, 0, false) }, 1, nil},
		{"dup min", func() (int32, error) { return tab.Dup(0, 10, true) }, 10, nil},
		{"dup lowest", func() (int32, error) { return tab.Dup(0, 0, false) }, 2, nil},
		{"dup bad", func() (int32, error) { return tab.Dup(99, 0, false) }, -1, abi.EBADF},
		{"dup2 same", func() (int32, error) { return tab.Dup3(1, 1, false, true) }, 1, nil},
		{"dup3 same", func() (int32, error) { return tab.Dup3(1, 1, false, false) }, -1, abi.EINVAL},
		{"dup2 closed same", func() (int32, error) { return tab.Dup3(7, 7, false, true) }, -1, abi.EBADF},
		{"dup2 over", func() (int32, error) { return tab.Dup3(0, 2, true, true) }, 2, nil},
		{"dup2 to limit", func() (int32, error) { return tab.Dup3(0, DefaultFDLimit, false, true) }, -1, abi.EBADF},
		{"dup min at limit", func() (int32, error) { return tab.Dup(0, DefaultFDLimit, false) }, -1, abi.EMFILE},
		{"dup negative min", func() (int32, error) { return tab.Dup(0, -1, false) }, -1, abi.EINVAL},
	} {
		got, err := tc.op()
		if got != tc.want || err != tc.err {
			t.Errorf("%s = %d, %v; want %d, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
	if fl, _ := tab.GetFD(10); fl != abi.FD_CLOEXEC {
		t.Errorf("F_GETFD(10) = %d", fl)
	}
	if fl, _ := tab.GetFD(2); fl != abi.FD_CLOEXEC {
		t.Errorf("dup3 O_CLOEXEC not recorded")
	}
	if _, err := tab.GetFD(5); err != abi.EBADF {
		t.Errorf("F_GETFD on closed = %v", err)
	}
	child := tab.Fork()
	tab.CloseOnExec()
	if got := tab.Fds(); len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Errorf("after CloseOnExec: %v", got)
	}
	if got := child.Fds(); len(got) != 4 {
		t.Errorf("fork copy: %v", got)
	}
	if err := tab.CloseRange(0, ^uint32(0), 0); err != nil {
		t.Fatal(err)
	}
	if *released != 0 {
		t.Errorf("released while the child still holds references")
	}
	child.CloseAll()
	if *released != 1 {
		t.Errorf("released %d times, want 1", *released)
	}
	if err := tab.CloseRange(5, 4, 0); err != abi.EINVAL {
		t.Errorf("close_range first > last = %v", err)
	}
	if err := tab.Close(0); err != abi.EBADF {
		t.Errorf("close of closed = %v", err)
	}
	g, _ := newCounted()
	tab.Install(g, false, 0)
	tab.Dup(0, 3, false)
	tab.CloseRange(0, 10, abi.CLOSE_RANGE_CLOEXEC)
	if fl, _ := tab.GetFD(3); fl != abi.FD_CLOEXEC {
		t.Errorf("CLOSE_RANGE_CLOEXEC did not mark")
	}
	tab.SetLimit(2)
	tab.Dup(0, 0, false) // fills fd 1
	h, hr := newCounted()
	if _, err := tab.Install(h, false, 0); err != abi.EMFILE || *hr != 1 {
		t.Errorf("install beyond limit = %v (released %d)", err, *hr)
	}
}

type fakeMem struct{ b []byte }

func (m *fakeMem) CopyIn(addr uintptr, dst []byte) error {
	if int(addr)+len(dst) > len(m.b) {
		return abi.EFAULT
	}
	copy(dst, m.b[addr:])
	return nil
}
func (m *fakeMem) CopyOut(addr uintptr, src []byte) error {
	if int(addr)+len(src) > len(m.b) {
		return abi.EFAULT
	}
	copy(m.b[addr:], src)
	return nil
}

func TestFDIoctl(t *testing.T) {
	tab := NewFDTable()
	f, _ := newCounted()
	tab.Install(f, false, 0)
	c := &Caller{Mem: &fakeMem{b: []byte{1, 0, 0, 0, 0, 0, 0, 0}}}
	if _, err := tab.Ioctl(c, 0, abi.FIOCLEX, 0); err != nil {
		t.Fatal(err)
	}
	if fl, _ := tab.GetFD(0); fl != abi.FD_CLOEXEC {
		t.Errorf("FIOCLEX")
	}
	tab.Ioctl(c, 0, abi.FIONCLEX, 0)
	if fl, _ := tab.GetFD(0); fl != 0 {
		t.Errorf("FIONCLEX")
	}
	tab.Ioctl(c, 0, abi.FIONBIO, 0)
	if !f.Nonblocking() {
		t.Errorf("FIONBIO 1")
	}
	tab.Ioctl(c, 0, abi.FIONBIO, 4)
	if f.Nonblocking() {
		t.Errorf("FIONBIO 0")
	}
	if _, err := tab.Ioctl(c, 0, abi.TCGETS, 0); err != abi.ENOTTY {
		t.Errorf("default ioctl = %v, want ENOTTY", err)
	}
	if _, err := tab.Ioctl(c, 9, abi.TCGETS, 0); err != abi.EBADF {
		t.Errorf("ioctl on bad fd = %v", err)
	}
	f.SetFlags(abi.O_APPEND | abi.O_RDONLY | abi.O_CREAT)
	if f.Flags() != abi.O_RDWR|abi.O_APPEND {
		t.Errorf("F_SETFL changed access mode: %#x", f.Flags())
	}
}

func TestQueueAndBlocker(t *testing.T) {
	var q Queue
	w := NewWaiter()
	q.Register(w, abi.POLLIN)
	q.Notify(abi.POLLOUT)
	select {
	case <-w.C():
		t.Fatal("woken for an event it did not ask for")
	default:
	}
	q.Notify(abi.POLLIN)
	q.Notify(abi.POLLIN)
	b := ChanBlocker{}
	if err := b.Block(w.C(), time.Second); err != nil {
		t.Fatalf("Block = %v", err)
	}
	if err := b.Block(w.C(), time.Millisecond); err != abi.ETIMEDOUT {
		t.Errorf("Block with nothing pending = %v", err)
	}
	intr := make(chan struct{})
	close(intr)
	if err := (ChanBlocker{Interrupt: intr}).Block(w.C(), -1); err != abi.ERESTARTSYS {
		t.Errorf("interrupted Block = %v", err)
	}
	q.Unregister(w)
	q.Notify(abi.POLLIN)
	if err := b.Block(w.C(), 0); err != abi.ETIMEDOUT {
		t.Errorf("woken after Unregister")
	}
	var nilCaller *Caller
	if err := nilCaller.Block(w.C(), -1); err != abi.EAGAIN {
		t.Errorf("Block without a blocker = %v", err)
	}
}

func TestPermission(t *testing.T) {
	for _, tc := range []struct {
		creds Creds
		mode  uint32
		mask  uint32
		err   error
	}{
		{Creds{UID: 1}, abi.S_IFREG | 0o400, MayRead, nil},
		{Creds{UID: 1}, abi.S_IFREG | 0o400, MayWrite, abi.EACCES},
		{Creds{UID: 2, GID: 7}, abi.S_IFREG | 0o040, MayRead, nil},
		{Creds{UID: 2, GID: 8, Groups: []uint32{7}}, abi.S_IFREG | 0o040, MayRead, nil},
		{Creds{UID: 1}, abi.S_IFREG | 0o077, MayRead, abi.EACCES}, // owner bits win
		{Creds{UID: 3, GID: 3}, abi.S_IFREG | 0o004, MayRead, nil},
		{Creds{UID: 0}, abi.S_IFREG | 0o000, MayRead | MayWrite, nil},
		{Creds{UID: 0}, abi.S_IFREG | 0o000, MayExec, abi.EACCES},
		{Creds{UID: 0}, abi.S_IFREG | 0o001, MayExec, nil},
		{Creds{UID: 0}, abi.S_IFDIR | 0o000, MayExec, nil},
		// Root without capabilities is an ordinary user; a user with
		// them is not.
		{Creds{UID: 0, CapsValid: true}, abi.S_IFREG | 0o000, MayRead, abi.EACCES},
		{Creds{UID: 0, CapsValid: true, Caps: 1 << abi.CAP_DAC_READ_SEARCH}, abi.S_IFREG | 0o000, MayRead, nil},
		{Creds{UID: 0, CapsValid: true, Caps: 1 << abi.CAP_DAC_READ_SEARCH}, abi.S_IFREG | 0o000, MayWrite, abi.EACCES},
		{Creds{UID: 0, CapsValid: true, Caps: 1 << abi.CAP_DAC_READ_SEARCH}, abi.S_IFDIR | 0o000, MayExec, nil},
		{Creds{UID: 0, CapsValid: true, Caps: 1 << abi.CAP_DAC_READ_SEARCH}, abi.S_IFDIR | 0o000, MayWrite, abi.EACCES},
		{Creds{UID: 5, CapsValid: true, Caps: 1 << abi.CAP_DAC_OVERRIDE}, abi.S_IFREG | 0o000, MayWrite, nil},
		{Creds{UID: 5, CapsValid: true, Caps: 1 << abi.CAP_DAC_OVERRIDE}, abi.S_IFREG | 0o000, MayExec, abi.EACCES},
		{Creds{UID: 5, CapsValid: true, Caps: 1 << abi.CAP_DAC_OVERRIDE}, abi.S_IFDIR | 0o000, MayWrite | MayExec, nil},
	} {
		a := Attr{Mode: tc.mode, UID: 1, GID: 7}
		if err := CheckPermission(&tc.creds, &a, tc.mask); err != tc.err {
			t.Errorf("%+v mode %o mask %d = %v, want %v", tc.creds, tc.mode, tc.mask, err, tc.err)
		}
	}
}
