package netlink

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/vfs"
)

func caller() *vfs.Caller {
	return &vfs.Caller{Blocker: vfs.ChanBlocker{}, Creds: vfs.Creds{Caps: 1 << abi.CAP_NET_ADMIN, CapsValid: true}}
}

// request builds one rtnetlink request.
func request(typ, flags uint16, seq uint32, body []byte, attrs ...[]byte) []byte {
	m := newMsg(typ, NLM_F_REQUEST|flags, seq, 0, body)
	for _, a := range attrs {
		m.attr(binary.LittleEndian.Uint16(a), a[2:])
	}
	return m.done()
}

func attr(typ uint16, data []byte) []byte {
	return append(binary.LittleEndian.AppendUint16(nil, typ), data...)
}

// messages splits received datagrams into (type, flags, body).
type message struct {
	typ, flags uint16
	seq        uint32
	body       []byte
}

func recvAll(t *testing.T, s *Socket, f *vfs.File) []message {
	t.Helper()
	var out []message
	for {
		buf := make([]byte, 65536)
		r, err := s.RecvMsg(caller(), f, buf, abi.MSG_DONTWAIT)
		if err == abi.EAGAIN {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b := buf[:r.N]
		for len(b) >= nlmsgHdrLen {
			l := int(binary.LittleEndian.Uint32(b))
			out = append(out, message{binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]),
				binary.LittleEndian.Uint32(b[8:]), b[nlmsgHdrLen:l]})
			b = b[(l+3)&^3:]
		}
	}
}

func newSock(t *testing.T, st *net.Stack, proto int, admin bool) (*Socket, *vfs.File) {
	t.Helper()
	f, err := New(st, abi.SOCK_RAW, proto, abi.O_NONBLOCK, 4242, admin)
	if err != nil {
		t.Fatal(err)
	}
	return f.Impl.(*Socket), f
}

