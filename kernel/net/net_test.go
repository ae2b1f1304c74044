package net

import (
	"fmt"
	"strings"
	"testing"
)

func routeText(rs []Route) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "f%d t%d ty%d %v/%d s%d src%v p%d;", r.Family, r.Table, r.Type, r.Dst, r.PrefixLen, r.Scope, r.Src, r.Priority)
	}
	return b.String()
}

func TestLoopbackUpDown(t *testing.T) {
	s := New()
	lo, ok := s.ByName("lo")
	if !ok || lo.Index != 1 {
		t.Fatalf("lo: %+v %v", lo, ok)
	}
	steps := []struct {
		name      string
		up        bool
		flags     uint32
		addrs     int
		routes    int
		operstate int
	}{
		{"boot", false, IFF_LOOPBACK, 0, 0, OperDown},
		{"up", true, IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP, 2, 4, OperUnknown},
		// Down: IPv4 stays listed with its local routes, IPv6 goes.
		{"down", false, IFF_LOOPBACK, 1, 2, OperDown},
		{"up again", true, IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP, 2, 4, OperUnknown},
	}
	for _, st := range steps {
		if st.name != "boot" {
			if err := s.SetUp(1, st.up); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		in, _ := s.ByIndex(1)
		if in.Flags != st.flags || len(in.Addrs) != st.addrs || in.OperState != st.operstate {
			t.Errorf("%s: flags %#x addrs %d oper %d, want %#x %d %d", st.name, in.Flags, len(in.Addrs), in.OperState, st.flags, st.addrs, st.operstate)
		}
		if got := len(s.Routes()); got != st.routes {
			t.Errorf("%s: %d routes (%s), want %d", st.name, got, routeText(s.Routes()), st.routes)
		}
	}
	if err := s.SetUp(99, true); err != ErrNoDevice {
		t.Errorf("SetUp(99): %v", err)
	}
}

func TestAddressesAndRoutes(t *testing.T) {
	s := New()
	if err := s.SetUp(1, true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"add 10.99.0.1/24", func() error { return s.AddAddr(1, Addr{Family: AF_INET, IP: []byte{10, 99, 0, 1}, PrefixLen: 24}) }, nil},
		{"add again", func() error { return s.AddAddr(1, Addr{Family: AF_INET, IP: []byte{10, 99, 0, 1}, PrefixLen: 24}) }, ErrExists},
		{"bad prefix", func() error { return s.AddAddr(1, Addr{Family: AF_INET, IP: []byte{10, 0, 0, 1}, PrefixLen: 33}) }, ErrInvalid},
		{"bad length", func() error { return s.AddAddr(1, Addr{Family: AF_INET6, IP: []byte{1, 2, 3, 4}, PrefixLen: 8}) }, ErrInvalid},
		{"no device", func() error { return s.AddAddr(7, Addr{Family: AF_INET, IP: []byte{10, 0, 0, 1}, PrefixLen: 8}) }, ErrNoDevice},
		{"secondary", func() error { return s.AddAddr(1, Addr{Family: AF_INET, IP: []byte{10, 99, 0, 2}, PrefixLen: 24}) }, nil},
		{"delete", func() error { return s.DelAddr(1, Addr{Family: AF_INET, IP: []byte{10, 99, 0, 2}, PrefixLen: 24}) }, nil},
		{"delete again", func() error { return s.DelAddr(1, Addr{Family: AF_INET, IP: []byte{10, 99, 0, 2}, PrefixLen: 24}) }, ErrNoAddress},
	}
	for _, tc := range tests {
		if err := tc.op(); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// lo's 127.0.0.1/8 and 10.99.0.1/24: local and broadcast routes of
	// each in the local table (a loopback prefix is local too), ::1 local.
	want := "f2 t255 ty2 [10 99 0 0]/24 s254 src[10 99 0 1] p0;" +
		"f2 t255 ty2 [10 99 0 1]/32 s254 src[10 99 0 1] p0;" +
		"f2 t255 ty3 [10 99 0 255]/32 s253 src[10 99 0 1] p0;" +
		"f2 t255 ty2 [127 0 0 0]/8 s254 src[127 0 0 1] p0;" +
		"f2 t255 ty2 [127 0 0 1]/32 s254 src[127 0 0 1] p0;" +
		"f2 t255 ty3 [127 255 255 255]/32 s253 src[127 0 0 1] p0;" +
		"f10 t255 ty2 [0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1]/128 s0 src[] p0;"
	if got := routeText(s.Routes()); got != want {
		t.Errorf("routes\n got %s\nwant %s", got, want)
	}
}

func TestSecondaryFlag(t *testing.T) {
	s := New()
	s.SetUp(1, true)
	s.AddAddr(1, Addr{Family: AF_INET, IP: []byte{127, 0, 0, 2}, PrefixLen: 8})
	in, _ := s.ByIndex(1)
	for _, a := range in.Addrs {
		sec := a.Flags&IFA_F_SECONDARY != 0
		if wantSec := a.IP[len(a.IP)-1] == 2 && a.Family == AF_INET; sec != wantSec {
			t.Errorf("%v: secondary %v", a.IP, sec)
		}
	}
}

func TestMaskIP(t *testing.T) {
	tests := []struct {
		ip   []byte
		plen int
		want string
	}{
		{[]byte{127, 0, 0, 1}, 8, "[127 0 0 0]"},
		{[]byte{10, 99, 255, 255}, 20, "[10 99 240 0]"},
		{[]byte{1, 2, 3, 4}, 0, "[0 0 0 0]"},
		{[]byte{1, 2, 3, 4}, 32, "[1 2 3 4]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(maskIP(tc.ip, tc.plen)); got != tc.want {
			t.Errorf("maskIP(%v, %d) = %s, want %s", tc.ip, tc.plen, got, tc.want)
		}
	}
}

func TestWatchAndPingRange(t *testing.T) {
	s := New()
	var seen []string
	s.Watch(func(c Change, i *Interface, a *Addr) {
		seen = append(seen, fmt.Sprintf("%d:%s", c, i.Name))
	})
	s.SetUp(1, true)
	if got := strings.Join(seen, ","); got != "0:lo,1:lo,1:lo" {
		t.Errorf("watch: %s", got)
	}
	if lo, hi := s.PingGroupRange(); lo != 1 || hi != 0 {
		t.Errorf("ping_group_range default %d %d", lo, hi)
	}
}

// fakeEther is an Ethernet device for route tests: it drops what is sent.
func fakeEther(t *testing.T, s *Stack) int32 {
	t.Helper()
	in, err := s.AddInterface("eth0", Device{Endpoint: channelEther(), Type: ARPHRD_ETHER,
		HWAddr: []byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}, Flags: IFF_BROADCAST | IFF_MULTICAST, MTU: 1500,
		Stats: func() Stats { return Stats{RxPackets: 7} }})
	if err != nil {
		t.Fatal(err)
	}
	return in.Index
}

