package net

import (
	"encoding/binary"
	"fmt"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// flatMem is user memory at addresses 0..len(b).
type flatMem struct{ b []byte }

func (m *flatMem) CopyIn(addr uintptr, dst []byte) error {
	if int(addr)+len(dst) > len(m.b) {
		return abi.EFAULT
	}
	copy(dst, m.b[addr:])
	return nil
}

func (m *flatMem) CopyOut(addr uintptr, src []byte) error {
	if int(addr)+len(src) > len(m.b) {
		return abi.EFAULT
	}
	copy(m.b[addr:], src)
	return nil
}

func ifreqIn(m *flatMem, name string, ip []byte) {
	clear(m.b[:sizeofIfreq])
	copy(m.b, name)
	binary.LittleEndian.PutUint16(m.b[16:], AF_INET)
	copy(m.b[20:], ip)
}

// rtentryIn writes a struct rtentry at 0 and the device name at 200.
func rtentryIn(m *flatMem, dst, gw, mask []byte, flags uint16, dev string) {
	clear(m.b)
	for off, ip := range map[int][]byte{8: dst, 24: gw, 40: mask} {
		if ip != nil {
			binary.LittleEndian.PutUint16(m.b[off:], AF_INET)
			copy(m.b[off+4:], ip)
		}
	}
	binary.LittleEndian.PutUint16(m.b[56:], flags)
	if dev != "" {
		copy(m.b[200:], dev)
		binary.LittleEndian.PutUint64(m.b[88:], 200)
	}
}

func TestInetIoctls(t *testing.T) {
	s := New()
	eth := fakeEther(t, s)
	m := &flatMem{b: make([]byte, 256)}
	admin := &vfs.Caller{Mem: m, Creds: vfs.Creds{Caps: 1 << abi.CAP_NET_ADMIN, CapsValid: true}}
	user := &vfs.Caller{Mem: m, Creds: vfs.Creds{UID: 1000, CapsValid: true}}
	addrs := func() string {
		in, _ := s.ByIndex(eth)
		out := ""
		for _, a := range in.Addrs {
			out += fmt.Sprintf("%v/%d brd %v;", a.IP, a.PrefixLen, a.Broadcast)
		}
		return out
	}
	steps := []struct {
		name  string
		c     *vfs.Caller
		cmd   uint32
		setup func()
		err   error
		addrs string
	}{
		{"not admin", user, SIOCSIFADDR, func() { ifreqIn(m, "eth0", []byte{10, 0, 2, 15}) }, abi.EPERM, ""},
		{"no device", admin, SIOCSIFADDR, func() { ifreqIn(m, "eth9", []byte{10, 0, 2, 15}) }, abi.ENODEV, ""},
		{"netmask first", admin, SIOCSIFNETMASK, func() { ifreqIn(m, "eth0", []byte{255, 255, 255, 0}) }, abi.EADDRNOTAVAIL, ""},
		{"multicast", admin, SIOCSIFADDR, func() { ifreqIn(m, "eth0", []byte{224, 0, 0, 1}) }, abi.EINVAL, ""},
		{"class A", admin, SIOCSIFADDR, func() { ifreqIn(m, "eth0", []byte{10, 0, 2, 15}) }, nil, "[10 0 2 15]/8 brd [10 255 255 255];"},
		{"bad mask", admin, SIOCSIFNETMASK, func() { ifreqIn(m, "eth0", []byte{255, 0, 255, 0}) }, abi.EINVAL, "[10 0 2 15]/8 brd [10 255 255 255];"},
		{"netmask", admin, SIOCSIFNETMASK, func() { ifreqIn(m, "eth0", []byte{255, 255, 255, 0}) }, nil, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"same address", admin, SIOCSIFADDR, func() { ifreqIn(m, "eth0", []byte{10, 0, 2, 15}) }, nil, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"class C", admin, SIOCSIFADDR, func() { ifreqIn(m, "eth0", []byte{192, 168, 7, 1}) }, nil, "[192 168 7 1]/24 brd [192 168 7 255];"},
		{"back", admin, SIOCSIFADDR, func() { ifreqIn(m, "eth0", []byte{10, 0, 2, 15}) }, nil, "[10 0 2 15]/8 brd [10 255 255 255];"},
		{"netmask again", admin, SIOCSIFNETMASK, func() { ifreqIn(m, "eth0", []byte{255, 255, 255, 0}) }, nil, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"route, device down", admin, SIOCADDRT, func() {
			rtentryIn(m, []byte{0, 0, 0, 0}, []byte{10, 0, 2, 2}, []byte{0, 0, 0, 0}, RTF_UP|RTF_GATEWAY, "")
		}, abi.ENETUNREACH, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"up", admin, SIOCSIFFLAGS, func() { clear(m.b); copy(m.b, "eth0"); m.b[16] = IFF_UP }, nil, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"default route", admin, SIOCADDRT, func() {
			rtentryIn(m, []byte{0, 0, 0, 0}, []byte{10, 0, 2, 2}, []byte{0, 0, 0, 0}, RTF_UP|RTF_GATEWAY, "")
		}, nil, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"again", admin, SIOCADDRT, func() {
			rtentryIn(m, []byte{0, 0, 0, 0}, []byte{10, 0, 2, 2}, []byte{0, 0, 0, 0}, RTF_UP|RTF_GATEWAY, "")
		}, abi.EEXIST, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"dst outside mask", admin, SIOCADDRT, func() { rtentryIn(m, []byte{10, 1, 0, 1}, nil, []byte{255, 255, 0, 0}, RTF_UP, "eth0") }, abi.EINVAL, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"device route", admin, SIOCADDRT, func() { rtentryIn(m, []byte{10, 1, 0, 0}, nil, []byte{255, 255, 0, 0}, RTF_UP, "eth0") }, nil, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"delete it", admin, SIOCDELRT, func() { rtentryIn(m, []byte{10, 1, 0, 0}, nil, []byte{255, 255, 0, 0}, RTF_UP, "") }, nil, "[10 0 2 15]/24 brd [10 0 2 255];"},
		{"delete again", admin, SIOCDELRT, func() { rtentryIn(m, []byte{10, 1, 0, 0}, nil, []byte{255, 255, 0, 0}, RTF_UP, "") }, abi.ESRCH, "[10 0 2 15]/24 brd [10 0 2 255];"},
	}
	for _, st := range steps {
		st.setup()
		var err error
		if st.cmd == SIOCSIFFLAGS {
			_, err = s.Ioctl(st.c, st.cmd, 0)
		} else {
			_, err = s.InetIoctl(st.c, st.cmd, 0)
		}
		if err != st.err {
			t.Errorf("%s: %v, want %v", st.name, err, st.err)
		}
		if got := addrs(); got != st.addrs {
			t.Errorf("%s: addresses %s, want %s", st.name, got, st.addrs)
		}
	}
	var gws int
	for _, r := range s.Routes() {
		if r.Gateway != nil {
			gws++
		}
	}
	if gws != 1 {
		t.Errorf("%d gateway routes, want the default route: %+v", gws, s.Routes())
	}
	ifreqIn(m, "eth0", nil)
	if _, err := s.InetIoctl(user, SIOCGIFBRDADDR, 0); err != nil || fmt.Sprint(m.b[20:24]) != "[10 0 2 255]" {
		t.Errorf("SIOCGIFBRDADDR: %v %v", err, m.b[20:24])
	}
}