func TestRouteRequests(t *testing.T) {
	st := net.New()
	Attach(st)
	s, f := newSock(t, st, NETLINK_ROUTE, true)
	defer f.DecRef()
	ifi := func(idx int32, fl, change uint32) []byte {
		b := make([]byte, sizeofIfinfomsg)
		binary.LittleEndian.PutUint32(b[4:], uint32(idx))
		binary.LittleEndian.PutUint32(b[8:], fl)
		binary.LittleEndian.PutUint32(b[12:], change)
		return b
	}
	ifa := func(fam, plen byte, idx int32) []byte {
		b := []byte{fam, plen, 0, 0, 0, 0, 0, 0}
		binary.LittleEndian.PutUint32(b[4:], uint32(idx))
		return b
	}
	tests := []struct {
		name string
		req  []byte
		want string // the message types answered, with errors
	}{
		{"link dump while down", request(RTM_GETLINK, NLM_F_DUMP, 1, ifi(0, 0, 0)), "16 3"},
		{"bring up with ack", request(RTM_NEWLINK, NLM_F_ACK, 2, ifi(1, net.IFF_UP, net.IFF_UP)), "2:0"},
		{"addr dump", request(RTM_GETADDR, NLM_F_DUMP, 3, ifa(0, 0, 0)), "20 20 3"},
		{"inet6 addr dump", request(RTM_GETADDR, NLM_F_DUMP, 4, ifa(net.AF_INET6, 0, 0)), "20 3"},
		{"route dump", request(RTM_GETROUTE, NLM_F_DUMP, 5, make([]byte, sizeofRtmsg)), "24 24 24 24 3"},
		{"get missing link", request(RTM_GETLINK, 0, 6, ifi(99, 0, 0)), "2:-19"},
		{"get lo by name", request(RTM_GETLINK, 0, 7, ifi(0, 0, 0), attr(IFLA_IFNAME, []byte("lo\x00"))), "16"},
		{"new addr", request(RTM_NEWADDR, NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL, 8, ifa(net.AF_INET, 24, 1), attr(IFA_LOCAL, []byte{10, 0, 0, 1})), "2:0"},
		{"new addr again", request(RTM_NEWADDR, NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL, 9, ifa(net.AF_INET, 24, 1), attr(IFA_LOCAL, []byte{10, 0, 0, 1})), "2:-17"},
		{"new addr no ack", request(RTM_NEWADDR, 0, 10, ifa(net.AF_INET, 24, 1), attr(IFA_LOCAL, []byte{10, 0, 0, 9})), ""},
		{"del addr", request(RTM_DELADDR, NLM_F_ACK, 11, ifa(net.AF_INET, 24, 1), attr(IFA_LOCAL, []byte{10, 0, 0, 1})), "2:0"},
		{"del missing", request(RTM_DELADDR, NLM_F_ACK, 12, ifa(net.AF_INET, 24, 1), attr(IFA_LOCAL, []byte{10, 0, 0, 1})), "2:-99"},
		{"bad addr length", request(RTM_NEWADDR, NLM_F_ACK, 13, ifa(net.AF_INET, 24, 1), attr(IFA_LOCAL, []byte{10, 0})), "2:-22"},
		{"unsupported attribute", request(RTM_NEWLINK, NLM_F_ACK, 14, ifi(1, 0, 0), attr(40, []byte{1, 0, 0, 0})), "2:-95"},
		{"short body", request(RTM_GETLINK, 0, 15, []byte{0}), "2:-22"},
		{"not a request", newMsg(RTM_GETLINK, 0, 16, 0, ifi(0, 0, 0)).done(), ""},
		{"route get is unsupported", request(RTM_GETROUTE, 0, 17, make([]byte, sizeofRtmsg)), "2:-95"},
	}
	for _, tc := range tests {
		if _, err := s.SendMsg(caller(), f, tc.req, nil, 0); err != nil {
			t.Fatalf("%s: send: %v", tc.name, err)
		}
		var got []string
		for _, m := range recvAll(t, s, f) {
			if m.typ == NLMSG_ERROR {
				got = append(got, "2:"+itoa(int32(binary.LittleEndian.Uint32(m.body))))
				continue
			}
			got = append(got, itoa(int32(m.typ)))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, g, tc.want)
		}
	}
}

func itoa(v int32) string {
	if v < 0 {
		return "-" + strconv.FormatUint(uint64(-v), 10)
	}
	return strconv.FormatUint(uint64(v), 10)
}

func TestUnprivilegedChange(t *testing.T) {
	st := net.New()
	s, f := newSock(t, st, NETLINK_ROUTE, false)
	defer f.DecRef()
	body := make([]byte, sizeofIfinfomsg)
	binary.LittleEndian.PutUint32(body[4:], 1)
	binary.LittleEndian.PutUint32(body[8:], net.IFF_UP)
	s.SendMsg(&vfs.Caller{}, f, request(RTM_NEWLINK, 0, 1, body), nil, 0)
	ms := recvAll(t, s, f)
	if len(ms) != 1 || int32(binary.LittleEndian.Uint32(ms[0].body)) != -int32(abi.EPERM) {
		t.Fatalf("unprivileged NEWLINK: %+v", ms)
	}
	if in, _ := st.ByIndex(1); in.Flags&net.IFF_UP != 0 {
		t.Error("lo went up")
	}
}

