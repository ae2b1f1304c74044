package inet

import (
	"encoding/binary"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"

	"aramid/kernel/abi"
)

// Option levels and names beyond SOL_SOCKET (linux/in.h, linux/in6.h,
// linux/tcp.h).
const (
	SOL_IP   = 0
	SOL_TCP  = 6
	SOL_IPV6 = 41

	IP_TOS          = 1
	IP_TTL          = 2
	IP_RECVERR      = 11
	IP_MTU_DISCOVER = 10

	IPV6_UNICAST_HOPS = 16
	IPV6_V6ONLY       = 26
	IPV6_TCLASS       = 67

	TCP_NODELAY      = 1
	TCP_MAXSEG       = 2
	TCP_CORK         = 3
	TCP_KEEPIDLE     = 4
	TCP_KEEPINTVL    = 5
	TCP_KEEPCNT      = 6
	TCP_SYNCNT       = 7
	TCP_LINGER2      = 8
	TCP_DEFER_ACCEPT = 9
	TCP_QUICKACK     = 12
	TCP_USER_TIMEOUT = 18
)

// Buffer limits (net.core.[rw]mem_max, SOCK_MIN_SNDBUF/RCVBUF) and the
// defaults Linux reports before a program sets them (tcp_wmem[1],
// tcp_rmem[1], net.core.[rw]mem_default).
const (
	memMax        = 212992
	minSndbuf     = 4608
	minRcvbuf     = 2304
	tcpSndDefault = 16384
	tcpRcvDefault = 131072
	udpDefault    = 212992
)

func intVal(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(int32(v))) }

func boolVal(b bool) []byte {
	if b {
		return intVal(1)
	}
	return intVal(0)
}

// GetSockopt implements getsockopt(2): the option's full value, which the
// caller truncates to its optlen.
func (s *Socket) GetSockopt(level, name int) ([]byte, error) {
	so := s.ep.SocketOptions()
	switch level {
	case abi.SOL_SOCKET:
		switch name {
		case abi.SO_TIMESTAMP, SO_TIMESTAMPNS:
			return s.getTimestamp(name)
		case abi.SO_TYPE:
			return intVal(s.typ), nil
		case abi.SO_DOMAIN:
			return intVal(s.family), nil
		case abi.SO_PROTOCOL:
			return intVal(s.proto), nil
		case abi.SO_ERROR:
			return intVal(s.takeError()), nil
		case abi.SO_REUSEADDR:
			return boolVal(so.GetReuseAddress()), nil
		case abi.SO_REUSEPORT:
			return boolVal(so.GetReusePort()), nil
		case abi.SO_KEEPALIVE:
			return boolVal(so.GetKeepAlive()), nil
		case abi.SO_BROADCAST:
			return boolVal(so.GetBroadcast()), nil
		case abi.SO_ACCEPTCONN:
			s.mu.Lock()
			l := s.listening
			s.mu.Unlock()
			return boolVal(l), nil
		case abi.SO_SNDBUF:
			return intVal(s.bufSize(true)), nil
		case abi.SO_RCVBUF:
			return intVal(s.bufSize(false)), nil
		case abi.SO_RCVLOWAT:
			return intVal(int(so.GetRcvlowat())), nil
		case abi.SO_LINGER:
			l := so.GetLinger()
			b := make([]byte, 8)
			if l.Enabled {
				binary.LittleEndian.PutUint32(b, 1)
			}
			binary.LittleEndian.PutUint32(b[4:], uint32(l.Timeout/time.Second))
			return b, nil
		case abi.SO_RCVTIMEO, abi.SO_SNDTIMEO:
			s.mu.Lock()
			d := s.rcvtimeo
			if name == abi.SO_SNDTIMEO {
				d = s.sndtimeo
			}
			s.mu.Unlock()
			return marshalTimeval(d), nil
		}
	case SOL_TCP:
		if s.typ != abi.SOCK_STREAM {
			return nil, abi.EOPNOTSUPP
		}
		switch name {
		case TCP_NODELAY:
			return boolVal(!so.GetDelayOption()), nil
		case TCP_CORK:
			return boolVal(so.GetCorkOption()), nil
		case TCP_QUICKACK:
			return boolVal(so.GetQuickAck()), nil
		case TCP_KEEPIDLE:
			var v tcpip.KeepaliveIdleOption
			if e := s.ep.GetSockOpt(&v); e != nil {
				return nil, Errno(e)
			}
			return intVal(int(time.Duration(v) / time.Second)), nil
		case TCP_KEEPINTVL:
			var v tcpip.KeepaliveIntervalOption
			if e := s.ep.GetSockOpt(&v); e != nil {
				return nil, Errno(e)
			}
			return intVal(int(time.Duration(v) / time.Second)), nil
		case TCP_KEEPCNT:
			v, e := s.ep.GetSockOptInt(tcpip.KeepaliveCountOption)
			if e != nil {
				return nil, Errno(e)
			}
			return intVal(v), nil
		case TCP_MAXSEG:
			v, e := s.ep.GetSockOptInt(tcpip.MaxSegOption)
			if e != nil {
				return nil, Errno(e)
			}
			return intVal(v), nil
		case TCP_USER_TIMEOUT:
			var v tcpip.TCPUserTimeoutOption
			if e := s.ep.GetSockOpt(&v); e != nil {
				return nil, Errno(e)
			}
			return intVal(int(time.Duration(v) / time.Millisecond)), nil
		}
	case SOL_IP:
		if s.family != abi.AF_INET && !(s.family == abi.AF_INET6 && s.typ != abi.SOCK_RAW) {
			return nil, abi.ENOPROTOOPT
		}
		switch name {
		case IP_TTL:
			v, e := s.ep.GetSockOptInt(tcpip.IPv4TTLOption)
			if e != nil {
				return nil, Errno(e)
			}
			if v == 0 {
				v = 64 // net.ipv4.ip_default_ttl
			}
			return intVal(v), nil
		case IP_TOS:
			v, e := s.ep.GetSockOptInt(tcpip.IPv4TOSOption)
			if e != nil {
				return nil, Errno(e)
			}
			return intVal(v), nil
		case IP_RECVERR:
			return boolVal(so.GetIPv4RecvError()), nil
		case IP_PKTINFO:
			return boolVal(so.GetReceivePacketInfo()), nil
		case IP_RECVTTL:
			return boolVal(so.GetReceiveTTL()), nil
		case IP_RECVTOS:
			return boolVal(so.GetReceiveTOS()), nil
		}
	case SOL_IPV6:
		if s.family != abi.AF_INET6 {
			return nil, abi.ENOPROTOOPT
		}
		switch name {
		case IPV6_V6ONLY:
			return boolVal(so.GetV6Only()), nil
		case IPV6_UNICAST_HOPS:
			v, e := s.ep.GetSockOptInt(tcpip.IPv6HopLimitOption)
			if e != nil {
				return nil, Errno(e)
			}
			if v < 0 {
				v = 64
			}
			return intVal(v), nil
		case IPV6_TCLASS:
			v, e := s.ep.GetSockOptInt(tcpip.IPv6TrafficClassOption)
			if e != nil {
				return nil, Errno(e)
			}
			return intVal(v), nil
		}
	}
	return nil, abi.ENOPROTOOPT
}

