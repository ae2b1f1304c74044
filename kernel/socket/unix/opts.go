package unix

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Readiness implements vfs.FileImpl with Linux's unix_poll (stream) and
// unix_dgram_poll (datagram, seqpacket) rules.
func (s *Socket) Readiness(_ *vfs.File, mask uint32) uint32 {
	ns := s.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var ev uint32
	if s.err != 0 {
		ev |= abi.POLLERR
	}
	if s.shut == bothShut {
		ev |= abi.POLLHUP
	}
	if s.shut&rcvShut != 0 {
		ev |= abi.POLLRDHUP | abi.POLLIN | abi.POLLRDNORM
	}
	if len(s.rq) > 0 || len(s.pending) > 0 {
		ev |= abi.POLLIN | abi.POLLRDNORM
	}
	if s.typ != abi.SOCK_DGRAM && s.state == unconnected {
		ev |= abi.POLLHUP
	}
	writable := s.state != listening && s.wmem < s.sndbuf
	if s.typ != abi.SOCK_STREAM {
		if p := s.peer; p != nil && p.peer != s && !p.released && len(p.rq) > ns.MaxDgramQlen {
			writable = false
		}
	}
	if writable {
		ev |= abi.POLLOUT | abi.POLLWRNORM | abi.POLLWRBAND
	}
	return ev & mask
}

// Ioctl implements FIONREAD/SIOCINQ (stream and seqpacket: bytes queued;
// datagram: the size of the next datagram; listening: EINVAL) and
// SIOCOUTQ (bytes charged to the send buffer). The network-device ioctls
// go to the namespace's handler (SetDevIoctl); others are ENOTTY.
func (s *Socket) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	var v int
	ns := s.ns
	ns.mu.Lock()
	switch cmd {
	case abi.SIOCINQ:
		if s.state == listening {
			ns.mu.Unlock()
			return 0, abi.EINVAL
		}
		if s.typ == abi.SOCK_DGRAM {
			if len(s.rq) > 0 {
				v = len(s.rq[0].data)
			}
		} else {
			v = s.rqBytes
		}
	case abi.SIOCOUTQ:
		v = s.wmem
	default:
		dev := ns.devIoctl
		ns.mu.Unlock()
		if dev != nil {
			return dev(c, cmd, arg)
		}
		return 0, abi.ENOTTY
	}
	ns.mu.Unlock()
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	return 0, c.Mem.CopyOut(arg, binary.LittleEndian.AppendUint32(nil, uint32(v)))
}

// Pending returns SIOCINQ's value without user memory (for tests and
// procfs).
func (s *Socket) Pending() int {
	s.ns.mu.Lock()
	defer s.ns.mu.Unlock()
	if s.typ == abi.SOCK_DGRAM {
		if len(s.rq) > 0 {
			return len(s.rq[0].data)
		}
		return 0
	}
	return s.rqBytes
}

