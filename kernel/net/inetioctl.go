package net

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// The IPv4 ioctls of AF_INET sockets (Linux's devinet_ioctl and
// ip_rt_ioctl), which busybox ifconfig and route use.
const (
	SIOCADDRT      = 0x890b
	SIOCDELRT      = 0x890c
	SIOCSIFADDR    = 0x8916
	SIOCGIFBRDADDR = 0x8919
	SIOCSIFBRDADDR = 0x891a
	SIOCSIFNETMASK = 0x891c
)

// Route flags of struct rtentry (linux/route.h).
const (
	RTF_UP      = 0x1
	RTF_GATEWAY = 0x2
	RTF_HOST    = 0x4
	RTF_REJECT  = 0x200
)

// RTPROT_BOOT is the protocol of routes added by ioctl (and by ip's
// default).
const RTPROT_BOOT = 3

// sizeofRtentry is sizeof(struct rtentry) on x86-64.
const sizeofRtentry = 120

// IsInetIoctl reports whether cmd is one of the ioctls InetIoctl answers.
func IsInetIoctl(cmd uint32) bool {
	switch cmd {
	case SIOCADDRT, SIOCDELRT, SIOCSIFADDR, SIOCGIFBRDADDR, SIOCSIFBRDADDR, SIOCSIFNETMASK:
		return true
	}
	return false
}

// abcLen is Linux's inet_abc_len: the classful prefix length of an
// address (0 for 0.0.0.0/8 and the limited broadcast), -1 for multicast.
func abcLen(ip []byte) int {
	switch {
	case ip[0] == 0 || bytes.Equal(ip, []byte{255, 255, 255, 255}):
		return 0
	case ip[0] < 128:
		return 8
	case ip[0] < 192:
		return 16
	case ip[0] < 224:
		return 24
	case ip[0] >= 240:
		return 32
	}
	return -1
}

// badMask is Linux's bad_mask: mask is not contiguous ones, or addr has
// bits outside it.
func badMask(mask, addr uint32) bool {
	if addr&^mask != 0 {
		return true
	}
	inv := ^mask
	return inv&(inv+1) != 0
}

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

