package pipe

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

func caller() *vfs.Caller { return &vfs.Caller{Blocker: vfs.ChanBlocker{}} }

func TestPipeBasics(t *testing.T) {
	c := caller()
	r, w, err := NewPair(0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.Write(c, []byte("hello")); n != 5 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	buf := make([]byte, 3)
	if n, _ := r.Read(c, buf); string(buf[:n]) != "hel" {
		t.Errorf("read %q", buf[:n])
	}
	if _, err := r.Pread(c, buf, 0); err != abi.ESPIPE {
		t.Errorf("pread = %v", err)
	}
	if _, err := r.Seek(0, abi.SEEK_SET); err != abi.ESPIPE {
		t.Errorf("lseek = %v", err)
	}
	if _, err := r.Write(c, buf); err != abi.EBADF {
		t.Errorf("write on read end = %v", err)
	}
	if ev := r.Readiness(abi.POLLIN | abi.POLLOUT); ev != abi.POLLIN {
		t.Errorf("read end readiness %#x", ev)
	}
	if ev := w.Readiness(abi.POLLIN | abi.POLLOUT); ev != abi.POLLOUT {
		t.Errorf("write end readiness %#x", ev)
	}
	w.DecRef()
	if n, _ := r.Read(c, buf); string(buf[:n]) != "lo" {
		t.Errorf("read after writer closed %q", buf[:n])
	}
	if n, err := r.Read(c, buf); n != 0 || err != nil {
		t.Errorf("EOF read = %d, %v", n, err)
	}
	if ev := r.Readiness(abi.POLLIN); ev != abi.POLLHUP {
		t.Errorf("readiness after writers gone %#x", ev)
	}
	r.DecRef()
	if _, _, err := NewPair(abi.O_APPEND); err != abi.EINVAL {
		t.Errorf("pipe2 with bad flags = %v", err)
	}
}

func TestEPIPE(t *testing.T) {
	r, w, _ := NewPair(0)
	r.DecRef()
	sig := 0
	c := &vfs.Caller{SigPipe: func() { sig++ }}
	if _, err := w.Write(c, []byte("x")); err != abi.EPIPE || sig != 1 {
		t.Errorf("write with no reader = %v, SIGPIPE %d", err, sig)
	}
	if ev := w.Readiness(abi.POLLOUT); ev&abi.POLLERR == 0 {
		t.Errorf("no POLLERR: %#x", ev)
	}
}

func TestNonblocking(t *testing.T) {
	c := caller()
	r, w, _ := NewPair(abi.O_NONBLOCK)
	defer r.DecRef()
	defer w.DecRef()
	if _, err := r.Read(c, make([]byte, 1)); err != abi.EAGAIN {
		t.Errorf("empty read = %v", err)
	}
	big := bytes.Repeat([]byte{'a'}, DefaultSize+100)
	if n, err := w.Write(c, big); n != DefaultSize || err != nil {
		t.Errorf("big write = %d, %v", n, err)
	}
	if _, err := w.Write(c, []byte("x")); err != abi.EAGAIN {
		t.Errorf("write to full pipe = %v", err)
	}
	r.Read(c, make([]byte, 100))
	// 100 bytes free: an atomic 200-byte write must not go in part.
	if _, err := w.Write(c, make([]byte, 200)); err != abi.EAGAIN {
		t.Errorf("atomic write without room = %v", err)
	}
	if n, err := w.Write(c, make([]byte, 100)); n != 100 || err != nil {
		t.Errorf("fitting write = %d, %v", n, err)
	}
	if ev := w.Readiness(abi.POLLOUT); ev != 0 {
		t.Errorf("full pipe writable: %#x", ev)
	}
}

func TestBlocking(t *testing.T) {
	c := caller()
	r, w, _ := NewPair(0)
	defer r.DecRef()
	done := make(chan string)
	go func() {
		b := make([]byte, 10)
		n, _ := r.Read(c, b)
		done <- string(b[:n])
	}()
	time.Sleep(10 * time.Millisecond)
	w.Write(c, []byte("wake"))
	if s := <-done; s != "wake" {
		t.Errorf("blocked read got %q", s)
	}
	// A large blocking write completes as the reader drains.
	big := bytes.Repeat([]byte{'b'}, 3*DefaultSize)
	got := make(chan int)
	go func() {
		total := 0
		b := make([]byte, 5000)
		for total < len(big) {
			n, _ := r.Read(c, b)
			total += n
		}
		got <- total
	}()
	if n, err := w.Write(c, big); n != len(big) || err != nil {
		t.Errorf("big blocking write = %d, %v", n, err)
	}
	if n := <-got; n != len(big) {
		t.Errorf("reader got %d", n)
	}
	// An interrupted read returns the blocker's error.
	intr := make(chan struct{})
	ic := &vfs.Caller{Blocker: vfs.ChanBlocker{Interrupt: intr}}
	errc := make(chan error)
	go func() {
		_, err := r.Read(ic, make([]byte, 1))
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	close(intr)
	if err := <-errc; err != abi.ERESTARTSYS {
		t.Errorf("interrupted read = %v", err)
	}
	// Closing the last writer wakes a blocked reader with EOF.
	go func() {
		n, err := r.Read(c, make([]byte, 1))
		if n != 0 || err != nil {
			errc <- abi.EIO
		}
		errc <- nil
	}()
	time.Sleep(10 * time.Millisecond)
	w.DecRef()
	if err := <-errc; err != nil {
		t.Errorf("reader not woken by EOF")
	}
}

type mem struct{ b [8]byte }

func (m *mem) CopyIn(a uintptr, d []byte) error  { copy(d, m.b[a:]); return nil }
func (m *mem) CopyOut(a uintptr, s []byte) error { copy(m.b[a:], s); return nil }

func TestSizeAndFIONREAD(t *testing.T) {
	r, w, _ := NewPair(abi.O_NONBLOCK)
	defer r.DecRef()
	defer w.DecRef()
	p := FromFile(r)
	for _, tc := range []struct {
		n    uint64
		priv bool
		want int
		err  error
	}{
		{1, false, 4096, nil}, {4097, false, 8192, nil}, {MaxSize, false, MaxSize, nil},
		{MaxSize + 1, false, 0, abi.EPERM}, {MaxSize + 1, true, 2 * MaxSize, nil}, {0, false, 4096, nil},
		{1<<31 + 1, true, 0, abi.EINVAL}, {1 << 63, true, 0, abi.EINVAL},
	} {
		got, err := p.SetSize(tc.n, tc.priv)
		if got != tc.want || err != tc.err {
			t.Errorf("SetSize(%d) = %d, %v; want %d, %v", tc.n, got, err, tc.want, tc.err)
		}
	}
	p.SetSize(4096, false)
	if n, _ := w.Write(&vfs.Caller{}, make([]byte, 5000)); n != 4096 {
		t.Errorf("write into a 4 KiB pipe = %d", n)
	}
	if _, err := p.SetSize(1, false); err != nil || p.Size() != 4096 {
		t.Errorf("size %d", p.Size())
	}
	m := &mem{}
	if _, err := r.Ioctl(&vfs.Caller{Mem: m}, abi.FIONREAD, 0); err != nil || m.b[0] != 0 || m.b[1] != 16 {
		t.Errorf("FIONREAD = %v % x", err, m.b)
	}
	if _, err := r.Ioctl(&vfs.Caller{Mem: m}, abi.TCGETS, 0); err != abi.ENOTTY {
		t.Errorf("TCGETS on pipe = %v", err)
	}
}

func TestFIFO(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	fifos := NewFIFOs()
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock}), vfs.Options{Clock: clock, FIFOs: fifos})
	fsc := vfs.NewFSContext(v.Root())
	c := caller()
	if err := v.MknodAt(c, fsc, nil, "/fifo", abi.S_IFIFO|0o666, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := v.OpenAt(c, fsc, nil, "/fifo", abi.O_WRONLY|abi.O_NONBLOCK, 0); err != abi.ENXIO {
		t.Errorf("nonblocking writer without reader = %v", err)
	}
	rn, err := v.OpenAt(c, fsc, nil, "/fifo", abi.O_RDONLY|abi.O_NONBLOCK, 0)
	if err != nil {
		t.Fatalf("nonblocking reader: %v", err)
	}
	rn.DecRef()
	opened := make(chan *vfs.File)
	go func() {
		f, err := v.OpenAt(c, fsc, nil, "/fifo", abi.O_RDONLY, 0)
		if err != nil {
			t.Error(err)
		}
		opened <- f
	}()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-opened:
		t.Fatal("reader open did not wait for a writer")
	default:
	}
	w, err := v.OpenAt(c, fsc, nil, "/fifo", abi.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := <-opened
	w.Write(c, []byte("через fifo"))
	b := make([]byte, 64)
	if n, _ := r.Read(c, b); string(b[:n]) != "через fifo" {
		t.Errorf("fifo read %q", b[:n])
	}
	w.DecRef()
	r.DecRef()
	rw, err := v.OpenAt(c, fsc, nil, "/fifo", abi.O_RDWR, 0)
	if err != nil {
		t.Fatalf("O_RDWR: %v", err)
	}
	rw.DecRef()
	if len(fifos.pipes) != 0 {
		t.Errorf("pipes left: %d", len(fifos.pipes))
	}
}

