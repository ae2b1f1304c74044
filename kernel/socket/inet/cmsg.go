package inet

import (
	"encoding/binary"

	"gvisor.dev/gvisor/pkg/tcpip"

	"aramid/kernel/abi"
)

// Receive-side control messages of datagram sockets (UDP, ping, raw), in
// Linux's order: the timestamp (SO_TIMESTAMP: SCM_TIMESTAMP, a struct
// timeval; SO_TIMESTAMPNS: SCM_TIMESTAMPNS, a struct timespec; of the
// packet's arrival on CLOCK_REALTIME), then for an IPv4 packet IP_PKTINFO
// (struct in_pktinfo), IP_TTL (an int) and IP_TOS (one byte), each when
// its IP_PKTINFO, IP_RECVTTL or IP_RECVTOS option is on. A stream socket
// takes the IP options (Linux accepts them and delivers nothing on TCP)
// but not the timestamp ones (Linux stamps TCP reads too; the netstack
// keeps no arrival time for a stream).

// More option names (linux/in.h, asm-generic/socket.h).
const (
	IP_PKTINFO      = 8
	IP_RECVTTL      = 12
	IP_RECVTOS      = 13
	SO_TIMESTAMPNS  = 35
	SCM_TIMESTAMPNS = SO_TIMESTAMPNS
)

// Timestamp modes (Socket.tstamp): SOCK_RCVTSTAMP without and with
// SOCK_RCVTSTAMPNS.
const (
	tstampOff = iota
	tstampTimeval
	tstampTimespec
)

// setTimestamp is setsockopt SO_TIMESTAMP or SO_TIMESTAMPNS (Linux's
// sock_set_timestamp: either turns the other off; 0 turns both off).
func (s *Socket) setTimestamp(name int, on bool) error {
	if s.typ == abi.SOCK_STREAM {
		return abi.ENOPROTOOPT
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !on:
		s.tstamp = tstampOff
	case name == abi.SO_TIMESTAMP:
		s.tstamp = tstampTimeval
	default:
		s.tstamp = tstampTimespec
	}
	return nil
}

// getTimestamp is getsockopt SO_TIMESTAMP or SO_TIMESTAMPNS.
func (s *Socket) getTimestamp(name int) ([]byte, error) {
	if s.typ == abi.SOCK_STREAM {
		return nil, abi.ENOPROTOOPT
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == abi.SO_TIMESTAMP {
		return boolVal(s.tstamp == tstampTimeval), nil
	}
	return boolVal(s.tstamp == tstampTimespec), nil
}

// controlMessages builds the control messages of one received datagram.
func (s *Socket) controlMessages(cm tcpip.ReceivableControlMessages) [][]byte {
	var out [][]byte
	s.mu.Lock()
	ts := s.tstamp
	s.mu.Unlock()
	if ts != tstampOff && cm.HasTimestamp {
		ns := cm.Timestamp.UnixNano()
		sec, frac := ns/1e9, ns%1e9
		if ts == tstampTimeval {
			out = append(out, cmsg(abi.SOL_SOCKET, abi.SCM_TIMESTAMP, le64(nil, sec, frac/1000)))
		} else {
			out = append(out, cmsg(abi.SOL_SOCKET, SCM_TIMESTAMPNS, le64(nil, sec, frac)))
		}
	}
	if cm.HasIPPacketInfo {
		b := binary.LittleEndian.AppendUint32(nil, uint32(cm.PacketInfo.NIC))
		b = append(b, addr4(cm.PacketInfo.LocalAddr)...)
		b = append(b, addr4(cm.PacketInfo.DestinationAddr)...)
		out = append(out, cmsg(SOL_IP, IP_PKTINFO, b))
	}
	if cm.HasTTL {
		out = append(out, cmsg(SOL_IP, IP_TTL, binary.LittleEndian.AppendUint32(nil, uint32(cm.TTL))))
	}
	if cm.HasTOS {
		out = append(out, cmsg(SOL_IP, IP_TOS, []byte{cm.TOS}))
	}
	return out
}

// addr4 is a's four bytes (zeros if it is not an IPv4 address).
func addr4(a tcpip.Address) []byte {
	if a.Len() != 4 {
		return make([]byte, 4)
	}
	b := a.As4()
	return b[:]
}

// le64 appends each value as a little-endian 64-bit word.
func le64(b []byte, vs ...int64) []byte {
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return b
}

// cmsg builds one control message: struct cmsghdr and its data, padded
// to CMSG_SPACE.
func cmsg(level, typ int, data []byte) []byte {
	b := make([]byte, abi.CmsgSpace(len(data)))
	binary.LittleEndian.PutUint64(b, uint64(abi.CmsgLen(len(data))))
	binary.LittleEndian.PutUint32(b[8:], uint32(level))
	binary.LittleEndian.PutUint32(b[12:], uint32(typ))
	copy(b[abi.CmsgAlign(abi.SizeofCmsghdr):], data)
	return b
}