// bufSize is SO_SNDBUF or SO_RCVBUF as Linux reports it: the doubled value
// a program set, or the protocol's default.
func (s *Socket) bufSize(send bool) int {
	so := s.ep.SocketOptions()
	s.mu.Lock()
	defer s.mu.Unlock()
	if send && s.sndbufSet != 0 {
		return s.sndbufSet
	}
	if !send && s.rcvbufSet != 0 {
		return s.rcvbufSet
	}
	_ = so
	if s.typ == abi.SOCK_STREAM {
		if send {
			return tcpSndDefault
		}
		return tcpRcvDefault
	}
	return udpDefault
}

// takeError returns and clears the pending socket error (SO_ERROR).
func (s *Socket) takeError() int {
	if e := s.pendingError(); e != nil {
		if en, ok := Errno(e).(abi.Errno); ok {
			return int(en)
		}
	}
	return 0
}

// pendingError returns the endpoint's error once: the netstack keeps a
// TCP connection's hard error for good, where Linux clears sk_err when it
// is reported (SO_ERROR, a failed connect).
func (s *Socket) pendingError() tcpip.Error {
	e := s.ep.LastError()
	if e == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reported != nil && s.reported.String() == e.String() && s.typ == abi.SOCK_STREAM {
		return nil
	}
	s.reported = e
	return e
}