// TestReopenAnonymous opens an anonymous pipe's inode the way a magic link
// to it does: each access mode reaches the same pipe, without waiting for
// the other end and without ENXIO (fifo_open's is_pipe).
func TestReopenAnonymous(t *testing.T) {
	fifos := NewFIFOs()
	c := caller()
	r, w, _ := NewPair(0)
	w.DecRef() // no writer left
	for _, tt := range []struct {
		name  string
		flags uint32
	}{
		{"reader without writer", abi.O_RDONLY},
		{"nonblocking writer", abi.O_WRONLY | abi.O_NONBLOCK},
		{"writer", abi.O_WRONLY},
	} {
		impl, err := fifos.OpenFIFO(c, r.Inode, tt.flags)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if impl.(*End).Pipe() != r.Impl.(*End).Pipe() {
			t.Errorf("%s: a different pipe", tt.name)
		}
		if tt.flags&abi.O_ACCMODE == abi.O_WRONLY {
			if n, err := impl.Write(c, nil, []byte("hi"), 0); n != 2 || err != nil {
				t.Errorf("%s: write = %d, %v", tt.name, n, err)
			}
		}
		impl.Release(nil)
	}
	b := make([]byte, 8)
	if n, _ := r.Read(c, b); string(b[:n]) != "hihi" {
		t.Errorf("read %q", b[:n])
	}
	if len(fifos.pipes) != 0 {
		t.Errorf("anonymous pipe entered the FIFO table: %d", len(fifos.pipes))
	}
	r.DecRef()
}

