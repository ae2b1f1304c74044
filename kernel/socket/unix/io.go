package unix

import (
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// SendOpts are sendmsg(2)'s arguments other than the data.
type SendOpts struct {
	// To is the destination (sendto/sendmsg msg_name), nil for none.
	To *Addr
	// FS resolves a path destination.
	FS *vfs.FSContext
	// Control is SCM_RIGHTS/SCM_CREDENTIALS from ParseControl; the
	// socket takes its own references to the files.
	Control Control
	// Flags are MSG_* flags.
	Flags int
	// ID is the sender (nil: from the vfs.Caller).
	ID *Identity
}

// RecvResult is what one receive produced.
type RecvResult struct {
	// N is the byte count recvmsg returns: the bytes copied, or with
	// MSG_TRUNC on a datagram socket the datagram's real length.
	N int
	// Flags are the msg_flags bits: MSG_TRUNC (a datagram or record was
	// longer than the buffer); BuildControl adds MSG_CTRUNC.
	Flags int
	// From is the sender's address (unnamed if it had none); HasFrom
	// says whether one is reported at all.
	From    Addr
	HasFrom bool
	// Cred is SCM_CREDENTIALS for a receiver with SO_PASSCRED.
	Cred *abi.Ucred
	// Timestamp says the receiver asked for SCM_TIMESTAMP (SO_TIMESTAMP on
	// a datagram socket); the caller sets Time, the receive time on the
	// kernel's CLOCK_REALTIME, before BuildControl.
	Timestamp bool
	Time      time.Time
	// Files are SCM_RIGHTS references, owned by the caller (see
	// BuildControl).
	Files []*vfs.File
}

// Write implements vfs.FileImpl: send with no flags.
func (s *Socket) Write(c *vfs.Caller, f *vfs.File, src []byte, _ int64) (int, error) {
	return s.SendMsg(c, f, src, SendOpts{})
}

// Read implements vfs.FileImpl: receive with no flags; files passed to
// a plain read are closed, as Linux does.
func (s *Socket) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	r, err := s.RecvMsg(c, f, dst, 0)
	for _, x := range r.Files {
		x.DecRef()
	}
	if err != nil {
		return 0, err
	}
	return min(r.N, len(dst)), nil
}

func (s *Socket) epipe(c *vfs.Caller, flags int) error {
	if s.typ == abi.SOCK_STREAM && flags&abi.MSG_NOSIGNAL == 0 && c != nil && c.SigPipe != nil {
		c.SigPipe()
	}
	return abi.EPIPE
}

func nonblocking(f *vfs.File, flags int) bool {
	return flags&abi.MSG_DONTWAIT != 0 || (f != nil && f.Nonblocking())
}

// checkCred validates SCM_CREDENTIALS against the sender (scm_check_creds):
// its own pid unless CAP_SYS_ADMIN, one of its uids unless CAP_SETUID, one
// of its gids unless CAP_SETGID (EPERM).
func checkCred(u *abi.Ucred, id *Identity) error {
	if (u.PID != id.PID && !id.capable(abi.CAP_SYS_ADMIN)) ||
		(u.UID != id.UID && u.UID != id.EUID && u.UID != id.SUID && !id.capable(abi.CAP_SETUID)) ||
		(u.GID != id.GID && u.GID != id.EGID && u.GID != id.SGID && !id.capable(abi.CAP_SETGID)) {
		return abi.EPERM
	}
	return nil
}

// SendMsg implements send, sendto and sendmsg (and write). It returns the
// bytes queued. A stream socket may queue part of data when interrupted or
// non-blocking after progress; datagrams and records go whole.
func (s *Socket) SendMsg(c *vfs.Caller, f *vfs.File, data []byte, o SendOpts) (int, error) {
	if o.Flags&abi.MSG_OOB != 0 {
		return 0, abi.EOPNOTSUPP
	}
	id := identity(c, o.ID)
	if o.Control.Cred != nil {
		if err := checkCred(o.Control.Cred, id); err != nil {
			return 0, err
		}
	}
	if s.typ == abi.SOCK_STREAM {
		return s.sendStream(c, f, data, o, id)
	}
	return s.sendDgram(c, f, data, o, id)
}