func TestGroupsAndUevents(t *testing.T) {
	st := net.New()
	Attach(st)
	mon, mf := newSock(t, st, NETLINK_ROUTE, false)
	defer mf.DecRef()
	sa := marshalNl(0, 1<<(RTNLGRP_LINK-1)|1<<(RTNLGRP_IPV4_IFADDR-1))
	if err := mon.Bind(nil, sa); err != nil {
		t.Fatal(err)
	}
	st.SetUp(1, true)
	var types []string
	for _, m := range recvAll(t, mon, mf) {
		types = append(types, itoa(int32(m.typ)))
	}
	// The link change and 127.0.0.1 (::1 goes to the IPv6 group).
	if g := strings.Join(types, " "); g != "16 20" {
		t.Errorf("notifications %q", g)
	}

	u, uf := newSock(t, st, NETLINK_KOBJECT_UEVENT, false)
	defer uf.DecRef()
	if err := u.Bind(nil, marshalNl(0, 1)); err != nil {
		t.Fatal(err)
	}
	seq := EmitUevent("add", "/devices/virtual/net/lo", []string{"SUBSYSTEM=net", "INTERFACE=lo"})
	buf := make([]byte, 512)
	r, err := u.RecvMsg(caller(), uf, buf, abi.MSG_DONTWAIT)
	if err != nil {
		t.Fatal(err)
	}
	want := "add@/devices/virtual/net/lo\x00ACTION=add\x00DEVPATH=/devices/virtual/net/lo\x00SUBSYSTEM=net\x00INTERFACE=lo\x00SEQNUM=" + strconv.FormatUint(seq, 10) + "\x00"
	if string(buf[:r.N]) != want {
		t.Errorf("uevent %q", buf[:r.N])
	}
	if UeventSeqnum() != seq {
		t.Errorf("seqnum %d, want %d", UeventSeqnum(), seq)
	}
	// Truncation: MSG_TRUNC flag, and the full length when asked.
	EmitUevent("change", "/devices/x", nil)
	r, _ = u.RecvMsg(caller(), uf, buf[:4], abi.MSG_DONTWAIT|abi.MSG_TRUNC)
	if r.Flags&abi.MSG_TRUNC == 0 || r.N <= 4 {
		t.Errorf("truncated receive: %+v", r)
	}
}

func TestAutobind(t *testing.T) {
	st := net.New()
	a, af := newSock(t, st, NETLINK_KOBJECT_UEVENT, false)
	defer af.DecRef()
	b, bf := newSock(t, st, NETLINK_KOBJECT_UEVENT, false)
	defer bf.DecRef()
	a.Bind(nil, marshalNl(0, 0))
	b.Bind(nil, marshalNl(0, 0))
	na, _ := a.Name()
	nb, _ := b.Name()
	if binary.LittleEndian.Uint32(na[4:]) != 4242 || int32(binary.LittleEndian.Uint32(nb[4:])) >= 0 {
		t.Errorf("ports %v %v", na, nb)
	}
	c, cf := newSock(t, st, NETLINK_KOBJECT_UEVENT, false)
	defer cf.DecRef()
	if err := c.Bind(nil, marshalNl(4242, 0)); err != abi.EADDRINUSE {
		t.Errorf("taken port: %v", err)
	}
	if _, err := New(st, abi.SOCK_STREAM, 0, 0, 1, false); err != abi.ESOCKTNOSUPPORT {
		t.Errorf("stream: %v", err)
	}
	if _, err := New(st, abi.SOCK_RAW, 4, 0, 1, false); err != abi.EPROTONOSUPPORT {
		t.Errorf("sock_diag: %v", err)
	}
}

// insns encodes (code, jt, jf, k) quadruples as struct sock_filter.
func insns(q ...[4]uint32) []byte {
	var b []byte
	for _, x := range q {
		b = binary.LittleEndian.AppendUint16(b, uint16(x[0]))
		b = append(b, byte(x[1]), byte(x[2]))
		b = binary.LittleEndian.AppendUint32(b, x[3])
	}
	return b
}