func ip4(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// broadcastOf is the broadcast address of ip/plen (below /31), or nil.
func broadcastOf(ip []byte, plen int) []byte {
	if plen >= 31 {
		return nil
	}
	return ip4(be32(ip) | ^uint32(0)>>plen)
}

// InetIoctl answers the IPv4 configuration ioctls: SIOCSIFADDR (the
// interface's first IPv4 address replaced, or one added, with the classful
// prefix and its broadcast), SIOCSIFNETMASK, SIOCGIFBRDADDR,
// SIOCSIFBRDADDR, and SIOCADDRT/SIOCDELRT with a struct rtentry. Setting
// needs CAP_NET_ADMIN (EPERM).
func (s *Stack) InetIoctl(c *vfs.Caller, cmd uint32, arg uintptr) (uintptr, error) {
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	if cmd != SIOCGIFBRDADDR && !c.Capable(abi.CAP_NET_ADMIN) {
		return 0, abi.EPERM
	}
	if cmd == SIOCADDRT || cmd == SIOCDELRT {
		return 0, s.routeIoctl(c, cmd, arg)
	}
	req := make([]byte, sizeofIfreq)
	if err := c.Mem.CopyIn(arg, req); err != nil {
		return 0, err
	}
	in, ok := s.ByName(cString(req[:ifNameSize]))
	if !ok {
		return 0, abi.ENODEV
	}
	sa := req[ifNameSize:]
	if cmd != SIOCGIFBRDADDR && binary.LittleEndian.Uint16(sa) != AF_INET {
		return 0, abi.EINVAL
	}
	val := append([]byte(nil), sa[4:8]...)
	s.mu.Lock()
	i := s.ifaces[in.Index]
	var cur *Addr
	for k := range i.addrs {
		if i.addrs[k].Family == AF_INET {
			cur = &i.addrs[k]
			break
		}
	}
	var old Addr
	if cur != nil {
		old = *cur
		old.IP = append([]byte(nil), cur.IP...)
	}
	s.mu.Unlock()
	switch cmd {
	case SIOCGIFBRDADDR:
		if cur == nil {
			return 0, abi.EADDRNOTAVAIL
		}
		clear(sa)
		binary.LittleEndian.PutUint16(sa, AF_INET)
		copy(sa[4:8], old.Broadcast)
		return 0, c.Mem.CopyOut(arg, req)
	case SIOCSIFADDR:
		plen := abcLen(val)
		if plen < 0 {
			return 0, abi.EINVAL
		}
		if cur != nil {
			if bytes.Equal(old.IP, val) {
				return 0, nil
			}
			if err := s.DelAddr(in.Index, old); err != nil {
				return 0, abi.EADDRNOTAVAIL
			}
		}
		a := Addr{Family: AF_INET, IP: val, PrefixLen: plen, Flags: IFA_F_PERMANENT}
		if in.Flags&IFF_BROADCAST != 0 {
			a.Broadcast = broadcastOf(val, plen)
		}
		return 0, addrErrno(s.AddAddr(in.Index, a))
	case SIOCSIFNETMASK:
		if cur == nil {
			return 0, abi.EADDRNOTAVAIL
		}
		mask := be32(val)
		if badMask(mask, 0) {
			return 0, abi.EINVAL
		}
		plen := bits.OnesCount32(mask)
		if plen == old.PrefixLen {
			return 0, nil
		}
		a := old
		a.PrefixLen = plen
		a.Flags &^= IFA_F_SECONDARY
		if in.Flags&IFF_BROADCAST != 0 && plen < 31 && bytes.Equal(old.Broadcast, broadcastOf(old.IP, old.PrefixLen)) {
			a.Broadcast = broadcastOf(old.IP, plen)
		}
		if err := s.DelAddr(in.Index, old); err != nil {
			return 0, abi.EADDRNOTAVAIL
		}
		return 0, addrErrno(s.AddAddr(in.Index, a))
	case SIOCSIFBRDADDR:
		if cur == nil {
			return 0, abi.EADDRNOTAVAIL
		}
		return 0, addrErrno(s.setBroadcast(in.Index, old.IP, val))
	}
	return 0, abi.ENOTTY
}

func addrErrno(err error) error {
	switch err {
	case nil:
		return nil
	case ErrExists:
		return abi.EEXIST
	case ErrNoDevice:
		return abi.ENODEV
	}
	return abi.EINVAL
}

// setBroadcast sets the broadcast address of interface idx's address ip.
func (s *Stack) setBroadcast(idx int32, ip, bcast []byte) error {
	s.mu.Lock()
	i, ok := s.ifaces[idx]
	if !ok {
		s.mu.Unlock()
		return ErrNoDevice
	}
	for k := range i.addrs {
		if i.addrs[k].Family == AF_INET && bytes.Equal(i.addrs[k].IP, ip) {
			i.addrs[k].Broadcast = append([]byte(nil), bcast...)
			a := i.addrs[k]
			s.mu.Unlock()
			s.tell(AddrAdded, i, &a)
			return nil
		}
	}
	s.mu.Unlock()
	return ErrNoAddress
}

// routeIoctl applies SIOCADDRT or SIOCDELRT (Linux's rtentry_to_fib_config).
func (s *Stack) routeIoctl(c *vfs.Caller, cmd uint32, arg uintptr) error {
	rt := make([]byte, sizeofRtentry)
	if err := c.Mem.CopyIn(arg, rt); err != nil {
		return err
	}
	dst, gw, mask := rt[8:24], rt[24:40], rt[40:56]
	flags := binary.LittleEndian.Uint16(rt[56:])
	metric := int16(binary.LittleEndian.Uint16(rt[80:]))
	devPtr := uintptr(binary.LittleEndian.Uint64(rt[88:]))
	if binary.LittleEndian.Uint16(dst) != AF_INET {
		return abi.EAFNOSUPPORT
	}
	addr := be32(dst[4:8])
	plen := 32
	if flags&RTF_HOST == 0 {
		m := be32(mask[4:8])
		if binary.LittleEndian.Uint16(mask) != AF_INET && (m != 0 || binary.LittleEndian.Uint16(mask) != 0) {
			return abi.EAFNOSUPPORT
		}
		if badMask(m, addr) {
			return abi.EINVAL
		}
		plen = bits.OnesCount32(m)
	}
	if flags&RTF_REJECT != 0 {
		return abi.EOPNOTSUPP // unreachable routes are not implemented
	}
	r := Route{Family: AF_INET, Dst: ip4(addr), PrefixLen: plen, Protocol: RTPROT_BOOT, Scope: ScopeLink}
	if metric > 0 {
		r.Priority = int(metric) - 1
	}
	if devPtr != 0 {
		name := make([]byte, ifNameSize)
		if err := c.Mem.CopyIn(devPtr, name[:ifNameSize-1]); err != nil {
			return err
		}
		in, ok := s.ByName(cString(name))
		if !ok {
			return abi.ENODEV
		}
		r.OIF = in.Index
	}
	if binary.LittleEndian.Uint16(gw) == AF_INET && be32(gw[4:8]) != 0 && flags&RTF_GATEWAY != 0 {
		r.Gateway = append([]byte(nil), gw[4:8]...)
		r.Scope = ScopeUniverse
	}
	var err error
	if cmd == SIOCDELRT {
		err = s.DelRoute(r)
	} else {
		err = s.AddRoute(r, false)
	}
	switch err {
	case nil:
		return nil
	case ErrExists:
		return abi.EEXIST
	case ErrNoRoute:
		return abi.ESRCH
	case ErrNoDevice:
		return abi.ENODEV
	case ErrNetDown:
		return abi.ENETDOWN
	case ErrUnreachable:
		return abi.ENETUNREACH
	}
	return abi.EINVAL
}