// credFor is the credential a message from s to t carries: the one the
// sender gave, or its own if either end has SO_PASSCRED.
func credFor(s, t *Socket, o *SendOpts, id *Identity) *abi.Ucred {
	if o.Control.Cred != nil {
		u := *o.Control.Cred
		return &u
	}
	if s.passcred || t.passcred {
		return &abi.Ucred{PID: id.PID, UID: id.UID, GID: id.GID}
	}
	return nil
}

func takeRefs(files []*vfs.File) []*vfs.File {
	if len(files) == 0 {
		return nil
	}
	out := make([]*vfs.File, len(files))
	for i, f := range files {
		f.IncRef()
		out[i] = f
	}
	return out
}

func (s *Socket) sendStream(c *vfs.Caller, f *vfs.File, data []byte, o SendOpts, id *Identity) (int, error) {
	ns := s.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if o.To != nil {
		if s.state == connected {
			return 0, abi.EISCONN
		}
		return 0, abi.EOPNOTSUPP
	}
	if s.state != connected || s.peer == nil {
		return 0, abi.ENOTCONN
	}
	nonblock := nonblocking(f, o.Flags)
	n := 0
	first := true
	for first || n < len(data) {
		p := s.peer
		if s.shut&sendShut != 0 || p.shut&rcvShut != 0 || p.released {
			if n > 0 {
				return n, nil
			}
			return 0, s.epipe(c, o.Flags)
		}
		if s.wmem >= s.sndbuf {
			if nonblock {
				if n > 0 {
					return n, nil
				}
				return 0, abi.EAGAIN
			}
			err := s.wait(c, &s.q, abi.POLLOUT|abi.POLLERR|abi.POLLHUP, s.sndtimeo, func() bool {
				return s.wmem < s.sndbuf || s.shut&sendShut != 0 || p.shut&rcvShut != 0 || p.released
			})
			if err != nil {
				if n > 0 {
					return n, nil
				}
				return 0, err
			}
			continue
		}
		if len(data) == 0 {
			return 0, nil // nothing is queued (nor passed) by an empty write
		}
		k := min(len(data)-n, streamSegment)
		m := &message{data: append([]byte(nil), data[n:n+k]...), from: s.addr, sender: s, charge: k + msgOverhead}
		if first {
			m.files = takeRefs(o.Control.Rights)
			m.cred = credFor(s, p, &o, id)
		} else if s.passcred || p.passcred {
			m.cred = credFor(s, p, &SendOpts{}, id)
		}
		first = false
		p.rq = append(p.rq, m)
		p.rqBytes += k
		s.wmem += m.charge
		n += k
		p.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	}
	return n, nil
}

