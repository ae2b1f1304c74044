package inet

import (
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/tcpip"

	"aramid/kernel/abi"
)

// Sizes of the socket addresses (linux/in.h, linux/in6.h).
const (
	SizeofSockaddrIn  = 16
	SizeofSockaddrIn6 = 28
	sin6LenRFC2133    = 24 // the shortest sockaddr_in6 Linux accepts
)

// parseAddr decodes a sockaddr for this socket's family as Linux's
// inet_bind/inet6_bind and the connect paths check it: too short is
// EINVAL, another family EAFNOSUPPORT. An all-zero address becomes the
// netstack's unspecified address.
func (s *Socket) parseAddr(b []byte) (tcpip.FullAddress, error) {
	if s.family == abi.AF_INET {
		if len(b) < SizeofSockaddrIn {
			return tcpip.FullAddress{}, abi.EINVAL
		}
		if fam := binary.LittleEndian.Uint16(b); fam != abi.AF_INET {
			return tcpip.FullAddress{}, abi.EAFNOSUPPORT
		}
		return tcpip.FullAddress{Port: binary.BigEndian.Uint16(b[2:]), Addr: unspecified(b[4:8])}, nil
	}
	if len(b) < sin6LenRFC2133 {
		return tcpip.FullAddress{}, abi.EINVAL
	}
	if fam := binary.LittleEndian.Uint16(b); fam != abi.AF_INET6 {
		return tcpip.FullAddress{}, abi.EAFNOSUPPORT
	}
	a := tcpip.FullAddress{Port: binary.BigEndian.Uint16(b[2:]), Addr: unspecified(b[8:24])}
	if len(b) >= SizeofSockaddrIn6 && b[8] == 0xfe && b[9]&0xc0 == 0x80 {
		a.NIC = tcpip.NICID(binary.LittleEndian.Uint32(b[24:]))
	}
	return a, nil
}

func unspecified(ip []byte) tcpip.Address {
	for _, c := range ip {
		if c != 0 {
			return tcpip.AddrFromSlice(ip)
		}
	}
	return tcpip.Address{}
}

// marshalAddr builds the sockaddr of this socket's family for a: an IPv4
// address on an AF_INET6 socket is shown v4-mapped, an unspecified one as
// zeros.
func (s *Socket) marshalAddr(a tcpip.FullAddress) []byte {
	ip := a.Addr.AsSlice()
	if s.family == abi.AF_INET {
		b := make([]byte, SizeofSockaddrIn)
		binary.LittleEndian.PutUint16(b, abi.AF_INET)
		binary.BigEndian.PutUint16(b[2:], a.Port)
		if len(ip) == 4 {
			copy(b[4:], ip)
		} else if len(ip) == 16 {
			copy(b[4:], ip[12:])
		}
		return b
	}
	b := make([]byte, SizeofSockaddrIn6)
	binary.LittleEndian.PutUint16(b, abi.AF_INET6)
	binary.BigEndian.PutUint16(b[2:], a.Port)
	switch len(ip) {
	case 4:
		b[18], b[19] = 0xff, 0xff
		copy(b[20:], ip)
	case 16:
		copy(b[8:], ip)
		if ip[0] == 0xfe && ip[1]&0xc0 == 0x80 {
			binary.LittleEndian.PutUint32(b[24:], uint32(a.NIC))
		}
	}
	return b
}

// isUnspecFamily reports whether b is a sockaddr of family AF_UNSPEC
// (connect's "dissolve the association").
func isUnspecFamily(b []byte) bool {
	return len(b) >= 2 && binary.LittleEndian.Uint16(b) == abi.AF_UNSPEC
}