func TestStaticRoutes(t *testing.T) {
	s := New()
	eth := fakeEther(t, s)
	gw := []byte{10, 0, 2, 2}
	def := Route{Family: AF_INET, Dst: []byte{0, 0, 0, 0}, Gateway: gw, Protocol: 3}
	steps := []struct {
		name string
		op   func() error
		want error
	}{
		{"gateway, eth0 down", func() error { return s.AddRoute(def, false) }, ErrUnreachable},
		{"dev down", func() error {
			return s.AddRoute(Route{Family: AF_INET, Dst: []byte{10, 1, 0, 0}, PrefixLen: 16, OIF: eth}, false)
		}, ErrNetDown},
		{"up", func() error { return s.SetUp(eth, true) }, nil},
		{"gateway, no address", func() error { return s.AddRoute(def, false) }, ErrUnreachable},
		{"address", func() error { return s.AddAddr(eth, Addr{Family: AF_INET, IP: []byte{10, 0, 2, 15}, PrefixLen: 24}) }, nil},
		{"no device", func() error {
			return s.AddRoute(Route{Family: AF_INET, Dst: []byte{10, 1, 0, 0}, PrefixLen: 16}, false)
		}, ErrNoDevice},
		{"default", func() error { return s.AddRoute(def, false) }, nil},
		{"default again", func() error { return s.AddRoute(def, false) }, ErrExists},
		{"replace", func() error { return s.AddRoute(def, true) }, nil},
		{"ipv6", func() error { return s.AddRoute(Route{Family: AF_INET6, Dst: make([]byte, 16)}, false) }, ErrUnsupported},
		{"delete other gateway", func() error {
			return s.DelRoute(Route{Family: AF_INET, Dst: []byte{0, 0, 0, 0}, Gateway: []byte{10, 0, 2, 3}})
		}, ErrNoRoute},
	}
	for _, st := range steps {
		if err := st.op(); err != st.want {
			t.Errorf("%s: %v, want %v", st.name, err, st.want)
		}
	}
	rs := s.Routes()
	if len(rs) == 0 || rs[0].PrefixLen != 0 || rs[0].OIF != eth || fmt.Sprint(rs[0].Gateway) != "[10 0 2 2]" || rs[0].Table != RT_TABLE_MAIN {
		t.Errorf("first route %+v, want the default via 10.0.2.2 on eth0", rs)
	}
	if in, _ := s.ByIndex(eth); in.Stats.RxPackets != 7 {
		t.Errorf("stats %+v: not the device's", in.Stats)
	}
	// Down takes the route along; up does not bring it back.
	s.SetUp(eth, false)
	s.SetUp(eth, true)
	for _, r := range s.Routes() {
		if r.Gateway != nil {
			t.Errorf("static route %+v survived the device going down", r)
		}
	}
	if err := s.DelRoute(Route{Family: AF_INET, Dst: []byte{0, 0, 0, 0}}); err != ErrNoRoute {
		t.Errorf("delete after down: %v", err)
	}
}
