package inet

import (
	"bytes"
	"encoding/binary"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/waiter"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/vfs"
)

// Bind implements bind(2) with the caller's sockaddr bytes.
func (s *Socket) Bind(c *vfs.Caller, b []byte) error {
	if s.family == abi.AF_INET && len(b) >= SizeofSockaddrIn && isUnspecFamily(b) {
		// Linux accepts AF_UNSPEC with INADDR_ANY for old programs.
		if binary.BigEndian.Uint32(b[4:]) != 0 {
			return abi.EAFNOSUPPORT
		}
		binary.LittleEndian.PutUint16(b, abi.AF_INET)
	}
	a, err := s.parseAddr(b)
	if err != nil {
		return err
	}
	if a.Port != 0 && a.Port < 1024 && !bindService(c) {
		return abi.EACCES
	}
	if e := s.ep.Bind(a); e != nil {
		if _, ok := e.(*tcpip.ErrNoPortAvailable); ok {
			return abi.EADDRINUSE
		}
		return Errno(e)
	}
	return nil
}

// bindService is CAP_NET_BIND_SERVICE (net.ipv4.ip_unprivileged_port_start
// is 1024).
func bindService(c *vfs.Caller) bool {
	if c == nil {
		return true
	}
	return c.Capable(abi.CAP_NET_BIND_SERVICE)
}

// Connect implements connect(2). A TCP connect that cannot finish at once
// is EINPROGRESS on a non-blocking socket; a blocking one waits for the
// handshake and returns its result (ECONNREFUSED, ETIMEDOUT).
func (s *Socket) Connect(c *vfs.Caller, b []byte, nonblock bool) error {
	if len(b) < 2 {
		return abi.EINVAL
	}
	if isUnspecFamily(b) {
		if e := s.ep.Disconnect(); e != nil {
			if _, ok := e.(*tcpip.ErrNotSupported); !ok {
				return Errno(e)
			}
		}
		return nil
	}
	a, err := s.parseAddr(b)
	if err != nil {
		return err
	}
	if a.Addr.BitLen() == 0 {
		// Linux: connecting to INADDR_ANY or :: reaches this host.
		if s.family == abi.AF_INET {
			a.Addr = tcpip.AddrFrom4([4]byte{127, 0, 0, 1})
		} else {
			a.Addr = tcpip.AddrFrom16([16]byte{15: 1})
		}
	}
	if s.typ != abi.SOCK_STREAM {
		return Errno(s.ep.Connect(a))
	}
	s.mu.Lock()
	wasConnecting, connected := s.connecting, s.connected
	s.mu.Unlock()
	if connected {
		return abi.EISCONN // Linux: SS_CONNECTED stays until close
	}
	if wasConnecting {
		// Linux's inet_stream_connect on a socket whose earlier connect
		// returned EINPROGRESS: EALREADY while the handshake runs, then
		// once 0 (or the failure) when it has finished.
		switch st := s.ep.State(); {
		case st == tcpEstablished || st == 8 /* CLOSE_WAIT */ :
			s.mu.Lock()
			s.connecting, s.connected = false, true
			s.mu.Unlock()
			return nil
		case st == tcpSynSent || st == 3 /* SYN_RECV */ || st == 14 /* connecting */ :
			if nonblock {
				return abi.EALREADY
			}
			return s.waitConnected(c)
		default:
			s.mu.Lock()
			s.connecting = false
			s.mu.Unlock()
			if le := s.pendingError(); le != nil {
				return Errno(le)
			}
		}
	}
	e := s.ep.Connect(a)
	switch e.(type) {
	case nil:
		s.mu.Lock()
		s.connected = true
		s.mu.Unlock()
		return nil
	case *tcpip.ErrConnectStarted:
		s.mu.Lock()
		s.connecting = true
		s.mu.Unlock()
		if nonblock {
			return abi.EINPROGRESS
		}
	case *tcpip.ErrAlreadyConnecting:
		if nonblock {
			return abi.EALREADY
		}
		// Linux's inet_stream_connect waits again for a restarted connect.
	default:
		return Errno(e)
	}
	return s.waitConnected(c)
}