func (s *Socket) sendDgram(c *vfs.Caller, f *vfs.File, data []byte, o SendOpts, id *Identity) (int, error) {
	ns := s.ns
	to := o.To
	if s.typ == abi.SOCK_SEQPACKET {
		to = nil // a connected record socket ignores the address
	}
	if len(data) > s.sndbufSnapshot()-32 {
		return 0, abi.EMSGSIZE
	}
	var target *Socket
	if to != nil {
		t, err := ns.lookup(c, o.FS, *to, s.typ)
		if err != nil {
			return 0, err
		}
		target = t
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if s.typ == abi.SOCK_SEQPACKET && s.state != connected {
		return 0, abi.ENOTCONN
	}
	if s.shut&sendShut != 0 {
		return 0, s.epipe(c, o.Flags)
	}
	if target == nil {
		target = s.peer
		if target == nil {
			return 0, abi.ENOTCONN
		}
	}
	if s.passcred && s.typ == abi.SOCK_DGRAM {
		if err := s.autobindLocked(); err != nil {
			return 0, err
		}
	}
	nonblock := nonblocking(f, o.Flags)
	t := target
	for {
		if t.released {
			if s.typ == abi.SOCK_SEQPACKET {
				return 0, s.epipe(c, o.Flags)
			}
			if s.peer == t {
				s.peer = nil
			}
			return 0, abi.ECONNREFUSED
		}
		if s.typ == abi.SOCK_DGRAM && t.peer != nil && t.peer != s {
			return 0, abi.EPERM
		}
		if t.shut&rcvShut != 0 {
			return 0, s.epipe(c, o.Flags)
		}
		qfull := t.peer != s && len(t.rq) > ns.MaxDgramQlen
		if !qfull && s.wmem < s.sndbuf {
			break
		}
		if nonblock {
			return 0, abi.EAGAIN
		}
		q, ev := &s.q, uint32(abi.POLLOUT|abi.POLLERR|abi.POLLHUP)
		if qfull {
			q, ev = &t.peerWait, ^uint32(0)
		}
		err := s.wait(c, q, ev, s.sndtimeo, func() bool {
			return t.released || t.shut&rcvShut != 0 || s.shut&sendShut != 0 ||
				((t.peer == s || len(t.rq) <= ns.MaxDgramQlen) && s.wmem < s.sndbuf)
		})
		if err != nil {
			return 0, err
		}
		if s.shut&sendShut != 0 {
			return 0, s.epipe(c, o.Flags)
		}
	}
	m := &message{data: append([]byte(nil), data...), from: s.addr, sender: s, charge: len(data) + msgOverhead,
		files: takeRefs(o.Control.Rights), cred: credFor(s, t, &o, id)}
	t.rq = append(t.rq, m)
	t.rqBytes += len(data)
	s.wmem += m.charge
	t.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	return len(data), nil
}

func (s *Socket) sndbufSnapshot() int {
	s.ns.mu.Lock()
	defer s.ns.mu.Unlock()
	return s.sndbuf
}

// RecvMsg implements recv, recvfrom and recvmsg (and read) into dst.
func (s *Socket) RecvMsg(c *vfs.Caller, f *vfs.File, dst []byte, flags int) (RecvResult, error) {
	if flags&abi.MSG_OOB != 0 {
		if s.typ == abi.SOCK_STREAM {
			return RecvResult{}, abi.EINVAL
		}
		return RecvResult{}, abi.EOPNOTSUPP
	}
	if flags&abi.MSG_ERRQUEUE != 0 {
		return RecvResult{}, abi.EAGAIN
	}
	ns := s.ns
	ns.mu.Lock()
	var r RecvResult
	var drop []*vfs.File
	var err error
	if s.typ == abi.SOCK_STREAM {
		r, drop, err = s.recvStream(c, f, dst, flags)
	} else {
		r, drop, err = s.recvDgram(c, f, dst, flags)
	}
	ns.mu.Unlock()
	for _, x := range drop {
		x.DecRef()
	}
	return r, err
}

// passcredDefault is what a receiver with SO_PASSCRED sees for a message
// sent without credentials.
var passcredDefault = abi.Ucred{PID: 0, UID: overflowID, GID: overflowID}

// waitData waits for the receive queue to fill (or EOF/error), ns.mu
// held. It returns done when the caller should stop with what it has.
func (s *Socket) waitData(c *vfs.Caller, f *vfs.File, flags int) error {
	if nonblocking(f, flags) {
		return abi.EAGAIN
	}
	return s.wait(c, &s.q, abi.POLLIN|abi.POLLERR|abi.POLLHUP|abi.POLLRDHUP, s.rcvtimeo, func() bool {
		return len(s.rq) > 0 || s.err != 0 || s.shut&rcvShut != 0
	})
}

func (s *Socket) takeErr() error {
	e := s.err
	s.err = 0
	return e
}

func (s *Socket) recvStream(c *vfs.Caller, f *vfs.File, dst []byte, flags int) (RecvResult, []*vfs.File, error) {
	var r RecvResult
	if s.state != connected {
		return r, nil, abi.EINVAL
	}
	target := 1
	if flags&abi.MSG_WAITALL != 0 && flags&abi.MSG_PEEK == 0 {
		target = len(dst)
	}
	peek := flags&abi.MSG_PEEK != 0
	copied := 0
	var cred *abi.Ucred
	haveCred := false
	skip := 0 // peek: bytes of the queue already looked at
	idx := 0  // peek: index of the next message
	for {
		var m *message
		if peek {
			for idx < len(s.rq) && skip >= len(s.rq[idx].data) && len(s.rq[idx].data) > 0 {
				skip -= len(s.rq[idx].data)
				idx++
			}
			if idx < len(s.rq) {
				m = s.rq[idx]
			}
		} else if len(s.rq) > 0 {
			m = s.rq[0]
		}
		if m == nil {
			if copied >= target || (copied > 0 && len(dst) == copied) {
				break
			}
			if s.err != 0 {
				if copied > 0 {
					break
				}
				return r, nil, s.takeErr()
			}
			if s.shut&rcvShut != 0 {
				break
			}
			if copied > 0 && peek {
				break
			}
			if err := s.waitData(c, f, flags); err != nil {
				if copied > 0 {
					break
				}
				return r, nil, err
			}
			continue
		}
		// Messages from different senders are not merged when the
		// receiver wants credentials.
		if s.passcred {
			mc := m.cred
			if mc == nil {
				mc = &passcredDefault
			}
			if !haveCred {
				cred, haveCred = mc, true
			} else if *mc != *cred {
				break
			}
		}
		if copied == 0 || !haveCred {
			r.From, r.HasFrom = m.from, true
		}
		off := 0
		if peek {
			off = skip
		}
		k := copy(dst[copied:], m.data[off:])
		copied += k
		gotFiles := false
		if len(m.files) > 0 && (off == 0 || !peek) {
			if peek {
				r.Files = append(r.Files, takeRefs(m.files)...)
			} else {
				r.Files = append(r.Files, m.files...)
				m.files = nil
			}
			gotFiles = true
		}
		if peek {
			skip += k
			if len(m.data) == 0 {
				idx++
				skip = 0
			}
		} else {
			m.data = m.data[k:]
			s.rqBytes -= k
			if len(m.data) == 0 {
				s.rq = s.rq[1:]
				m.uncharge()
			}
		}
		if gotFiles || copied == len(dst) {
			break
		}
		if copied >= target && len(s.rq) == 0 && !peek {
			break
		}
	}
	if s.passcred {
		if cred == nil {
			cred = &passcredDefault
		}
		u := *cred
		r.Cred = &u
	}
	r.N = copied
	return r, nil, nil
}

func (s *Socket) recvDgram(c *vfs.Caller, f *vfs.File, dst []byte, flags int) (RecvResult, []*vfs.File, error) {
	var r RecvResult
	if s.typ == abi.SOCK_SEQPACKET && s.state != connected {
		return r, nil, abi.ENOTCONN
	}
	for len(s.rq) == 0 {
		if s.err != 0 {
			return r, nil, s.takeErr()
		}
		if s.shut&rcvShut != 0 {
			return r, nil, nil
		}
		if err := s.waitData(c, f, flags); err != nil {
			return r, nil, err
		}
	}
	m := s.rq[0]
	n := copy(dst, m.data)
	r.N = n
	if n < len(m.data) {
		r.Flags |= abi.MSG_TRUNC
		if flags&abi.MSG_TRUNC != 0 {
			r.N = len(m.data)
		}
	}
	r.From, r.HasFrom = m.from, true
	// Linux stamps a datagram as unix_dgram_recvmsg takes it (nothing
	// stamped it on the way); stream reads carry no timestamp.
	r.Timestamp = s.timestamp
	if s.passcred {
		u := passcredDefault
		if m.cred != nil {
			u = *m.cred
		}
		r.Cred = &u
	}
	if flags&abi.MSG_PEEK != 0 {
		r.Files = takeRefs(m.files)
		return r, nil, nil
	}
	r.Files = m.files
	m.files = nil
	s.rq = s.rq[1:]
	s.rqBytes -= len(m.data)
	m.uncharge()
	s.peerWait.Notify(^uint32(0))
	return r, nil, nil
}

// RecvTimeout and SendTimeout are SO_RCVTIMEO and SO_SNDTIMEO (0: none).
func (s *Socket) RecvTimeout() time.Duration {
	s.ns.mu.Lock()
	defer s.ns.mu.Unlock()
	return s.rcvtimeo
}