// SetSockopt implements setsockopt(2). netAdmin is CAP_NET_ADMIN (the
// *FORCE options).
func (s *Socket) SetSockopt(netAdmin bool, level, name int, v []byte) error {
	so := s.ep.SocketOptions()
	if level == abi.SOL_SOCKET && (name == abi.SO_RCVTIMEO || name == abi.SO_SNDTIMEO) {
		d, err := timeval(v)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if name == abi.SO_RCVTIMEO {
			s.rcvtimeo = d
		} else {
			s.sndtimeo = d
		}
		s.mu.Unlock()
		return nil
	}
	if level == abi.SOL_SOCKET && name == abi.SO_LINGER {
		if len(v) < 8 {
			return abi.EINVAL
		}
		on := binary.LittleEndian.Uint32(v) != 0
		secs := int32(binary.LittleEndian.Uint32(v[4:]))
		so.SetLinger(tcpip.LingerOption{Enabled: on, Timeout: time.Duration(max(secs, 0)) * time.Second})
		return nil
	}
	if len(v) < 4 {
		return abi.EINVAL
	}
	n := int(int32(binary.LittleEndian.Uint32(v)))
	on := n != 0
	switch level {
	case abi.SOL_SOCKET:
		switch name {
		case abi.SO_TIMESTAMP, SO_TIMESTAMPNS:
			return s.setTimestamp(name, on)
		case abi.SO_REUSEADDR:
			so.SetReuseAddress(on)
			return nil
		case abi.SO_REUSEPORT:
			so.SetReusePort(on)
			return nil
		case abi.SO_KEEPALIVE:
			so.SetKeepAlive(on)
			return nil
		case abi.SO_BROADCAST:
			so.SetBroadcast(on)
			return nil
		case abi.SO_RCVLOWAT:
			so.SetRcvlowat(int32(max(n, 1)))
			return nil
		case abi.SO_SNDBUF, abi.SO_SNDBUFFORCE, abi.SO_RCVBUF, abi.SO_RCVBUFFORCE:
			force := name == abi.SO_SNDBUFFORCE || name == abi.SO_RCVBUFFORCE
			if force && !netAdmin {
				return abi.EPERM
			}
			send := name == abi.SO_SNDBUF || name == abi.SO_SNDBUFFORCE
			if !force {
				n = int(min(uint32(n), memMax))
			} else if n < 0 {
				n = 0
			}
			size := n * 2
			if send {
				size = max(size, minSndbuf)
				so.SetSendBufferSize(int64(size), true)
			} else {
				size = max(size, minRcvbuf)
				so.SetReceiveBufferSize(int64(size), true)
			}
			s.mu.Lock()
			if send {
				s.sndbufSet = size
			} else {
				s.rcvbufSet = size
			}
			s.mu.Unlock()
			return nil
		}
	case SOL_TCP:
		if s.typ != abi.SOCK_STREAM {
			return abi.EOPNOTSUPP
		}
		switch name {
		case TCP_NODELAY:
			so.SetDelayOption(!on)
			return nil
		case TCP_CORK:
			so.SetCorkOption(on)
			return nil
		case TCP_QUICKACK:
			so.SetQuickAck(on)
			return nil
		case TCP_KEEPIDLE, TCP_KEEPINTVL:
			if n < 1 || n > 32767 {
				return abi.EINVAL
			}
			d := time.Duration(n) * time.Second
			if name == TCP_KEEPIDLE {
				v := tcpip.KeepaliveIdleOption(d)
				return Errno(s.ep.SetSockOpt(&v))
			}
			v := tcpip.KeepaliveIntervalOption(d)
			return Errno(s.ep.SetSockOpt(&v))
		case TCP_KEEPCNT:
			if n < 1 || n > 127 {
				return abi.EINVAL
			}
			return Errno(s.ep.SetSockOptInt(tcpip.KeepaliveCountOption, n))
		case TCP_USER_TIMEOUT:
			if n < 0 {
				return abi.EINVAL
			}
			v := tcpip.TCPUserTimeoutOption(time.Duration(n) * time.Millisecond)
			return Errno(s.ep.SetSockOpt(&v))
		}
	case SOL_IP:
		if s.family != abi.AF_INET && !(s.family == abi.AF_INET6 && s.typ != abi.SOCK_RAW) {
			return abi.ENOPROTOOPT
		}
		switch name {
		case IP_TTL:
			if n == -1 {
				n = 0
			}
			if n < 0 || n > 255 {
				return abi.EINVAL
			}
			return Errno(s.ep.SetSockOptInt(tcpip.IPv4TTLOption, n))
		case IP_TOS:
			return Errno(s.ep.SetSockOptInt(tcpip.IPv4TOSOption, n&0xff))
		case IP_RECVERR:
			so.SetIPv4RecvError(on)
			return nil
		case IP_PKTINFO:
			so.SetReceivePacketInfo(on)
			return nil
		case IP_RECVTTL:
			so.SetReceiveTTL(on)
			return nil
		case IP_RECVTOS:
			so.SetReceiveTOS(on)
			return nil
		}
	case SOL_IPV6:
		if s.family != abi.AF_INET6 {
			return abi.ENOPROTOOPT
		}
		switch name {
		case IPV6_V6ONLY:
			if _, e := s.ep.GetLocalAddress(); e == nil {
				if a, _ := s.ep.GetLocalAddress(); a.Port != 0 {
					return abi.EINVAL // Linux: not once bound
				}
			}
			so.SetV6Only(on)
			return nil
		case IPV6_UNICAST_HOPS:
			if n < -1 || n > 255 {
				return abi.EINVAL
			}
			return Errno(s.ep.SetSockOptInt(tcpip.IPv6HopLimitOption, n))
		case IPV6_TCLASS:
			if n < -1 || n > 255 {
				return abi.EINVAL
			}
			return Errno(s.ep.SetSockOptInt(tcpip.IPv6TrafficClassOption, max(n, 0)))
		}
	}
	return abi.ENOPROTOOPT
}