func int32Bytes(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// recorded are SOL_SOCKET options that are accepted and reported back but
// change nothing for AF_UNIX.
var recorded = map[int]bool{
	abi.SO_REUSEADDR: true, abi.SO_REUSEPORT: true, abi.SO_KEEPALIVE: true, abi.SO_BROADCAST: true,
	abi.SO_DONTROUTE: true, abi.SO_OOBINLINE: true, abi.SO_PRIORITY: true, abi.SO_DEBUG: true,
	abi.SO_RCVLOWAT: true, abi.SO_SNDLOWAT: true,
}

// GetSockopt implements getsockopt(2) for SOL_SOCKET: it returns the
// option's value, which the caller truncates to the user's optlen (as
// Linux does). For SO_PEERGROUPS with too small a size it returns ERANGE
// and a value whose length is the size needed. Unknown options are
// ENOPROTOOPT; other levels EOPNOTSUPP.
func (s *Socket) GetSockopt(level, name, size int) ([]byte, error) {
	if level != abi.SOL_SOCKET {
		return nil, abi.EOPNOTSUPP
	}
	ns := s.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	switch name {
	case abi.SO_TYPE:
		return int32Bytes(int32(s.typ)), nil
	case abi.SO_DOMAIN:
		return int32Bytes(abi.AF_UNIX), nil
	case abi.SO_PROTOCOL:
		return int32Bytes(0), nil
	case abi.SO_ERROR:
		e := s.err
		s.err = 0
		return int32Bytes(int32(e)), nil
	case abi.SO_ACCEPTCONN:
		return int32Bytes(boolInt(s.state == listening)), nil
	case abi.SO_PASSCRED:
		return int32Bytes(boolInt(s.passcred)), nil
	case abi.SO_PASSSEC:
		return int32Bytes(boolInt(s.passsec)), nil
	case abi.SO_TIMESTAMP:
		return int32Bytes(boolInt(s.timestamp)), nil
	case abi.SO_SNDBUF:
		return int32Bytes(int32(s.sndbuf)), nil
	case abi.SO_RCVBUF:
		return int32Bytes(int32(s.rcvbuf)), nil
	case abi.SO_RCVTIMEO, abi.SO_SNDTIMEO:
		d := s.rcvtimeo
		if name == abi.SO_SNDTIMEO {
			d = s.sndtimeo
		}
		tv := abi.Timeval{Sec: int64(d / time.Second), Usec: int64(d % time.Second / time.Microsecond)}
		b := make([]byte, abi.SizeofTimeval)
		tv.MarshalTo(b)
		return b, nil
	case abi.SO_PEERCRED:
		u := abi.Ucred{UID: ^uint32(0), GID: ^uint32(0)} // no peer: Linux's -1
		if s.cred.valid {
			u = s.cred.ucred
		}
		b := make([]byte, abi.SizeofUcred)
		u.MarshalTo(b)
		return b, nil
	case abi.SO_PEERGROUPS:
		if !s.cred.valid {
			return nil, abi.ENODATA
		}
		b := make([]byte, 0, 4*len(s.cred.groups))
		for _, g := range s.cred.groups {
			b = binary.LittleEndian.AppendUint32(b, g)
		}
		if size < len(b) {
			return make([]byte, len(b)), abi.ERANGE
		}
		return b, nil
	case abi.SO_LINGER:
		return make([]byte, 8), nil
	}
	if recorded[name] {
		return int32Bytes(s.opts[name]), nil
	}
	return nil, abi.ENOPROTOOPT
}

// SetSockopt implements setsockopt(2) for SOL_SOCKET. Buffer sizes are
// doubled and clamped as Linux does (SO_*BUFFORCE needs privilege);
// timeouts take a struct timeval (usec out of range is EDOM, a negative
// time means none). Integer options need 4 bytes (EINVAL).
func (s *Socket) SetSockopt(privileged bool, level, name int, val []byte) error {
	if level != abi.SOL_SOCKET {
		return abi.EOPNOTSUPP
	}
	ns := s.ns
	if name == abi.SO_RCVTIMEO || name == abi.SO_SNDTIMEO {
		if len(val) < abi.SizeofTimeval {
			return abi.EINVAL
		}
		var tv abi.Timeval
		tv.Unmarshal(val)
		if tv.Usec < 0 || tv.Usec >= 1e6 {
			return abi.EDOM
		}
		var d time.Duration
		if tv.Sec > 0 || tv.Usec > 0 {
			if tv.Sec >= int64(1<<62/time.Second) {
				d = 0
			} else if tv.Sec >= 0 {
				d = time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
			}
		}
		ns.mu.Lock()
		if name == abi.SO_RCVTIMEO {
			s.rcvtimeo = d
		} else {
			s.sndtimeo = d
		}
		ns.mu.Unlock()
		return nil
	}
	if name == abi.SO_LINGER {
		if len(val) < 8 {
			return abi.EINVAL
		}
		return nil
	}
	if len(val) < 4 {
		return abi.EINVAL
	}
	v := int32(binary.LittleEndian.Uint32(val))
	ns.mu.Lock()
	defer ns.mu.Unlock()
	switch name {
	case abi.SO_PASSCRED:
		s.passcred = v != 0
	case abi.SO_PASSSEC:
		s.passsec = v != 0
	case abi.SO_TIMESTAMP:
		s.timestamp = v != 0
	case abi.SO_SNDBUF, abi.SO_SNDBUFFORCE:
		if name == abi.SO_SNDBUFFORCE && !privileged {
			return abi.EPERM
		}
		n := int(uint32(v))
		if name == abi.SO_SNDBUF {
			n = min(n, MaxBuf)
		}
		s.sndbuf = max(min(n, 1<<30)*2, minSndbuf)
		s.q.Notify(abi.POLLOUT | abi.POLLWRNORM)
	case abi.SO_RCVBUF, abi.SO_RCVBUFFORCE:
		if name == abi.SO_RCVBUFFORCE && !privileged {
			return abi.EPERM
		}
		n := int(uint32(v))
		if name == abi.SO_RCVBUF {
			n = min(n, MaxBuf)
		}
		s.rcvbuf = max(min(n, 1<<30)*2, minRcvbuf)
	default:
		if !recorded[name] {
			return abi.ENOPROTOOPT
		}
		if s.opts == nil {
			s.opts = make(map[int]int32)
		}
		s.opts[name] = boolOrValue(name, v)
	}
	return nil
}

// boolOrValue normalises boolean options to 0/1 as Linux reports them.
func boolOrValue(name int, v int32) int32 {
	switch name {
	case abi.SO_PRIORITY, abi.SO_RCVLOWAT, abi.SO_SNDLOWAT:
		return v
	}
	return boolInt(v != 0)
}
