package unix

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/fs/tmpfs"
	"aramid/kernel/vfs"
)

// The expected values below were observed on Linux 6.18 (x86_64) with
// small C programs doing the same calls.

func caller() *vfs.Caller { return &vfs.Caller{Blocker: vfs.ChanBlocker{}, PID: 100} }

func newFS(t *testing.T) (*vfs.VFS, *vfs.FSContext) {
	t.Helper()
	clock := func() time.Time { return time.Unix(1, 0) }
	v := vfs.New(tmpfs.New(tmpfs.Options{Clock: clock}), vfs.Options{Clock: clock})
	return v, vfs.NewFSContext(v.Root())
}

func sock(f *vfs.File) *Socket { return FromFile(f) }

func pair(t *testing.T, ns *Namespace, typ int) (*vfs.File, *vfs.File) {
	t.Helper()
	a, b, err := ns.Pair(caller(), nil, typ, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func send(t *testing.T, f *vfs.File, s string, flags int) {
	t.Helper()
	if n, err := sock(f).SendMsg(caller(), f, []byte(s), SendOpts{Flags: flags}); n != len(s) || err != nil {
		t.Fatalf("send %q = %d, %v", s, n, err)
	}
}

func recv(f *vfs.File, size, flags int) (string, RecvResult, error) {
	b := make([]byte, size)
	r, err := sock(f).RecvMsg(caller(), f, b, flags)
	return string(b[:min(r.N, size)]), r, err
}

func TestAddr(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want Addr
		err  error
		out  int // Marshal length
	}{
		{[]byte{1, 0}, Addr{}, nil, 2},
		{[]byte{1}, Addr{}, abi.EINVAL, 0},
		{[]byte{2, 0, 'a'}, Addr{}, abi.EINVAL, 0},
		{append([]byte{1, 0}, "/tmp/probe/s1\x00junk"...), Addr{Name: "/tmp/probe/s1"}, nil, 16},
		{append([]byte{1, 0, 0}, "aramid-test"...), Addr{Name: "aramid-test", Abstract: true}, nil, 14},
		{append([]byte{1, 0, 0}, "a\x00b"...), Addr{Name: "a\x00b", Abstract: true}, nil, 6},
		{make([]byte, 111), Addr{}, abi.EINVAL, 0},
	} {
		a, err := ParseAddr(tc.in)
		if err != tc.err || a != tc.want {
			t.Errorf("ParseAddr(%q) = %v, %v; want %v, %v", tc.in, a, err, tc.want, tc.err)
		}
		if err == nil && len(a.Marshal()) != tc.out {
			t.Errorf("%v marshals to %d bytes, want %d", a, len(a.Marshal()), tc.out)
		}
	}
}

func TestStreamPair(t *testing.T) {
	ns := NewNamespace(nil)
	a, b := pair(t, ns, abi.SOCK_STREAM)
	defer b.DecRef()
	if ev := a.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLRDHUP); ev != abi.POLLOUT {
		t.Errorf("fresh pair readiness %#x, Linux 0x4", ev)
	}
	c := caller()
	if n, err := a.Write(c, []byte("hello")); n != 5 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	send(t, a, "world", 0)
	if n := sock(b).Pending(); n != 10 {
		t.Errorf("FIONREAD = %d", n)
	}
	if s, _, _ := recv(b, 3, abi.MSG_PEEK); s != "hel" {
		t.Errorf("peek %q", s)
	}
	if s, _, _ := recv(b, 100, abi.MSG_PEEK); s != "helloworld" {
		t.Errorf("peek across messages %q", s)
	}
	buf := make([]byte, 7)
	if n, _ := b.Read(c, buf); string(buf[:n]) != "hellowo" {
		t.Errorf("read %q", buf[:n])
	}
	if s, _, err := recv(b, 100, abi.MSG_DONTWAIT); s != "rld" || err != nil {
		t.Errorf("recv %q %v", s, err)
	}
	if _, _, err := recv(b, 100, abi.MSG_DONTWAIT); err != abi.EAGAIN {
		t.Errorf("empty recv = %v", err)
	}
	// SHUT_WR: the peer reads EOF and sees POLLIN|POLLRDHUP; our writes
	// are EPIPE with SIGPIPE unless MSG_NOSIGNAL.
	if err := sock(a).Shutdown(abi.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	if ev := a.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLRDHUP); ev != abi.POLLOUT {
		t.Errorf("after SHUT_WR self %#x, Linux 0x4", ev)
	}
	if ev := b.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLRDHUP); ev != 0x2005 {
		t.Errorf("after SHUT_WR peer %#x, Linux 0x2005", ev)
	}
	sig := 0
	pc := &vfs.Caller{SigPipe: func() { sig++ }}
	if _, err := a.Write(pc, []byte("x")); err != abi.EPIPE || sig != 1 {
		t.Errorf("write after SHUT_WR = %v, SIGPIPE %d", err, sig)
	}
	if _, err := sock(a).SendMsg(pc, a, []byte("x"), SendOpts{Flags: abi.MSG_NOSIGNAL}); err != abi.EPIPE || sig != 1 {
		t.Errorf("MSG_NOSIGNAL send = %v, SIGPIPE %d", err, sig)
	}
	if n, err := b.Read(c, buf); n != 0 || err != nil {
		t.Errorf("EOF read = %d, %v", n, err)
	}
	a.DecRef()
	if ev := b.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLRDHUP); ev != 0x2015 {
		t.Errorf("peer closed readiness %#x, Linux 0x2015", ev)
	}
	if _, err := b.Write(pc, []byte("x")); err != abi.EPIPE || sig != 2 {
		t.Errorf("write to closed peer = %v", err)
	}
}

