// Package unix implements AF_UNIX sockets with Linux semantics:
// SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET; socketpair; names in the
// filesystem (an S_IFSOCK inode made through vfs.BindSocketAt) and in the
// abstract namespace, with autobind; listen/accept with a backlog;
// connect; send and receive with MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL,
// MSG_NOSIGNAL and MSG_TRUNC/MSG_CTRUNC reporting; SCM_RIGHTS and
// SCM_CREDENTIALS (with SO_PASSCRED); shutdown; socket options; readiness
// for poll/epoll; FIONREAD/SIOCINQ and SIOCOUTQ. A socket is a vfs.File
// (read and write work on connected sockets), so descriptors, dup, fork
// and fd passing need nothing special.
//
// The system-call layer decodes user structures (sockaddr_un with
// ParseAddr, control buffers with ParseControl and BuildControl) and calls
// the methods of *Socket, which take and return Go values only.
//
// # Buffers
//
// Each message queued on a receiver is charged to its sender's send
// buffer (its length plus a fixed overhead, Linux's skb truesize for small
// messages): a sender blocks while its charge reaches SO_SNDBUF. A
// datagram receiver that is not connected back to the sender also takes
// at most MaxDgramQlen+1 queued messages (net.unix.max_dgram_qlen). A
// datagram longer than SO_SNDBUF-32 bytes is EMSGSIZE. Byte counts are
// therefore close to Linux's, not equal.
//
// # Locking
//
// One mutex per Namespace (Namespace.mu) guards every socket of the
// namespace: their state, queues and the name tables. It is taken after
// the VFS locks (path lookups run before it is taken) and before
// vfs.Queue.mu, which Notify takes with it held. Namespace.listMu, the
// list of live sockets, is a leaf taken after Namespace.mu. File references carried
// by SCM_RIGHTS are dropped only after Namespace.mu is released, because
// dropping the last one may release another socket.
//
// # Not implemented
//
// MSG_OOB (EOPNOTSUPP), MSG_ERRQUEUE (EAGAIN: the error queue is always
// empty), SO_PEEK_OFF (ENOPROTOOPT), SO_PEERSEC (ENOPROTOOPT, as Linux
// without an LSM), SO_PASSSEC and SO_PASSPIDFD/SO_PEERPIDFD (SO_PASSSEC is
// accepted and recorded), garbage collection of sockets that are only
// reachable through SCM_RIGHTS messages queued on themselves (they leak,
// as on Linux before its unix GC runs), SOCK_RAW/SOCK_RDM (ESOCKTNOSUPPORT
// from the system-call layer), and per-user limits on in-flight
// descriptors. Credentials sent implicitly on write(2) (not sendmsg) use
// the caller's filesystem ids from vfs.Caller.
package unix

