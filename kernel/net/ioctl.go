package net

import (
	"encoding/binary"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Interface ioctls (linux/sockios.h).
const (
	SIOCGIFNAME    = 0x8910
	SIOCGIFCONF    = 0x8912
	SIOCGIFFLAGS   = 0x8913
	SIOCSIFFLAGS   = 0x8914
	SIOCGIFADDR    = 0x8915
	SIOCGIFNETMASK = 0x891b
	SIOCGIFMTU     = 0x8921
	SIOCSIFMTU     = 0x8922
	SIOCGIFHWADDR  = 0x8927
	SIOCGIFINDEX   = 0x8933
	SIOCGIFTXQLEN  = 0x8942
)

// sizeofIfreq is sizeof(struct ifreq); sizeofIfconf sizeof(struct ifconf).
const (
	sizeofIfreq  = 40
	sizeofIfconf = 16
	ifNameSize   = 16
	txQueueLen   = 1000 // lo's and a NIC's default tx_queue_len
)

// IsIfIoctl reports whether cmd is one of the interface ioctls Ioctl
// answers.
func IsIfIoctl(cmd uint32) bool {
	switch cmd {
	case SIOCGIFNAME, SIOCGIFCONF, SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK,
		SIOCGIFMTU, SIOCSIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFTXQLEN:
		return true
	}
	return false
}

// Ioctl answers the interface ioctls any socket takes (Linux's dev_ioctl
// and devinet_ioctl): names, flags, the first IPv4 address and netmask,
// MTU, hardware address, index, queue length, and SIOCGIFCONF. Setting
// flags or the MTU needs CAP_NET_ADMIN (EPERM).
func (s *Stack) Ioctl(c *vfs.Caller, cmd uint32, arg uintptr) (uintptr, error) {
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	if cmd == SIOCGIFCONF {
		return 0, s.ifconf(c, arg)
	}
	req := make([]byte, sizeofIfreq)
	if err := c.Mem.CopyIn(arg, req); err != nil {
		return 0, err
	}
	if cmd == SIOCGIFNAME {
		in, ok := s.ByIndex(int32(binary.LittleEndian.Uint32(req[ifNameSize:])))
		if !ok {
			return 0, abi.ENODEV
		}
		clear(req[:ifNameSize])
		copy(req[:ifNameSize-1], in.Name)
		return 0, c.Mem.CopyOut(arg, req)
	}
	name := cString(req[:ifNameSize])
	in, ok := s.ByName(name)
	if !ok {
		return 0, abi.ENODEV
	}
	u := req[ifNameSize:]
	clear(u)
	switch cmd {
	case SIOCGIFFLAGS:
		binary.LittleEndian.PutUint16(u, uint16(in.Flags))
	case SIOCSIFFLAGS:
		if !c.Capable(abi.CAP_NET_ADMIN) {
			return 0, abi.EPERM
		}
		var raw [2]byte
		if err := c.Mem.CopyIn(arg+ifNameSize, raw[:]); err != nil {
			return 0, err
		}
		return 0, s.SetUp(in.Index, binary.LittleEndian.Uint16(raw[:])&IFF_UP != 0)
	case SIOCGIFADDR, SIOCGIFNETMASK:
		var a *Addr
		for k := range in.Addrs {
			if in.Addrs[k].Family == AF_INET {
				a = &in.Addrs[k]
				break
			}
		}
		if a == nil {
			return 0, abi.EADDRNOTAVAIL
		}
		binary.LittleEndian.PutUint16(u, AF_INET)
		if cmd == SIOCGIFADDR {
			copy(u[4:8], a.IP)
		} else {
			copy(u[4:8], maskIP([]byte{255, 255, 255, 255}, a.PrefixLen))
		}
	case SIOCGIFMTU:
		binary.LittleEndian.PutUint32(u, in.MTU)
	case SIOCSIFMTU:
		if !c.Capable(abi.CAP_NET_ADMIN) {
			return 0, abi.EPERM
		}
		var raw [4]byte
		if err := c.Mem.CopyIn(arg+ifNameSize, raw[:]); err != nil {
			return 0, err
		}
		if err := s.SetMTU(in.Index, binary.LittleEndian.Uint32(raw[:])); err != nil {
			return 0, abi.EINVAL
		}
		return 0, nil
	case SIOCGIFHWADDR:
		binary.LittleEndian.PutUint16(u, in.Type)
		copy(u[2:16], in.HWAddr)
	case SIOCGIFINDEX:
		binary.LittleEndian.PutUint32(u, uint32(in.Index))
	case SIOCGIFTXQLEN:
		binary.LittleEndian.PutUint32(u, txQueueLen)
	default:
		return 0, abi.ENOTTY
	}
	return 0, c.Mem.CopyOut(arg, req)
}

// ifconf implements SIOCGIFCONF: one ifreq (name, sockaddr_in) per IPv4
// address; with a null buffer, only the length needed.
func (s *Stack) ifconf(c *vfs.Caller, arg uintptr) error {
	hdr := make([]byte, sizeofIfconf)
	if err := c.Mem.CopyIn(arg, hdr); err != nil {
		return err
	}
	room := int32(binary.LittleEndian.Uint32(hdr))
	buf := uintptr(binary.LittleEndian.Uint64(hdr[8:]))
	var out []byte
	for _, in := range s.Interfaces() {
		for _, a := range in.Addrs {
			if a.Family != AF_INET {
				continue
			}
			r := make([]byte, sizeofIfreq)
			copy(r[:ifNameSize-1], in.Name)
			binary.LittleEndian.PutUint16(r[ifNameSize:], AF_INET)
			copy(r[ifNameSize+4:], a.IP)
			out = append(out, r...)
		}
	}
	n := int32(len(out))
	if buf != 0 {
		if room < 0 {
			room = 0
		}
		n = min(n, room/sizeofIfreq*sizeofIfreq)
		if n > 0 {
			if err := c.Mem.CopyOut(buf, out[:n]); err != nil {
				return err
			}
		}
	}
	binary.LittleEndian.PutUint32(hdr, uint32(n))
	return c.Mem.CopyOut(arg, hdr[:4])
}

func cString(b []byte) string {
	for k, c := range b {
		if c == 0 {
			return string(b[:k])
		}
	}
	return string(b)
}
