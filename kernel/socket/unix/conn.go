package unix

import (
	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// autobindLocked gives s an abstract name of five hex digits, as bind(2)
// with only the family does (and connect or send with SO_PASSCRED).
func (s *Socket) autobindLocked() error {
	if s.bound {
		return nil
	}
	ns := s.ns
	for i := 0; i < 1<<20; i++ {
		n := ns.nextAuto & 0xfffff
		ns.nextAuto++
		const hex = "0123456789abcdef"
		name := []byte{hex[n>>16&15], hex[n>>12&15], hex[n>>8&15], hex[n>>4&15], hex[n&15]}
		if _, taken := ns.abstract[string(name)]; !taken {
			s.addr = Addr{Name: string(name), Abstract: true}
			s.bound = true
			ns.abstract[s.addr.Name] = s
			return nil
		}
	}
	return abi.ENOSPC
}

// Bind implements bind(2). fsc resolves relative paths. The unnamed
// address autobinds. Binding twice is EINVAL; a name in use is
// EADDRINUSE (a path that exists in any form counts as in use).
func (s *Socket) Bind(c *vfs.Caller, fsc *vfs.FSContext, a Addr) error {
	ns := s.ns
	ns.mu.Lock()
	if s.bound {
		ns.mu.Unlock()
		return abi.EINVAL
	}
	if a.Unnamed() {
		defer ns.mu.Unlock()
		return s.autobindLocked()
	}
	if a.Abstract {
		defer ns.mu.Unlock()
		if _, taken := ns.abstract[a.Name]; taken {
			return abi.EADDRINUSE
		}
		s.addr, s.bound = a, true
		ns.abstract[a.Name] = s
		return nil
	}
	ns.mu.Unlock()
	if ns.vfs == nil || fsc == nil {
		return abi.EOPNOTSUPP
	}
	in, err := ns.vfs.BindSocketAt(c, fsc, a.Name)
	if err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if s.bound {
		return abi.EINVAL // bound concurrently; the inode stays, as a stale name
	}
	s.addr, s.bound, s.inode = a, true, in
	ns.paths[in] = s
	return nil
}

// lookup finds the socket bound to a, of type typ. A missing abstract
// name, or one bound by a socket of another type, is ECONNREFUSED; a
// path follows vfs.LookupSocketAt, and a socket of another type there is
// EPROTOTYPE.
func (ns *Namespace) lookup(c *vfs.Caller, fsc *vfs.FSContext, a Addr, typ int) (*Socket, error) {
	if a.Unnamed() {
		return nil, abi.EINVAL
	}
	if a.Abstract {
		ns.mu.Lock()
		t := ns.abstract[a.Name]
		ns.mu.Unlock()
		if t == nil || t.typ != typ {
			return nil, abi.ECONNREFUSED
		}
		return t, nil
	}
	if ns.vfs == nil || fsc == nil {
		return nil, abi.ECONNREFUSED
	}
	in, err := ns.vfs.LookupSocketAt(c, fsc, a.Name)
	if err != nil {
		return nil, err
	}
	ns.mu.Lock()
	t := ns.paths[in]
	ns.mu.Unlock()
	if t == nil {
		return nil, abi.ECONNREFUSED
	}
	if t.typ != typ {
		return nil, abi.EPROTOTYPE
	}
	return t, nil
}

// Listen implements listen(2): only bound stream and seqpacket sockets
// that are not connected may listen (EINVAL; datagram sockets
// EOPNOTSUPP). The backlog is capped at SOMAXCONN; a negative one means
// SOMAXCONN. Listening again changes the backlog. The listener's
// credentials become SO_PEERCRED of the sockets that connect to it.
func (s *Socket) Listen(c *vfs.Caller, id *Identity, backlog int) error {
	if s.typ == abi.SOCK_DGRAM {
		return abi.EOPNOTSUPP
	}
	ns := s.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if !s.bound || s.state == connected {
		return abi.EINVAL
	}
	if backlog < 0 || backlog > abi.SOMAXCONN {
		backlog = abi.SOMAXCONN
	}
	if s.state != listening {
		s.cred = credOf(identity(c, id))
	}
	s.backlog = backlog
	s.state = listening
	s.peerWait.Notify(^uint32(0))
	return nil
}

// Connect implements connect(2). For stream and seqpacket sockets it
// queues a new connection on the listener at a (waiting for room in the
// backlog unless nonblock, which is EAGAIN, honouring SO_SNDTIMEO); the
// socket is connected at once. For datagram sockets it sets the default
// destination; the unnamed address (AF_UNSPEC from the system-call
// layer) disconnects.
func (s *Socket) Connect(c *vfs.Caller, fsc *vfs.FSContext, id *Identity, a Addr, nonblock bool) error {
	ns := s.ns
	if s.typ == abi.SOCK_DGRAM {
		if a.Unnamed() {
			ns.mu.Lock()
			s.peer = nil
			ns.mu.Unlock()
			return nil
		}
		t, err := ns.lookup(c, fsc, a, s.typ)
		if err != nil {
			return err
		}
		ns.mu.Lock()
		defer ns.mu.Unlock()
		if t.released {
			return abi.ECONNREFUSED
		}
		if s.passcred {
			if err := s.autobindLocked(); err != nil {
				return err
			}
		}
		s.peer = t
		s.notifyAll()
		return nil
	}
	if a.Unnamed() {
		return abi.EINVAL
	}
	ns.mu.Lock()
	switch s.state {
	case connected:
		ns.mu.Unlock()
		return abi.EISCONN
	case listening:
		ns.mu.Unlock()
		return abi.EINVAL
	}
	ns.mu.Unlock()
	t, err := ns.lookup(c, fsc, a, s.typ)
	if err != nil {
		return err
	}
	me := identity(c, id)
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if s.state == connected {
		return abi.EISCONN
	}
	full := func() bool { return len(t.pending) > t.backlog }
	if t.released || t.state != listening {
		return abi.ECONNREFUSED
	}
	if full() {
		if nonblock {
			return abi.EAGAIN
		}
		err := s.wait(c, &t.peerWait, ^uint32(0), s.sndtimeo, func() bool {
			return t.released || t.state != listening || !full() || s.state != unconnected
		})
		if err != nil {
			return err
		}
		if t.released || t.state != listening {
			return abi.ECONNREFUSED
		}
		if s.state == connected {
			return abi.EISCONN
		}
	}
	if s.passcred {
		if err := s.autobindLocked(); err != nil {
			return err
		}
	}
	e := ns.newSocket(s.typ)
	e.state, e.embryo, e.peer = connected, true, s
	e.addr, e.bound = t.addr, false // accepted sockets report the listener's name
	e.cred = credOf(me)
	e.passcred, e.passsec = t.passcred, t.passsec
	e.sndbuf, e.rcvbuf = t.sndbuf, t.rcvbuf
	s.peer, s.state = e, connected
	s.cred = t.cred
	t.pending = append(t.pending, e)
	t.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	s.notifyAll()
	return nil
}

// Accept implements accept4(2) below the descriptor table: it returns
// the file of the oldest pending connection (flags may hold O_NONBLOCK).
// A socket that is not listening is EINVAL; with no connection pending it
// waits (honouring SO_RCVTIMEO) unless nonblock, which is EAGAIN.
func (s *Socket) Accept(c *vfs.Caller, nonblock bool, flags uint32) (*vfs.File, error) {
	ns := s.ns
	ns.mu.Lock()
	if s.state != listening {
		ns.mu.Unlock()
		return nil, abi.EINVAL
	}
	if len(s.pending) == 0 {
		if nonblock {
			ns.mu.Unlock()
			return nil, abi.EAGAIN
		}
		err := s.wait(c, &s.q, abi.POLLIN|abi.POLLHUP|abi.POLLERR, s.rcvtimeo, func() bool {
			return len(s.pending) > 0 || s.state != listening || s.released
		})
		if err == nil && s.state != listening {
			err = abi.EINVAL
		}
		if err != nil {
			ns.mu.Unlock()
			return nil, err
		}
	}
	e := s.pending[0]
	s.pending = s.pending[1:]
	e.embryo = false
	s.peerWait.Notify(^uint32(0))
	ns.mu.Unlock()
	return ns.file(e, flags), nil
}

// Shutdown implements shutdown(2). how is SHUT_RD, SHUT_WR or SHUT_RDWR
// (else EINVAL); like Linux it succeeds on unconnected sockets. On a
// connected stream or seqpacket socket the peer sees the other half: our
// SHUT_WR is its end of file, our SHUT_RD makes its writes EPIPE.
func (s *Socket) Shutdown(how int) error {
	if how < abi.SHUT_RD || how > abi.SHUT_RDWR {
		return abi.EINVAL
	}
	mode := how + 1 // rcvShut, sendShut, bothShut
	ns := s.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	s.shut |= mode
	s.notifyAll()
	if p := s.peer; p != nil && s.typ != abi.SOCK_DGRAM {
		pm := 0
		if mode&rcvShut != 0 {
			pm |= sendShut
		}
		if mode&sendShut != 0 {
			pm |= rcvShut
		}
		p.shut |= pm
		p.notifyAll()
	}
	return nil
}

// Name implements getsockname(2).
func (s *Socket) Name() Addr {
	s.ns.mu.Lock()
	defer s.ns.mu.Unlock()
	return s.addr
}

// PeerName implements getpeername(2): ENOTCONN without a peer.
func (s *Socket) PeerName() (Addr, error) {
	s.ns.mu.Lock()
	defer s.ns.mu.Unlock()
	if s.peer == nil || (s.typ != abi.SOCK_DGRAM && s.state != connected) {
		return Addr{}, abi.ENOTCONN
	}
	return s.peer.addr, nil
}