import (
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Defaults and limits, Linux's.
const (
	DefaultBuf    = 212992 // net.core.[rw]mem_default
	MaxBuf        = 212992 // net.core.[rw]mem_max
	minSndbuf     = 4608   // SOCK_MIN_SNDBUF
	minRcvbuf     = 2304   // SOCK_MIN_RCVBUF
	msgOverhead   = 767    // charge per queued message beyond its bytes
	streamSegment = 65536  // largest piece one stream message carries
	// DefaultMaxDgramQlen is net.unix.max_dgram_qlen's default.
	DefaultMaxDgramQlen = 10
	overflowID          = 65534 // overflowuid/overflowgid
)

// Identity is who a caller is, for SO_PEERCRED and SCM_CREDENTIALS.
type Identity struct {
	PID             int32
	UID, EUID, SUID uint32
	GID, EGID, SGID uint32
	Groups          []uint32
	// Caps is the effective capability set when CapsValid.
	Caps      uint64
	CapsValid bool
}

// capable reports whether the identity holds capability cap; without a
// known capability set (CapsValid false) euid 0 stands for all of them.
func (id *Identity) capable(cap int) bool {
	if !id.CapsValid {
		return id.EUID == 0
	}
	return id.Caps&(1<<uint(cap)) != 0
}

// CallerIdentity is the identity vfs.Caller gives: its pid and filesystem
// ids for every uid and gid.
func CallerIdentity(c *vfs.Caller) Identity {
	if c == nil {
		return Identity{UID: overflowID, EUID: overflowID, SUID: overflowID, GID: overflowID, EGID: overflowID, SGID: overflowID}
	}
	return Identity{PID: c.PID, UID: c.UID, EUID: c.UID, SUID: c.UID, GID: c.GID, EGID: c.GID, SGID: c.GID, Groups: c.Groups,
		Caps: c.Caps, CapsValid: c.CapsValid}
}

func identity(c *vfs.Caller, id *Identity) *Identity {
	if id != nil {
		return id
	}
	i := CallerIdentity(c)
	return &i
}

// peerCred is SO_PEERCRED's ucred plus SO_PEERGROUPS' groups.
type peerCred struct {
	ucred  abi.Ucred
	groups []uint32
	valid  bool
}

func credOf(id *Identity) peerCred {
	return peerCred{ucred: abi.Ucred{PID: id.PID, UID: id.EUID, GID: id.EGID}, groups: id.Groups, valid: true}
}

// Namespace holds the names sockets are bound to: abstract names and the
// socket inodes of the filesystem. A network namespace has one.
type Namespace struct {
	mu       sync.Mutex
	vfs      *vfs.VFS
	abstract map[string]*Socket
	paths    map[*vfs.Inode]*Socket
	nextAuto uint32
	// MaxDgramQlen is net.unix.max_dgram_qlen.
	MaxDgramQlen int
	sockfs       *vfs.SockFS
	// devIoctl answers the ioctls every socket family passes to the
	// network devices (Linux's sock_ioctl → dev_ioctl: SIOCGIFINDEX and
	// the other SIOCGIF*/SIOCSIF* calls); nil: none (ENOTTY).
	devIoctl func(c *vfs.Caller, cmd uint32, arg uintptr) (uintptr, error)

	// listMu guards all, the live sockets (for /proc/net/unix). It is a
	// leaf lock, taken after mu when both are held.
	listMu sync.Mutex
	all    map[*Socket]struct{}
}

// NewNamespace returns an empty namespace whose filesystem names live in
// v (nil: binding and connecting to paths fail with EOPNOTSUPP).
func NewNamespace(v *vfs.VFS) *Namespace {
	return &Namespace{vfs: v, abstract: make(map[string]*Socket), paths: make(map[*vfs.Inode]*Socket),
		nextAuto: 0x1a2b3, MaxDgramQlen: DefaultMaxDgramQlen, sockfs: &vfs.SockFS{}}
}

type sockState int

const (
	unconnected sockState = iota
	listening
	connected
)

// Shutdown bits of Socket.shut (Linux's RCV_SHUTDOWN, SEND_SHUTDOWN).
const (
	rcvShut  = 1
	sendShut = 2
	bothShut = rcvShut | sendShut
)

// message is one queued send: a datagram, a seqpacket record or a piece
// of a stream.
type message struct {
	data   []byte
	from   Addr
	cred   *abi.Ucred
	files  []*vfs.File
	sender *Socket
	charge int
}

// Socket is one AF_UNIX socket; it implements vfs.FileImpl. Every field
// below ns is guarded by ns.mu.
type Socket struct {
	vfs.FileDefaults
	ns  *Namespace
	typ int

	state    sockState
	addr     Addr
	bound    bool
	inode    *vfs.Inode // path-bound: the socket inode
	peer     *Socket
	rq       []*message
	rqBytes  int
	backlog  int
	pending  []*Socket // listening: connections not yet accepted
	embryo   bool      // created by connect, not yet accepted
	shut     int
	err      abi.Errno // SO_ERROR, reported once
	wmem     int
	sndbuf   int
	rcvbuf   int
	passcred bool
	passsec  bool
	// timestamp is SO_TIMESTAMP: datagrams are received with SCM_TIMESTAMP.
	timestamp bool
	rcvtimeo  time.Duration
	sndtimeo  time.Duration
	cred      peerCred // SO_PEERCRED
	released  bool
	opts      map[int]int32 // recorded SOL_SOCKET options with no effect

	ino atomic.Uint64 // the socket inode's number, once it has a file

	q        vfs.Queue // readiness of this socket
	peerWait vfs.Queue // space in rq / backlog, for blocked senders
}

var inoCounter atomic.Uint64

func (ns *Namespace) newSocket(typ int) *Socket {
	s := &Socket{ns: ns, typ: typ, sndbuf: DefaultBuf, rcvbuf: DefaultBuf}
	ns.register(s)
	return s
}

// checkType validates a socket type: SOCK_STREAM, SOCK_DGRAM or
// SOCK_SEQPACKET (SOCK_RAW is accepted as SOCK_DGRAM, as Linux does).
func checkType(typ int) (int, error) {
	switch typ {
	case abi.SOCK_STREAM, abi.SOCK_DGRAM, abi.SOCK_SEQPACKET:
		return typ, nil
	case abi.SOCK_RAW:
		return abi.SOCK_DGRAM, nil
	}
	return 0, abi.ESOCKTNOSUPPORT
}

// NewFile returns a file for a new socket of typ with one reference.
// flags may hold O_NONBLOCK. protocol must be 0 (or PF_UNIX).
func (ns *Namespace) NewFile(typ, protocol int, flags uint32) (*vfs.File, error) {
	if protocol != 0 && protocol != abi.AF_UNIX {
		return nil, abi.EPROTONOSUPPORT
	}
	t, err := checkType(typ)
	if err != nil {
		return nil, err
	}
	return ns.file(ns.newSocket(t), flags), nil
}

func (ns *Namespace) file(s *Socket, flags uint32) *vfs.File {
	ino := inoCounter.Add(1)
	s.ino.Store(ino)
	in := vfs.NewInode(ns.sockfs, ino, vfs.Attr{Mode: abi.S_IFSOCK | 0o777, Nlink: 1}, nil)
	f := vfs.NewFile(s, in, vfs.Path{}, abi.O_RDWR|flags&abi.O_NONBLOCK)
	f.Name = vfs.SocketName(ino)
	return f
}

// Pair implements socketpair(2): two connected sockets of typ, each
// knowing the caller (id, or the caller's identity if nil) as its peer.
func (ns *Namespace) Pair(c *vfs.Caller, id *Identity, typ, protocol int, flags uint32) (*vfs.File, *vfs.File, error) {
	if protocol != 0 && protocol != abi.AF_UNIX {
		return nil, nil, abi.EPROTONOSUPPORT
	}
	t, err := checkType(typ)
	if err != nil {
		return nil, nil, err
	}
	a, b := ns.newSocket(t), ns.newSocket(t)
	cr := credOf(identity(c, id))
	a.peer, b.peer = b, a
	a.state, b.state = connected, connected
	a.cred, b.cred = cr, cr
	return ns.file(a, flags), ns.file(b, flags), nil
}

// FromFile returns the socket behind f, or nil if f is not an AF_UNIX
// socket.
func FromFile(f *vfs.File) *Socket {
	s, _ := f.Impl.(*Socket)
	return s
}

// Type returns SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET.
func (s *Socket) Type() int { return s.typ }

// Stream implements vfs.Streamer: sockets have no file position.
func (*Socket) Stream() bool { return true }

// EventQueue implements vfs.FileImpl.
func (s *Socket) EventQueue() *vfs.Queue { return &s.q }

// Fasync implements vfs.Fasync: O_ASYNC signals the owner, as on Linux.
func (s *Socket) Fasync() {}

// wait sleeps on q (for events) until ready holds, with ns.mu held on
// entry and exit. timeout 0 means none. A timeout is EAGAIN, an
// interrupted wait with a timeout is EINTR (Linux's sock_intr_errno),
// otherwise ERESTARTSYS.
func (s *Socket) wait(c *vfs.Caller, q *vfs.Queue, events uint32, timeout time.Duration, ready func() bool) error {
	w := vfs.NewWaiter()
	q.Register(w, events)
	defer q.Unregister(w)
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for !ready() {
		d := time.Duration(-1)
		if timeout > 0 {
			d = time.Until(deadline)
			if d <= 0 {
				return abi.EAGAIN
			}
		}
		s.ns.mu.Unlock()
		err := c.Block(w.C(), d)
		s.ns.mu.Lock()
		switch {
		case err == nil:
		case err == abi.ETIMEDOUT:
			if ready() {
				return nil
			}
			return abi.EAGAIN
		case err == abi.ERESTARTSYS && timeout > 0:
			return abi.EINTR
		default:
			return err
		}
	}
	return nil
}

// notifyAll wakes every waiter of s.
func (s *Socket) notifyAll() {
	s.q.Notify(abi.POLLIN | abi.POLLOUT | abi.POLLHUP | abi.POLLERR | abi.POLLRDHUP | abi.POLLRDNORM | abi.POLLWRNORM)
	s.peerWait.Notify(^uint32(0))
}

// Release implements vfs.FileImpl: the last descriptor is gone.
func (s *Socket) Release(*vfs.File) {
	ns := s.ns
	ns.mu.Lock()
	drop := s.releaseLocked()
	ns.mu.Unlock()
	for _, f := range drop {
		f.DecRef()
	}
}

// releaseLocked closes s: unbinds it, resets its peer and pending
// connections, and empties its queue. It returns the file references the
// queue held, to drop once ns.mu is released.
func (s *Socket) releaseLocked() []*vfs.File {
	ns := s.ns
	if s.released {
		return nil
	}
	s.released = true
	ns.unregister(s)
	if s.bound {
		if s.addr.Abstract {
			if ns.abstract[s.addr.Name] == s {
				delete(ns.abstract, s.addr.Name)
			}
		} else if s.inode != nil && ns.paths[s.inode] == s {
			delete(ns.paths, s.inode)
		}
	}
	var drop []*vfs.File
	for _, e := range s.pending {
		drop = append(drop, e.releaseLocked()...)
	}
	s.pending = nil
	if p := s.peer; p != nil && s.typ != abi.SOCK_DGRAM {
		p.shut = bothShut
		if len(s.rq) > 0 || s.embryo {
			p.err = abi.ECONNRESET
		}
		p.notifyAll()
	}
	if s.typ == abi.SOCK_DGRAM {
		s.peer = nil
	}
	for _, m := range s.rq {
		drop = append(drop, m.files...)
		m.uncharge()
	}
	s.rq, s.rqBytes = nil, 0
	s.shut = bothShut
	s.notifyAll()
	return drop
}

// uncharge returns a consumed or dropped message's charge to its sender.
func (m *message) uncharge() {
	if m.sender != nil {
		m.sender.wmem -= m.charge
		m.sender.q.Notify(abi.POLLOUT | abi.POLLWRNORM | abi.POLLWRBAND)
		m.sender = nil
	}
}

// SetDevIoctl sets the handler of the network-device ioctls the sockets
// of ns pass on (it returns ENOTTY for commands it does not know).
func (ns *Namespace) SetDevIoctl(h func(c *vfs.Caller, cmd uint32, arg uintptr) (uintptr, error)) {
	ns.mu.Lock()
	ns.devIoctl = h
	ns.mu.Unlock()
}