// waitConnected waits for a started TCP connect to finish and returns its
// result.
func (s *Socket) waitConnected(c *vfs.Caller) error {
	s.mu.Lock()
	timeo := s.sndtimeo
	s.mu.Unlock()
	werr := s.wait(c, abi.POLLOUT, false, timeo, func() (bool, error) {
		return s.ep.Readiness(waiter.WritableEvents|waiter.EventErr|waiter.EventHUp) != 0, nil
	})
	if werr == abi.EAGAIN {
		return abi.EINPROGRESS // SO_SNDTIMEO ran out: Linux says EINPROGRESS
	}
	if werr != nil {
		return werr
	}
	s.mu.Lock()
	s.connecting = false
	s.mu.Unlock()
	if le := s.pendingError(); le != nil {
		return Errno(le)
	}
	if _, e := s.ep.GetRemoteAddress(); e != nil {
		return abi.ECONNREFUSED
	}
	s.mu.Lock()
	s.connected = true
	s.mu.Unlock()
	return nil
}

// Listen implements listen(2); the backlog is clamped as Linux's
// somaxconn (4096) does.
func (s *Socket) Listen(backlog int) error {
	if s.typ != abi.SOCK_STREAM {
		return abi.EOPNOTSUPP
	}
	if backlog < 0 || backlog > 4096 {
		backlog = 4096
	}
	if e := s.ep.Listen(backlog); e != nil {
		return Errno(e)
	}
	s.mu.Lock()
	s.listening = true
	s.mu.Unlock()
	return nil
}

// Accept implements accept4(2): it returns the new connection's file
// (flags may hold O_NONBLOCK) and the peer's sockaddr.
func (s *Socket) Accept(c *vfs.Caller, nonblock bool, flags uint32) (*vfs.File, []byte, error) {
	if s.typ != abi.SOCK_STREAM {
		return nil, nil, abi.EOPNOTSUPP
	}
	var nep tcpip.Endpoint
	var nwq *waiter.Queue
	var peer tcpip.FullAddress
	s.mu.Lock()
	timeo := s.rcvtimeo
	s.mu.Unlock()
	err := s.wait(c, abi.POLLIN, nonblock, timeo, func() (bool, error) {
		ep, wq, e := s.ep.Accept(&peer)
		switch e.(type) {
		case nil:
			nep, nwq = ep, wq
			return true, nil
		case *tcpip.ErrWouldBlock:
			return false, nil
		}
		return false, Errno(e)
	})
	if err != nil {
		return nil, nil, err
	}
	ns := &Socket{st: s.st, family: s.family, typ: s.typ, proto: s.proto, ep: nep, wq: nwq, connected: true}
	s.mu.Lock()
	ns.uid = s.uid
	s.mu.Unlock()
	return ns.file(flags), s.marshalAddr(peer), nil
}

// Name implements getsockname(2).
func (s *Socket) Name() ([]byte, error) {
	a, e := s.ep.GetLocalAddress()
	if e != nil {
		return nil, Errno(e)
	}
	return s.marshalAddr(a), nil
}

// Peer implements getpeername(2): ENOTCONN without a peer.
func (s *Socket) Peer() ([]byte, error) {
	a, e := s.ep.GetRemoteAddress()
	if e != nil {
		return nil, abi.ENOTCONN
	}
	return s.marshalAddr(a), nil
}

// Shutdown implements shutdown(2).
func (s *Socket) Shutdown(how int) error {
	var f tcpip.ShutdownFlags
	switch how {
	case abi.SHUT_RD:
		f = tcpip.ShutdownRead
	case abi.SHUT_WR:
		f = tcpip.ShutdownWrite
	case abi.SHUT_RDWR:
		f = tcpip.ShutdownRead | tcpip.ShutdownWrite
	default:
		return abi.EINVAL
	}
	if e := s.ep.Shutdown(f); e != nil {
		return Errno(e)
	}
	return nil
}

