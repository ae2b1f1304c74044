package inet

import (
	"encoding/binary"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/vfs"
)

func caller() *vfs.Caller {
	return &vfs.Caller{Blocker: vfs.ChanBlocker{}, Creds: vfs.Creds{UID: 0}}
}

func sockaddr4(ip [4]byte, port uint16) []byte {
	b := make([]byte, SizeofSockaddrIn)
	binary.LittleEndian.PutUint16(b, abi.AF_INET)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[4:], ip[:])
	return b
}

func upStack(t *testing.T) *net.Stack {
	t.Helper()
	st := net.New()
	if err := st.SetUp(1, true); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCreateErrors(t *testing.T) {
	st := net.New()
	tests := []struct {
		name        string
		family, typ int
		proto       int
		cr          Creator
		want        error
	}{
		{"tcp", abi.AF_INET, abi.SOCK_STREAM, 0, Creator{}, nil},
		{"udp6", abi.AF_INET6, abi.SOCK_DGRAM, IPPROTO_UDP, Creator{}, nil},
		{"stream udp", abi.AF_INET, abi.SOCK_STREAM, IPPROTO_UDP, Creator{}, abi.EPROTONOSUPPORT},
		{"seqpacket", abi.AF_INET, abi.SOCK_SEQPACKET, 0, Creator{}, abi.ESOCKTNOSUPPORT},
		{"ping denied", abi.AF_INET, abi.SOCK_DGRAM, IPPROTO_ICMP, Creator{Groups: []uint32{0}}, abi.EACCES},
		{"raw without cap", abi.AF_INET, abi.SOCK_RAW, IPPROTO_ICMP, Creator{}, abi.EPERM},
		{"raw proto 0", abi.AF_INET, abi.SOCK_RAW, 0, Creator{NetRaw: true}, abi.EPROTONOSUPPORT},
		{"bad proto", abi.AF_INET, abi.SOCK_DGRAM, 300, Creator{}, abi.EINVAL},
	}
	for _, tc := range tests {
		f, err := New(st, tc.cr, tc.family, tc.typ, tc.proto, 0)
		if err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if f != nil {
			f.DecRef()
		}
	}
	st.SetPingGroupRange(0, 10)
	f, err := New(st, Creator{Groups: []uint32{5}}, abi.AF_INET, abi.SOCK_DGRAM, IPPROTO_ICMP, 0)
	if err != nil {
		t.Fatalf("ping allowed: %v", err)
	}
	f.DecRef()
}

func TestTCPEcho(t *testing.T) {
	st := upStack(t)
	c := caller()
	lf, err := New(st, Creator{}, abi.AF_INET, abi.SOCK_STREAM, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.DecRef()
	l := FromFile(lf)
	if err := l.Bind(c, sockaddr4([4]byte{127, 0, 0, 1}, 0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(4); err != nil {
		t.Fatal(err)
	}
	name, _ := l.Name()
	port := binary.BigEndian.Uint16(name[2:])
	if port == 0 {
		t.Fatal("no port chosen")
	}
	cf, _ := New(st, Creator{}, abi.AF_INET, abi.SOCK_STREAM, 0, 0)
	defer cf.DecRef()
	cs := FromFile(cf)
	if err := cs.Connect(c, sockaddr4([4]byte{127, 0, 0, 1}, port), false); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := cs.Connect(c, sockaddr4([4]byte{127, 0, 0, 1}, port), false); err != abi.EISCONN {
		t.Errorf("second connect: %v", err)
	}
	sf, peer, err := l.Accept(c, false, 0)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	defer sf.DecRef()
	if len(peer) != SizeofSockaddrIn {
		t.Errorf("peer %v", peer)
	}
	ss := FromFile(sf)
	if n, err := cs.SendMsg(c, cf, []byte("hello"), nil, 0); n != 5 || err != nil {
		t.Fatalf("send: %d %v", n, err)
	}
	buf := make([]byte, 16)
	r, err := ss.RecvMsg(c, sf, buf, abi.MSG_PEEK)
	if err != nil || string(buf[:r.N]) != "hello" {
		t.Fatalf("peek: %d %v %q", r.N, err, buf[:r.N])
	}
	r, err = ss.RecvMsg(c, sf, buf[:2], abi.MSG_WAITALL)
	if err != nil || string(buf[:r.N]) != "he" {
		t.Fatalf("recv: %v %q", err, buf[:r.N])
	}
	if err := cs.Shutdown(abi.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	r, err = ss.RecvMsg(c, sf, buf, abi.MSG_WAITALL)
	if err != nil || string(buf[:r.N]) != "llo" {
		t.Fatalf("rest: %v %q", err, buf[:r.N])
	}
	if r, err = ss.RecvMsg(c, sf, buf, 0); err != nil || r.N != 0 {
		t.Fatalf("eof: %d %v", r.N, err)
	}
	if _, err := cs.SendMsg(c, cf, []byte("x"), nil, abi.MSG_NOSIGNAL); err != abi.EPIPE {
		t.Errorf("send after SHUT_WR: %v", err)
	}
}

func TestNonblockingAndTimeouts(t *testing.T) {
	st := upStack(t)
	c := caller()
	uf, _ := New(st, Creator{}, abi.AF_INET, abi.SOCK_DGRAM, 0, abi.O_NONBLOCK)
	defer uf.DecRef()
	u := FromFile(uf)
	if err := u.Bind(c, sockaddr4([4]byte{127, 0, 0, 1}, 0)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := u.RecvMsg(c, uf, buf, 0); err != abi.EAGAIN {
		t.Errorf("nonblocking recv: %v", err)
	}
	bf, _ := New(st, Creator{}, abi.AF_INET, abi.SOCK_DGRAM, 0, 0)
	defer bf.DecRef()
	b := FromFile(bf)
	b.Bind(c, sockaddr4([4]byte{127, 0, 0, 1}, 0))
	tv := make([]byte, 16)
	binary.LittleEndian.PutUint64(tv[8:], 50000)
	if err := b.SetSockopt(false, abi.SOL_SOCKET, abi.SO_RCVTIMEO, tv); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := b.RecvMsg(c, bf, buf, 0); err != abi.EAGAIN {
		t.Errorf("timed recv: %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("timeout after %v", d)
	}
	intr := make(chan struct{})
	close(intr)
	ic := &vfs.Caller{Blocker: vfs.ChanBlocker{Interrupt: intr}}
	binary.LittleEndian.PutUint64(tv[8:], 0)
	b.SetSockopt(false, abi.SOL_SOCKET, abi.SO_RCVTIMEO, tv)
	if _, err := b.RecvMsg(ic, bf, buf, 0); err != abi.ERESTARTSYS {
		t.Errorf("interrupted recv: %v", err)
	}
}

func TestSockopts(t *testing.T) {
	st := net.New()
	f, _ := New(st, Creator{}, abi.AF_INET, abi.SOCK_STREAM, 0, 0)
	defer f.DecRef()
	s := FromFile(f)
	one := binary.LittleEndian.AppendUint32(nil, 1)
	tests := []struct {
		level, name int
		set         []byte
		want        uint32
		err         error
	}{
		{abi.SOL_SOCKET, abi.SO_TYPE, nil, abi.SOCK_STREAM, nil},
		{abi.SOL_SOCKET, abi.SO_REUSEADDR, one, 1, nil},
		{SOL_TCP, TCP_NODELAY, nil, 0, nil},
		{SOL_TCP, TCP_NODELAY, one, 1, nil},
		{abi.SOL_SOCKET, abi.SO_RCVBUF, binary.LittleEndian.AppendUint32(nil, 1000), 2304, nil},
		{SOL_IPV6, IPV6_V6ONLY, nil, 0, abi.ENOPROTOOPT},
		{abi.SOL_SOCKET, 9999, nil, 0, abi.ENOPROTOOPT},
	}
	for _, tc := range tests {
		if tc.set != nil {
			if err := s.SetSockopt(false, tc.level, tc.name, tc.set); err != nil {
				t.Errorf("set %d/%d: %v", tc.level, tc.name, err)
			}
		}
		v, err := s.GetSockopt(tc.level, tc.name)
		if err != tc.err {
			t.Errorf("get %d/%d: %v, want %v", tc.level, tc.name, err, tc.err)
			continue
		}
		if err == nil && binary.LittleEndian.Uint32(v) != tc.want {
			t.Errorf("get %d/%d = %d, want %d", tc.level, tc.name, binary.LittleEndian.Uint32(v), tc.want)
		}
	}
}

func TestAddrParsing(t *testing.T) {
	st := net.New()
	f, _ := New(st, Creator{}, abi.AF_INET6, abi.SOCK_DGRAM, 0, 0)
	defer f.DecRef()
	s := FromFile(f)
	short := make([]byte, 20)
	binary.LittleEndian.PutUint16(short, abi.AF_INET6)
	if _, err := s.parseAddr(short); err != abi.EINVAL {
		t.Errorf("short: %v", err)
	}
	if _, err := s.parseAddr(sockaddr4([4]byte{1, 2, 3, 4}, 1)); err != abi.EINVAL {
		t.Errorf("v4 on v6 socket (16 bytes): %v", err)
	}
	v6 := make([]byte, SizeofSockaddrIn6)
	binary.LittleEndian.PutUint16(v6, abi.AF_INET6)
	binary.BigEndian.PutUint16(v6[2:], 80)
	v6[23] = 1
	a, err := s.parseAddr(v6)
	if err != nil || a.Port != 80 || a.Addr.AsSlice()[15] != 1 {
		t.Errorf("::1:80: %+v %v", a, err)
	}
	if got := s.marshalAddr(a); string(got) != string(v6) {
		t.Errorf("round trip %v", got)
	}
}