func TestSocketFilter(t *testing.T) {
	// Pass messages whose word at offset 8 is 0xfeedcafe, drop others:
	// ld [8]; jeq #0xfeedcafe, 0, 1; ret #-1; ret #0.
	prog := insns([4]uint32{0x20, 0, 0, 8}, [4]uint32{0x15, 0, 1, 0xfeedcafe}, [4]uint32{0x06, 0, 0, 0xffffffff}, [4]uint32{0x06, 0, 0, 0})
	f, err := parseFilter(prog, 4)
	if err != nil {
		t.Fatal(err)
	}
	magic := []byte("libudev\x00\xfe\xed\xca\xfe....")
	tests := []struct {
		pkt  []byte
		want uint32
	}{
		{magic, 0xffffffff},
		{[]byte("add@/devices/x\x00ACTION=add\x00"), 0},
		{[]byte("short"), 0}, // a load past the end drops
	}
	for _, tc := range tests {
		if got := f.run(tc.pkt); got != tc.want {
			t.Errorf("run(%q) = %#x, want %#x", tc.pkt, got, tc.want)
		}
	}
	bad := []struct {
		name string
		prog []byte
		n    int
	}{
		{"empty", nil, 0},
		{"no return", insns([4]uint32{0x20, 0, 0, 8}), 1},
		{"jump out", insns([4]uint32{0x15, 5, 0, 1}, [4]uint32{0x06, 0, 0, 0}), 2},
		{"scratch out of range", insns([4]uint32{0x02, 0, 0, 16}, [4]uint32{0x06, 0, 0, 0}), 2},
		{"divide by zero", insns([4]uint32{0x34, 0, 0, 0}, [4]uint32{0x06, 0, 0, 0}), 2},
		{"short buffer", insns([4]uint32{0x06, 0, 0, 0}), 2},
	}
	for _, tc := range bad {
		if _, err := parseFilter(tc.prog, tc.n); err != abi.EINVAL {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestPassCredAndPktinfo(t *testing.T) {
	st := net.New()
	u, uf := newSock(t, st, NETLINK_KOBJECT_UEVENT, false)
	defer uf.DecRef()
	u.Bind(nil, marshalNl(0, 1))
	one := binary.LittleEndian.AppendUint32(nil, 1)
	if err := u.SetSockopt(false, abi.SOL_SOCKET, abi.SO_PASSCRED, one); err != nil {
		t.Fatal(err)
	}
	if err := u.SetSockopt(false, SOL_NETLINK, NETLINK_PKTINFO, one); err != nil {
		t.Fatal(err)
	}
	EmitUevent("add", "/devices/a", nil)
	buf := make([]byte, 256)
	r, err := u.RecvMsg(caller(), uf, buf, abi.MSG_DONTWAIT)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Control) != 2 {
		t.Fatalf("control %v", r.Control)
	}
	pi, cr := r.Control[0], r.Control[1]
	if binary.LittleEndian.Uint32(pi[12:]) != NETLINK_PKTINFO || binary.LittleEndian.Uint32(pi[16:]) != 1 {
		t.Errorf("pktinfo %v", pi)
	}
	if binary.LittleEndian.Uint32(cr[12:]) != abi.SCM_CREDENTIALS || len(cr) != abi.CmsgSpace(abi.SizeofUcred) {
		t.Errorf("credentials %v", cr)
	}
	// A filter passing only libudev messages drops kernel uevents.
	prog := insns([4]uint32{0x20, 0, 0, 8}, [4]uint32{0x15, 0, 1, 0xfeedcafe}, [4]uint32{0x06, 0, 0, 0xffffffff}, [4]uint32{0x06, 0, 0, 0})
	if err := u.AttachFilter(prog, 4); err != nil {
		t.Fatal(err)
	}
	EmitUevent("add", "/devices/b", nil)
	if _, err := u.RecvMsg(caller(), uf, buf, abi.MSG_DONTWAIT); err != abi.EAGAIN {
		t.Errorf("filtered uevent delivered: %v", err)
	}
	if err := u.SetSockopt(false, abi.SOL_SOCKET, SO_DETACH_FILTER, nil); err != nil {
		t.Errorf("detach: %v", err)
	}
	if err := u.SetSockopt(false, abi.SOL_SOCKET, SO_DETACH_FILTER, nil); err != abi.ENOENT {
		t.Errorf("detach twice: %v", err)
	}
}