// SendMsg sends data (to the address in to, if any) with MSG_* flags. A
// stream send blocks until all of data is queued unless MSG_DONTWAIT or
// O_NONBLOCK; what was queued before a signal or timeout is returned.
// EPIPE raises SIGPIPE through the caller unless MSG_NOSIGNAL.
func (s *Socket) SendMsg(c *vfs.Caller, f *vfs.File, data []byte, to []byte, flags int) (int, error) {
	if flags&abi.MSG_OOB != 0 {
		return 0, abi.EOPNOTSUPP
	}
	var opts tcpip.WriteOptions
	if len(to) > 0 && s.typ != abi.SOCK_STREAM {
		a, err := s.parseAddr(to)
		if err != nil {
			return 0, err
		}
		if a.Addr.BitLen() == 0 {
			if s.family == abi.AF_INET {
				a.Addr = tcpip.AddrFrom4([4]byte{127, 0, 0, 1})
			} else {
				a.Addr = tcpip.AddrFrom16([16]byte{15: 1})
			}
		}
		opts.To = &a
	}
	opts.More = flags&abi.MSG_MORE != 0
	nonblock := flags&abi.MSG_DONTWAIT != 0 || f.Nonblocking()
	s.mu.Lock()
	timeo := s.sndtimeo
	s.mu.Unlock()
	done := 0
	if s.typ != abi.SOCK_STREAM {
		opts.Atomic = true
	}
	err := s.wait(c, abi.POLLOUT, nonblock, timeo, func() (bool, error) {
		r := bytes.NewReader(data[done:])
		n, e := s.ep.Write(r, opts)
		done += int(n)
		switch e.(type) {
		case nil:
			return done == len(data) || s.typ != abi.SOCK_STREAM, nil
		case *tcpip.ErrWouldBlock:
			return false, nil
		}
		return false, Errno(e)
	})
	if done > 0 && s.typ == abi.SOCK_STREAM {
		return done, nil
	}
	if err == abi.EPIPE && flags&abi.MSG_NOSIGNAL == 0 && c != nil && c.SigPipe != nil {
		c.SigPipe()
	}
	if err != nil {
		return 0, err
	}
	return done, nil
}

// RecvResult is what RecvMsg returns.
type RecvResult struct {
	N     int    // bytes received (the datagram's length with MSG_TRUNC)
	From  []byte // the sender's sockaddr, for datagram sockets
	Flags int    // MSG_TRUNC when a datagram was cut
	// Control holds the control messages to deliver, each a whole
	// struct cmsghdr with its data padded to CMSG_SPACE.
	Control [][]byte
}

// RecvMsg receives into buf with MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL and
// MSG_TRUNC as Linux. A stream at end of file returns 0.
func (s *Socket) RecvMsg(c *vfs.Caller, f *vfs.File, buf []byte, flags int) (RecvResult, error) {
	if flags&abi.MSG_OOB != 0 {
		return RecvResult{}, abi.EINVAL
	}
	if flags&abi.MSG_ERRQUEUE != 0 {
		return RecvResult{}, abi.EAGAIN
	}
	nonblock := flags&abi.MSG_DONTWAIT != 0 || f.Nonblocking()
	s.mu.Lock()
	timeo := s.rcvtimeo
	s.mu.Unlock()
	stream := s.typ == abi.SOCK_STREAM
	if stream && len(buf) == 0 && flags&abi.MSG_TRUNC == 0 {
		return RecvResult{}, nil
	}
	peek := flags&abi.MSG_PEEK != 0
	waitAll := stream && flags&abi.MSG_WAITALL != 0 && !peek
	var res RecvResult
	done := 0
	eof := false
	err := s.wait(c, abi.POLLIN, nonblock, timeo, func() (bool, error) {
		var r tcpip.ReadResult
		var e tcpip.Error
		if stream && flags&abi.MSG_TRUNC != 0 {
			r, e = s.ep.Read(&discardWriter{n: len(buf) - done}, tcpip.ReadOptions{Peek: peek})
		} else {
			// Only the writer this read uses is allocated.
			w := tcpip.SliceWriter(buf[done:])
			r, e = s.ep.Read(&w, tcpip.ReadOptions{Peek: peek, NeedRemoteAddr: !stream})
		}
		switch e.(type) {
		case nil:
		case *tcpip.ErrWouldBlock:
			return false, nil
		case *tcpip.ErrClosedForReceive:
			eof = true
			return true, nil
		default:
			if done > 0 {
				return true, nil
			}
			return false, Errno(e)
		}
		done += r.Count
		if !stream {
			res.From = s.marshalAddr(r.RemoteAddr)
			res.Control = s.controlMessages(r.ControlMessages)
			if r.Total > r.Count {
				res.Flags |= abi.MSG_TRUNC
			}
			if flags&abi.MSG_TRUNC != 0 {
				done = r.Total
			}
			return true, nil
		}
		return !waitAll || done >= len(buf), nil
	})
	_ = eof
	if done > 0 {
		if err == abi.EAGAIN || err == abi.EINTR || err == abi.ERESTARTSYS {
			err = nil
		}
	}
	if err != nil {
		return RecvResult{}, err
	}
	res.N = done
	return res, nil
}