func TestPacketMode(t *testing.T) {
	r, w, err := NewPair(abi.O_NONBLOCK | abi.O_DIRECT)
	if err != nil {
		t.Fatal(err)
	}
	defer r.DecRef()
	defer w.DecRef()
	c := &vfs.Caller{}
	if n, err := w.Write(c, []byte("x")); n != 1 || err != nil || w.Flags()&abi.O_DIRECT == 0 {
		t.Fatalf("write: %d %v, flags %#x", n, err, w.Flags())
	}
	buf := make([]byte, 100)
	// Reads return one packet at most, truncating it.
	r2, w2, _ := NewPair(abi.O_NONBLOCK | abi.O_DIRECT)
	defer r2.DecRef()
	defer w2.DecRef()
	for _, s := range []string{"one", "two2", "three"} {
		w2.Write(c, []byte(s))
	}
	var got []string
	for _, size := range []int{100, 2, 100} {
		n, err := r2.Read(c, buf[:size])
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	if strings.Join(got, ",") != "one,tw,three" {
		t.Errorf("reads %q", got)
	}
	// Each write takes a slot: 16 fill a 64 KiB pipe; a long write is
	// split into page-sized packets.
	r3, w3, _ := NewPair(abi.O_NONBLOCK | abi.O_DIRECT)
	defer r3.DecRef()
	defer w3.DecRef()
	if n, _ := w3.Write(c, make([]byte, 5000)); n != 5000 {
		t.Errorf("long packet write = %d", n)
	}
	for i := 0; i < 14; i++ {
		if _, err := w3.Write(c, []byte{1}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if _, err := w3.Write(c, []byte{1}); err != abi.EAGAIN {
		t.Errorf("17th packet: %v, want EAGAIN", err)
	}
	if n, _ := r3.Read(c, make([]byte, 8192)); n != 4096 {
		t.Errorf("first packet of the long write: %d bytes", n)
	}
}

// TestFsyncEINVAL: fsync and fdatasync on either end of a pipe fail
// with EINVAL, as on Linux.
func TestFsyncEINVAL(t *testing.T) {
	r, w, err := NewPair(0)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*vfs.File{"read end": r, "write end": w} {
		if err := f.Fsync(); err != abi.EINVAL {
			t.Errorf("%s: fsync = %v, want EINVAL", name, err)
		}
	}
}