func TestCloseWithUnreadData(t *testing.T) {
	ns := NewNamespace(nil)
	a, b := pair(t, ns, abi.SOCK_STREAM)
	send(t, a, "abc", 0)
	b.DecRef()
	if ev := a.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLRDHUP); ev != 0x201d {
		t.Errorf("readiness %#x, Linux 0x201d", ev)
	}
	if _, _, err := recv(a, 1, 0); err != abi.ECONNRESET {
		t.Errorf("first read = %v, Linux ECONNRESET", err)
	}
	if s, _, err := recv(a, 1, 0); s != "" || err != nil {
		t.Errorf("second read %q %v, Linux EOF", s, err)
	}
	a.DecRef()
}

func TestUnconnected(t *testing.T) {
	ns := NewNamespace(nil)
	c := caller()
	for _, tc := range []struct {
		typ       int
		readiness uint32
		writeErr  error
		listenErr error
	}{
		{abi.SOCK_STREAM, 0x14, abi.ENOTCONN, abi.EINVAL},
		{abi.SOCK_SEQPACKET, 0x14, abi.ENOTCONN, abi.EINVAL},
		{abi.SOCK_DGRAM, 0x4, abi.ENOTCONN, abi.EOPNOTSUPP},
	} {
		f, err := ns.NewFile(tc.typ, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		s := sock(f)
		if ev := f.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLRDHUP); ev != tc.readiness {
			t.Errorf("type %d readiness %#x, Linux %#x", tc.typ, ev, tc.readiness)
		}
		if _, err := f.Write(c, []byte("x")); err != tc.writeErr {
			t.Errorf("type %d write = %v", tc.typ, err)
		}
		if err := s.Listen(c, nil, 1); err != tc.listenErr {
			t.Errorf("type %d unbound listen = %v", tc.typ, err)
		}
		if err := s.Shutdown(abi.SHUT_RDWR); err != nil {
			t.Errorf("shutdown unconnected = %v, Linux 0", err)
		}
		if err := s.Shutdown(5); err != abi.EINVAL {
			t.Errorf("shutdown(5) = %v", err)
		}
		if _, err := s.PeerName(); err != abi.ENOTCONN {
			t.Errorf("getpeername = %v", err)
		}
		if len(s.Name().Marshal()) != 2 {
			t.Errorf("unbound name %v", s.Name())
		}
		f.DecRef()
	}
	if _, err := ns.NewFile(abi.SOCK_RDM, 0, 0); err != abi.ESOCKTNOSUPPORT {
		t.Errorf("SOCK_RDM = %v", err)
	}
	if _, err := ns.NewFile(abi.SOCK_STREAM, 6, 0); err != abi.EPROTONOSUPPORT {
		t.Errorf("protocol 6 = %v", err)
	}
}