// discardWriter takes up to n bytes and drops them (MSG_TRUNC on TCP).
type discardWriter struct{ n int }

func (d *discardWriter) Write(p []byte) (int, error) {
	k := min(len(p), d.n)
	d.n -= k
	if k < len(p) {
		return k, errShort
	}
	return k, nil
}

type shortErr struct{}

func (shortErr) Error() string { return "short write" }

var errShort = shortErr{}

// Pending returns the bytes waiting to be read (FIONREAD).
func (s *Socket) Pending() int {
	v, e := s.ep.GetSockOptInt(tcpip.ReceiveQueueSizeOption)
	if e != nil {
		return 0
	}
	return v
}

// Outstanding returns the bytes queued but not yet acknowledged
// (SIOCOUTQ).
func (s *Socket) Outstanding() int {
	v, e := s.ep.GetSockOptInt(tcpip.SendQueueSizeOption)
	if e != nil {
		return 0
	}
	return v
}

// Read implements vfs.FileImpl: read(2) is recv with no flags.
func (s *Socket) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	if s.typ == abi.SOCK_STREAM && len(dst) == 0 {
		return 0, nil
	}
	r, err := s.RecvMsg(c, f, dst, 0)
	return min(r.N, len(dst)), err
}

// Write implements vfs.FileImpl: write(2) is send with no flags.
func (s *Socket) Write(c *vfs.Caller, f *vfs.File, src []byte, _ int64) (int, error) {
	return s.SendMsg(c, f, src, nil, 0)
}

// Ioctl implements vfs.FileImpl: FIONREAD/SIOCINQ and SIOCOUTQ here; the
// interface ioctls (SIOCGIF*) and, on AF_INET sockets, the IPv4
// configuration ioctls (SIOCSIFADDR, SIOCADDRT, ...) by the stack.
func (s *Socket) Ioctl(c *vfs.Caller, f *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	if net.IsIfIoctl(cmd) {
		return s.st.Ioctl(c, cmd, arg)
	}
	if net.IsInetIoctl(cmd) {
		if s.family != abi.AF_INET {
			// IPv6 sockets take struct in6_ifreq and in6_rtmsg
			// here, which are not implemented.
			return 0, abi.EOPNOTSUPP
		}
		return s.st.InetIoctl(c, cmd, arg)
	}
	s.mu.Lock()
	listening := s.listening
	s.mu.Unlock()
	var v int
	switch cmd {
	case abi.FIONREAD:
		if listening {
			return 0, abi.EINVAL
		}
		v = s.Pending()
	case abi.SIOCOUTQ:
		if listening {
			return 0, abi.EINVAL
		}
		v = s.Outstanding()
	default:
		return 0, abi.ENOTTY
	}
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, uint32(v))
	return 0, c.Mem.CopyOut(arg, b)
}

// timeval decodes a struct timeval option (SO_RCVTIMEO) as Linux's
// sock_set_timeout: a negative seconds value is zero (no timeout), a bad
// microseconds value EDOM.
func timeval(b []byte) (time.Duration, error) {
	if len(b) < abi.SizeofTimeval {
		return 0, abi.EINVAL
	}
	sec := int64(binary.LittleEndian.Uint64(b))
	usec := int64(binary.LittleEndian.Uint64(b[8:]))
	if usec < 0 || usec >= 1000000 {
		return 0, abi.EDOM
	}
	if sec < 0 {
		return 0, nil
	}
	if sec > 1<<32 {
		sec = 1 << 32
	}
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond, nil
}

func marshalTimeval(d time.Duration) []byte {
	b := make([]byte, abi.SizeofTimeval)
	binary.LittleEndian.PutUint64(b, uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
	return b
}