func TestDatagram(t *testing.T) {
	ns := NewNamespace(nil)
	a, b := pair(t, ns, abi.SOCK_DGRAM)
	send(t, a, "hello", 0)
	send(t, a, "ab", 0)
	send(t, a, "", 0)
	if n := sock(b).Pending(); n != 5 {
		t.Errorf("FIONREAD = %d, Linux 5 (next datagram)", n)
	}
	if s, r, _ := recv(b, 2, abi.MSG_TRUNC); s != "he" || r.N != 5 || r.Flags != abi.MSG_TRUNC {
		t.Errorf("MSG_TRUNC recv %q n=%d flags %#x", s, r.N, r.Flags)
	}
	if s, r, _ := recv(b, 1, abi.MSG_PEEK); s != "a" || r.N != 1 || r.Flags != abi.MSG_TRUNC {
		t.Errorf("peek %q n=%d flags %#x", s, r.N, r.Flags)
	}
	if s, _, _ := recv(b, 10, 0); s != "ab" {
		t.Errorf("recv %q", s)
	}
	if s, r, err := recv(b, 10, 0); s != "" || r.N != 0 || err != nil {
		t.Errorf("empty datagram %q %v", s, err)
	}
	// A socketpair end is limited by its send buffer: 278 one-byte
	// datagrams on Linux.
	n := 0
	for {
		_, err := sock(a).SendMsg(caller(), a, []byte("x"), SendOpts{Flags: abi.MSG_DONTWAIT})
		if err != nil {
			if err != abi.EAGAIN {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	if n != 278 {
		t.Errorf("queued %d one-byte datagrams, Linux 278", n)
	}
	if ev := a.Readiness(abi.POLLOUT); ev != 0 {
		t.Errorf("full sender readiness %#x", ev)
	}
	recv(b, 1, 0)
	if ev := a.Readiness(abi.POLLOUT); ev != abi.POLLOUT {
		t.Errorf("sender readiness after a read %#x", ev)
	}
	big := make([]byte, DefaultBuf-31)
	if _, err := sock(a).SendMsg(caller(), a, big, SendOpts{}); err != abi.EMSGSIZE {
		t.Errorf("oversized datagram = %v", err)
	}
	b.DecRef()
	if ev := a.Readiness(abi.POLLIN | abi.POLLOUT); ev != abi.POLLOUT {
		t.Errorf("peer closed readiness %#x, Linux 0x4", ev)
	}
	if _, err := sock(a).SendMsg(caller(), a, []byte("x"), SendOpts{}); err != abi.ECONNREFUSED {
		t.Errorf("send to closed peer = %v", err)
	}
	if _, err := sock(a).SendMsg(caller(), a, []byte("x"), SendOpts{}); err != abi.ENOTCONN {
		t.Errorf("second send to closed peer = %v", err)
	}
	if _, _, err := recv(a, 1, abi.MSG_DONTWAIT); err != abi.EAGAIN {
		t.Errorf("recv = %v", err)
	}
	a.DecRef()
}

func TestSeqpacket(t *testing.T) {
	ns := NewNamespace(nil)
	a, b := pair(t, ns, abi.SOCK_SEQPACKET)
	send(t, a, "hello", 0)
	send(t, a, "ab", 0)
	if s, r, _ := recv(b, 3, 0); s != "hel" || r.Flags != abi.MSG_TRUNC {
		t.Errorf("record recv %q flags %#x", s, r.Flags)
	}
	if n := sock(b).Pending(); n != 2 {
		t.Errorf("FIONREAD %d", n)
	}
	if s, _, _ := recv(b, 10, 0); s != "ab" {
		t.Errorf("recv %q", s)
	}
	a.DecRef()
	if ev := b.Readiness(abi.POLLIN | abi.POLLOUT | abi.POLLRDHUP); ev != 0x2015 {
		t.Errorf("peer closed %#x, Linux 0x2015", ev)
	}
	sig := 0
	pc := &vfs.Caller{SigPipe: func() { sig++ }}
	if _, err := b.Write(pc, []byte("x")); err != abi.EPIPE || sig != 0 {
		t.Errorf("send = %v, SIGPIPE %d (Linux: EPIPE, no signal)", err, sig)
	}
	if s, _, err := recv(b, 1, 0); s != "" || err != nil {
		t.Errorf("EOF %q %v", s, err)
	}
	b.DecRef()
}

func TestBindListenConnectAccept(t *testing.T) {
	v, fsc := newFS(t)
	ns := NewNamespace(v)
	c := caller()
	fsc.SetUmask(0o022)
	l, _ := ns.NewFile(abi.SOCK_STREAM, 0, 0)
	ls := sock(l)
	path := Addr{Name: "/s1"}
	if err := ls.Bind(c, fsc, path); err != nil {
		t.Fatal(err)
	}
	st, err := v.StatAt(c, fsc, nil, "/s1", 0)
	if err != nil || st.Mode != abi.S_IFSOCK|0o755 {
		t.Errorf("socket inode mode %o, %v (Linux 140755)", st.Mode, err)
	}
	if err := ls.Bind(c, fsc, path); err != abi.EINVAL {
		t.Errorf("second bind = %v", err)
	}
	other, _ := ns.NewFile(abi.SOCK_STREAM, 0, 0)
	if err := sock(other).Bind(c, fsc, path); err != abi.EADDRINUSE {
		t.Errorf("bind to used path = %v", err)
	}
	if err := sock(other).Connect(c, fsc, nil, path, false); err != abi.ECONNREFUSED {
		t.Errorf("connect to non-listener = %v", err)
	}
	if b := ls.Name().Marshal(); len(b) != 2+3+1 {
		t.Errorf("getsockname %q", b)
	}
	if err := ls.Listen(c, nil, 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := ls.GetSockopt(abi.SOL_SOCKET, abi.SO_ACCEPTCONN, 4); v[0] != 1 {
		t.Error("SO_ACCEPTCONN")
	}
	// Backlog 0 admits one pending connection.
	c1, _ := ns.NewFile(abi.SOCK_STREAM, 0, abi.O_NONBLOCK)
	if err := sock(c1).Connect(c, fsc, nil, path, true); err != nil {
		t.Fatal(err)
	}
	if err := sock(c1).Connect(c, fsc, nil, path, true); err != abi.EISCONN {
		t.Errorf("second connect = %v", err)
	}
	if ev := l.Readiness(abi.POLLIN | abi.POLLOUT); ev != abi.POLLIN {
		t.Errorf("listener readiness %#x, Linux 0x1", ev)
	}
	c2, _ := ns.NewFile(abi.SOCK_STREAM, 0, abi.O_NONBLOCK)
	if err := sock(c2).Connect(c, fsc, nil, path, true); err != abi.EAGAIN {
		t.Errorf("connect to full backlog = %v, Linux EAGAIN", err)
	}
	if a, err := sock(c1).PeerName(); err != nil || a != path {
		t.Errorf("getpeername %v %v", a, err)
	}
	send(t, c1, "hi", 0) // before accept
	af, err := ls.Accept(c, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sock(af).Name() != path {
		t.Errorf("accepted getsockname %v", sock(af).Name())
	}
	if p, _ := sock(af).PeerName(); !p.Unnamed() {
		t.Errorf("accepted getpeername %v", p)
	}
	if s, _, _ := recv(af, 10, 0); s != "hi" {
		t.Errorf("accepted read %q", s)
	}
	if _, err := ls.Accept(c, true, 0); err != abi.EAGAIN {
		t.Errorf("nonblocking accept = %v", err)
	}
	if _, err := sock(c2).Accept(c, true, 0); err != abi.EINVAL {
		t.Errorf("accept on non-listener = %v", err)
	}
	// A blocked accept is woken by a connection.
	done := make(chan error)
	go func() {
		f, err := ls.Accept(caller(), false, 0)
		if err == nil {
			f.DecRef()
		}
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := sock(c2).Connect(c, fsc, nil, path, false); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("blocked accept = %v", err)
	}
	// Errors resolving the path.
	if err := sock(other).Connect(c, fsc, nil, Addr{Name: "/nonexistent"}, false); err != abi.ENOENT {
		t.Errorf("connect ENOENT = %v", err)
	}
	vfsFile := func() {
		f, err := v.OpenAt(c, fsc, nil, "/plain", abi.O_CREAT|abi.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.DecRef()
	}
	vfsFile()
	if err := sock(other).Connect(c, fsc, nil, Addr{Name: "/plain"}, false); err != abi.ECONNREFUSED {
		t.Errorf("connect to a regular file = %v", err)
	}
	dg, _ := ns.NewFile(abi.SOCK_DGRAM, 0, 0)
	if err := sock(dg).Connect(c, fsc, nil, path, false); err != abi.EPROTOTYPE {
		t.Errorf("datagram connect to stream path = %v", err)
	}
	nonroot := &vfs.Caller{Creds: vfs.Creds{UID: 1000, GID: 1000}, Blocker: vfs.ChanBlocker{}}
	if err := sock(other).Connect(nonroot, fsc, nil, path, false); err != abi.EACCES {
		t.Errorf("connect without write permission = %v", err)
	}
	// Closing the listener refuses later connects; the inode stays.
	l.DecRef()
	if err := sock(other).Connect(c, fsc, nil, path, false); err != abi.ECONNREFUSED {
		t.Errorf("connect after close = %v", err)
	}
	for _, f := range []*vfs.File{c1, c2, af, other, dg} {
		f.DecRef()
	}
}

func TestListenerCloseResetsPending(t *testing.T) {
	ns := NewNamespace(nil)
	c := caller()
	l, _ := ns.NewFile(abi.SOCK_STREAM, 0, 0)
	sock(l).Bind(c, nil, Addr{Name: "L", Abstract: true})
	sock(l).Listen(c, nil, 5)
	cf, _ := ns.NewFile(abi.SOCK_STREAM, 0, 0)
	if err := sock(cf).Connect(c, nil, nil, Addr{Name: "L", Abstract: true}, false); err != nil {
		t.Fatal(err)
	}
	l.DecRef()
	if _, _, err := recv(cf, 1, 0); err != abi.ECONNRESET {
		t.Errorf("read after listener closed = %v", err)
	}
	cf.DecRef()
}

func TestAbstractAndDatagramAddressing(t *testing.T) {
	ns := NewNamespace(nil)
	c := caller()
	name := Addr{Name: "aramid-test", Abstract: true}
	d, _ := ns.NewFile(abi.SOCK_DGRAM, 0, 0)
	if err := sock(d).Bind(c, nil, name); err != nil {
		t.Fatal(err)
	}
	d2, _ := ns.NewFile(abi.SOCK_DGRAM, 0, 0)
	if err := sock(d2).Bind(c, nil, name); err != abi.EADDRINUSE {
		t.Errorf("abstract in use = %v", err)
	}
	if err := sock(d2).Bind(c, nil, Addr{}); err != nil {
		t.Fatal(err)
	}
	if a := sock(d2).Name(); !a.Abstract || len(a.Name) != 5 || len(a.Marshal()) != 8 {
		t.Errorf("autobind name %v", a)
	}
	if _, err := sock(d2).SendMsg(c, d2, []byte("abc"), SendOpts{To: &name}); err != nil {
		t.Fatal(err)
	}
	if _, r, _ := recv(d, 10, 0); r.From != sock(d2).Name() {
		t.Errorf("from %v", r.From)
	}
	d3, _ := ns.NewFile(abi.SOCK_DGRAM, 0, 0)
	sock(d3).SendMsg(c, d3, []byte("abc"), SendOpts{To: &name})
	if _, r, _ := recv(d, 10, 0); !r.From.Unnamed() {
		t.Errorf("from unnamed sender %v", r.From)
	}
	// d connects to itself: others may no longer send to it.
	if err := sock(d).Connect(c, nil, nil, name, false); err != nil {
		t.Fatal(err)
	}
	if err := sock(d3).Connect(c, nil, nil, name, false); err != nil {
		t.Fatal(err)
	}
	if _, err := d3.Write(c, []byte("x")); err != abi.EPERM {
		t.Errorf("send to a socket connected elsewhere = %v", err)
	}
	if err := sock(d3).Connect(c, nil, nil, Addr{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := d3.Write(c, []byte("x")); err != abi.ENOTCONN {
		t.Errorf("send after AF_UNSPEC = %v", err)
	}
	nx := Addr{Name: "nonexistent", Abstract: true}
	if _, err := sock(d3).SendMsg(c, d3, []byte("x"), SendOpts{To: &nx}); err != abi.ECONNREFUSED {
		t.Errorf("sendto missing name = %v", err)
	}
	st, _ := ns.NewFile(abi.SOCK_STREAM, 0, 0)
	if err := sock(st).Connect(c, nil, nil, name, false); err != abi.ECONNREFUSED {
		t.Errorf("stream connect to datagram name = %v", err)
	}
	if _, err := sock(st).SendMsg(c, st, []byte("x"), SendOpts{To: &name}); err != abi.EOPNOTSUPP {
		t.Errorf("stream sendto = %v", err)
	}
	// An unconnected receiver takes max_dgram_qlen+1 messages.
	q, _ := ns.NewFile(abi.SOCK_DGRAM, 0, 0)
	qa := Addr{Name: "qtest", Abstract: true}
	sock(q).Bind(c, nil, qa)
	n := 0
	for {
		if _, err := sock(d3).SendMsg(c, d3, []byte("x"), SendOpts{To: &qa, Flags: abi.MSG_DONTWAIT}); err != nil {
			if err != abi.EAGAIN {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	if n != 11 {
		t.Errorf("queued %d, Linux 11", n)
	}
	if ev := d3.Readiness(abi.POLLOUT); ev != abi.POLLOUT {
		t.Errorf("unconnected sender %#x, Linux 0x4", ev)
	}
	sock(d3).Connect(c, nil, nil, qa, false)
	if ev := d3.Readiness(abi.POLLOUT); ev != 0 {
		t.Errorf("sender connected to a full receiver %#x, Linux 0", ev)
	}
	// A blocked sender wakes when the receiver reads.
	done := make(chan error)
	go func() {
		_, err := sock(d3).SendMsg(caller(), d3, []byte("y"), SendOpts{})
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	recv(q, 1, 0)
	if err := <-done; err != nil {
		t.Errorf("blocked send = %v", err)
	}
	for _, f := range []*vfs.File{d, d2, d3, st, q} {
		f.DecRef()
	}
}

func TestBlockingAndInterrupt(t *testing.T) {
	ns := NewNamespace(nil)
	a, b := pair(t, ns, abi.SOCK_STREAM)
	defer a.DecRef()
	defer b.DecRef()
	intr := make(chan struct{})
	c := &vfs.Caller{Blocker: vfs.ChanBlocker{Interrupt: intr}}
	done := make(chan error)
	go func() {
		_, err := sock(b).RecvMsg(c, b, make([]byte, 1), 0)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	close(intr)
	if err := <-done; err != abi.ERESTARTSYS {
		t.Errorf("interrupted recv = %v", err)
	}
	// With SO_RCVTIMEO a timeout is EAGAIN and a signal EINTR.
	tv := make([]byte, 16)
	binary.LittleEndian.PutUint64(tv[8:], 20000)
	if err := sock(b).SetSockopt(false, abi.SOL_SOCKET, abi.SO_RCVTIMEO, tv); err != nil {
		t.Fatal(err)
	}
	if _, _, err := recv(b, 1, 0); err != abi.EAGAIN {
		t.Errorf("timed-out recv = %v", err)
	}
	if _, err := sock(b).RecvMsg(c, b, make([]byte, 1), 0); err != abi.EINTR {
		t.Errorf("interrupted recv with timeout = %v", err)
	}
	if got, _ := sock(b).GetSockopt(abi.SOL_SOCKET, abi.SO_RCVTIMEO, 16); !bytes.Equal(got, tv) {
		t.Errorf("SO_RCVTIMEO reads back % x", got)
	}
	// MSG_WAITALL collects until the buffer is full.
	go func() {
		r, err := sock(b).RecvMsg(caller(), b, make([]byte, 6), abi.MSG_WAITALL)
		if err == nil && r.N != 6 {
			err = abi.EIO
		}
		done <- err
	}()
	send(t, a, "abc", 0)
	time.Sleep(5 * time.Millisecond)
	send(t, a, "def", 0)
	if err := <-done; err != nil {
		t.Errorf("MSG_WAITALL = %v", err)
	}
	// A stream writer blocks when the buffer is full and resumes.
	big := make([]byte, 1<<20)
	n, err := sock(a).SendMsg(caller(), a, big, SendOpts{Flags: abi.MSG_DONTWAIT})
	if err != nil || n <= 0 || n >= len(big) {
		t.Errorf("nonblocking big write = %d, %v (Linux: a partial count)", n, err)
	}
	if ev := a.Readiness(abi.POLLOUT); ev != 0 {
		t.Errorf("full writer readiness %#x", ev)
	}
	go func() {
		_, err := sock(a).SendMsg(caller(), a, []byte("z"), SendOpts{})
		done <- err
	}()
	time.Sleep(5 * time.Millisecond)
	if _, _, err := recv(b, 1<<20, 0); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("blocked write = %v", err)
	}
}

func TestSockopts(t *testing.T) {
	ns := NewNamespace(nil)
	a, b := pair(t, ns, abi.SOCK_DGRAM)
	defer a.DecRef()
	defer b.DecRef()
	s := sock(a)
	geti := func(name int) int32 {
		v, err := s.GetSockopt(abi.SOL_SOCKET, name, 4)
		if err != nil {
			t.Fatalf("getsockopt %d: %v", name, err)
		}
		return int32(binary.LittleEndian.Uint32(v))
	}
	seti := func(name int, v int32) error {
		return s.SetSockopt(false, abi.SOL_SOCKET, name, binary.LittleEndian.AppendUint32(nil, uint32(v)))
	}
	for _, tc := range []struct {
		name int
		set  int32
		want int32
	}{
		{abi.SO_SNDBUF, 1000, 4608}, {abi.SO_RCVBUF, 10, 2304}, {abi.SO_SNDBUF, 100000, 200000},
		{abi.SO_REUSEADDR, 5, 1}, {abi.SO_PASSCRED, 1, 1}, {abi.SO_PASSCRED, 0, 0},
	} {
		if err := seti(tc.name, tc.set); err != nil {
			t.Errorf("set %d: %v", tc.name, err)
		}
		if got := geti(tc.name); got != tc.want {
			t.Errorf("option %d set %d reads %d, Linux %d", tc.name, tc.set, got, tc.want)
		}
	}
	for _, tc := range []struct{ name, want int32 }{
		{abi.SO_TYPE, abi.SOCK_DGRAM}, {abi.SO_DOMAIN, abi.AF_UNIX}, {abi.SO_PROTOCOL, 0}, {abi.SO_ERROR, 0},
		{abi.SO_ACCEPTCONN, 0},
	} {
		if got := geti(int(tc.name)); got != tc.want {
			t.Errorf("option %d = %d, want %d", tc.name, got, tc.want)
		}
	}
	if _, err := s.GetSockopt(abi.SOL_SOCKET, 999, 4); err != abi.ENOPROTOOPT {
		t.Errorf("unknown option = %v", err)
	}
	if err := seti(abi.SO_SNDBUFFORCE, 1); err != abi.EPERM {
		t.Errorf("SO_SNDBUFFORCE unprivileged = %v", err)
	}
	if err := s.SetSockopt(false, abi.SOL_SOCKET, abi.SO_PASSCRED, []byte{1}); err != abi.EINVAL {
		t.Errorf("short optval = %v", err)
	}
	if err := s.SetSockopt(false, 6, 1, make([]byte, 4)); err != abi.EOPNOTSUPP {
		t.Errorf("other level = %v", err)
	}
	bad := make([]byte, 16)
	binary.LittleEndian.PutUint64(bad[8:], 1e6)
	if err := s.SetSockopt(false, abi.SOL_SOCKET, abi.SO_SNDTIMEO, bad); err != abi.EDOM {
		t.Errorf("bad timeval = %v", err)
	}
	u, _ := s.GetSockopt(abi.SOL_SOCKET, abi.SO_PEERCRED, 12)
	var uc abi.Ucred
	uc.Unmarshal(u)
	if uc.PID != 100 {
		t.Errorf("SO_PEERCRED %+v", uc)
	}
	un, _ := ns.NewFile(abi.SOCK_STREAM, 0, 0)
	u, _ = sock(un).GetSockopt(abi.SOL_SOCKET, abi.SO_PEERCRED, 12)
	uc.Unmarshal(u)
	if uc != (abi.Ucred{UID: ^uint32(0), GID: ^uint32(0)}) { // Linux: 0 -1 -1
		t.Errorf("unconnected SO_PEERCRED %+v", uc)
	}
	un.DecRef()
}
