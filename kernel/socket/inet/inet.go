// Package inet implements AF_INET and AF_INET6 sockets over the kernel's
// netstack (kernel/net): SOCK_STREAM (TCP), SOCK_DGRAM (UDP, and ICMP
// "ping" sockets gated by net.ipv4.ping_group_range) and SOCK_RAW (with
// CAP_NET_RAW). A socket is a vfs.File whose readiness is the netstack
// endpoint's, forwarded from the endpoint's waiter queue to the file's
// vfs.Queue, so poll, select and epoll need nothing special; blocking
// operations sleep through the caller's Blocker and so end with
// ERESTARTSYS (EINTR with a timeout) when a signal comes.
//
// The system-call layer passes socket addresses as the raw sockaddr bytes
// the caller gave and gets them back the same way; this package parses and
// builds sockaddr_in and sockaddr_in6.
//
// # Locking
//
// Socket.mu guards the fields Linux keeps beside the endpoint (timeouts,
// the connect state for SO_ERROR); it is never held across a netstack call
// that blocks, and the netstack's own locks are taken after it. The
// netstack calls back (waiter notifications) with its locks held; the
// callback only takes vfs.Queue.mu.
//
// # Not implemented
//
// Control messages beyond cmsg.go's (IPv6 ones, and sendmsg with a control
// buffer is EINVAL), SO_TIMESTAMP on stream sockets, MSG_OOB, MSG_ERRQUEUE,
// multicast membership options, TCP_INFO, SO_ATTACH_FILTER.
package inet

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/vfs"
)

// IP protocol numbers (linux/in.h).
const (
	IPPROTO_IP     = 0
	IPPROTO_ICMP   = 1
	IPPROTO_TCP    = 6
	IPPROTO_UDP    = 17
	IPPROTO_IPV6   = 41
	IPPROTO_ICMPV6 = 58
	IPPROTO_RAW    = 255
)

// Socket is one AF_INET or AF_INET6 socket; it implements vfs.FileImpl.
type Socket struct {
	vfs.FileDefaults
	st     *net.Stack
	family int
	typ    int
	proto  int
	ep     tcpip.Endpoint
	wq     *waiter.Queue
	entry  waiter.Entry
	q      vfs.Queue
	ino    uint64

	mu       sync.Mutex
	rcvtimeo time.Duration
	sndtimeo time.Duration
	// connecting is set by a TCP connect that returned EINPROGRESS or was
	// interrupted, until its result is read (SO_ERROR, connect again).
	connecting bool
	// connected: a stream connect succeeded or the socket was accepted
	// (Linux's SS_CONNECTED: connect is EISCONN from then on).
	connected bool
	listening bool
	// pendingErr holds a connect's failure once seen, for SO_ERROR.
	released bool
	uid      uint32
	// reported is the TCP hard error already reported (see pendingError).
	reported tcpip.Error
	// sndbufSet and rcvbufSet are the doubled SO_SNDBUF/SO_RCVBUF values
	// a program set (0: the protocol default).
	sndbufSet, rcvbufSet int
	// tstamp is SO_TIMESTAMP/SO_TIMESTAMPNS (cmsg.go).
	tstamp int
}

var inoCounter atomic.Uint64

// Creator tells New who is making the socket.
type Creator struct {
	// Groups are the caller's effective gid followed by its
	// supplementary groups (the ping_group_range check).
	Groups []uint32
	// NetRaw says whether the caller holds CAP_NET_RAW.
	NetRaw bool
}

// New returns a file for a new socket of family (AF_INET or AF_INET6),
// typ and protocol, as Linux's inet_create checks them; flags may hold
// O_NONBLOCK.
func New(st *net.Stack, cr Creator, family, typ, protocol int, flags uint32) (*vfs.File, error) {
	netProto := ipv4.ProtocolNumber
	if family == abi.AF_INET6 {
		netProto = ipv6.ProtocolNumber
	}
	if protocol < 0 || protocol > 255 {
		return nil, abi.EINVAL
	}
	s := &Socket{st: st, family: family, typ: typ, wq: &waiter.Queue{}}
	var err tcpip.Error
	switch typ {
	case abi.SOCK_STREAM:
		if protocol != IPPROTO_IP && protocol != IPPROTO_TCP {
			return nil, abi.EPROTONOSUPPORT
		}
		s.proto = IPPROTO_TCP
		s.ep, err = st.NS.NewEndpoint(tcp.ProtocolNumber, netProto, s.wq)
	case abi.SOCK_DGRAM:
		switch {
		case protocol == IPPROTO_IP || protocol == IPPROTO_UDP:
			s.proto = IPPROTO_UDP
			s.ep, err = st.NS.NewEndpoint(udp.ProtocolNumber, netProto, s.wq)
		case family == abi.AF_INET && protocol == IPPROTO_ICMP, family == abi.AF_INET6 && protocol == IPPROTO_ICMPV6:
			if !pingAllowed(st, cr.Groups) {
				return nil, abi.EACCES
			}
			s.proto = protocol
			icmpProto := icmp.ProtocolNumber4
			if family == abi.AF_INET6 {
				icmpProto = icmp.ProtocolNumber6
			}
			s.ep, err = st.NS.NewEndpoint(icmpProto, netProto, s.wq)
		default:
			return nil, abi.EPROTONOSUPPORT
		}
	case abi.SOCK_RAW:
		if !cr.NetRaw {
			return nil, abi.EPERM
		}
		if protocol == IPPROTO_IP {
			return nil, abi.EPROTONOSUPPORT
		}
		s.proto = protocol
		// IPPROTO_RAW sockets send packets whose IP header the program
		// writes (IP_HDRINCL implied) and receive nothing, as on Linux:
		// the netstack's unassociated raw endpoint.
		s.ep, err = st.NS.NewRawEndpoint(tcpip.TransportProtocolNumber(protocol), netProto, s.wq, protocol != IPPROTO_RAW)
	default:
		return nil, abi.ESOCKTNOSUPPORT
	}
	if err != nil {
		return nil, Errno(err)
	}
	return s.file(flags), nil
}

// pingAllowed is Linux's ping_init_sock check: some group of the caller
// within net.ipv4.ping_group_range.
func pingAllowed(st *net.Stack, groups []uint32) bool {
	low, high := st.PingGroupRange()
	for _, g := range groups {
		if low <= g && g <= high {
			return true
		}
	}
	return false
}

func (s *Socket) file(flags uint32) *vfs.File {
	s.entry = waiter.NewFunctionEntry(waiter.AllEvents, func(m waiter.EventMask) {
		// The netstack announces a received FIN as readability only;
		// waiters for POLLRDHUP alone must look too.
		if m&waiter.EventIn != 0 {
			m |= waiter.EventRdHUp
		}
		s.q.Notify(uint32(m))
	})
	s.wq.EventRegister(&s.entry)
	s.ino = inoCounter.Add(1) | 1<<31
	in := vfs.NewInode(vfs.Sockets, s.ino, vfs.Attr{Mode: abi.S_IFSOCK | 0o777, Nlink: 1}, nil)
	f := vfs.NewFile(s, in, vfs.Path{}, abi.O_RDWR|flags&abi.O_NONBLOCK)
	f.Name = "socket:[" + itoa(int64(s.ino)) + "]"
	register(s)
	return f
}

func itoa(v int64) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// FromFile returns the socket behind f, or nil.
func FromFile(f *vfs.File) *Socket {
	s, _ := f.Impl.(*Socket)
	return s
}

// SetOwner records the creating user (the uid column of /proc/net/tcp).
func (s *Socket) SetOwner(uid uint32) {
	s.mu.Lock()
	s.uid = uid
	s.mu.Unlock()
}

// Family returns AF_INET or AF_INET6.
func (s *Socket) Family() int { return s.family }

// Type returns the socket type.
func (s *Socket) Type() int { return s.typ }

// Protocol returns the protocol (SO_PROTOCOL).
func (s *Socket) Protocol() int { return s.proto }

// Ino returns the socket inode number.
func (s *Socket) Ino() uint64 { return s.ino }

// Stream implements vfs.Streamer.
func (*Socket) Stream() bool { return true }

// EventQueue implements vfs.FileImpl.
func (s *Socket) EventQueue() *vfs.Queue { return &s.q }

// Readiness implements vfs.FileImpl.
func (s *Socket) Readiness(_ *vfs.File, mask uint32) uint32 {
	// Ask for every event: the netstack notices a half-closed
	// connection (POLLRDHUP) only while computing readability.
	return uint32(s.ep.Readiness(waiter.AllEvents)) & mask
}

// Release implements vfs.FileImpl: the endpoint closes (a TCP connection
// with unread data is reset, as Linux does; otherwise it shuts down
// gracefully, honouring SO_LINGER).
func (s *Socket) Release(*vfs.File) {
	s.mu.Lock()
	if s.released {
		s.mu.Unlock()
		return
	}
	s.released = true
	s.mu.Unlock()
	unregister(s)
	s.wq.EventUnregister(&s.entry)
	s.ep.Close()
}

// wait runs try until it reports done, sleeping on the socket's queue for
// events between tries. nonblock makes a not-done try EAGAIN; timeout 0
// means none. A timeout is EAGAIN, a signal ERESTARTSYS (EINTR when a
// timeout was set, as Linux's sock_intr_errno).
func (s *Socket) wait(c *vfs.Caller, events uint32, nonblock bool, timeout time.Duration, try func() (bool, error)) error {
	done, err := try()
	if done || err != nil {
		return err
	}
	if nonblock {
		return abi.EAGAIN
	}
	w := vfs.NewWaiter()
	s.q.Register(w, events|abi.POLLERR|abi.POLLHUP)
	defer s.q.Unregister(w)
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		if done, err := try(); done || err != nil {
			return err
		}
		d := time.Duration(-1)
		if timeout > 0 {
			d = time.Until(deadline)
			if d <= 0 {
				return abi.EAGAIN
			}
		}
		switch err := c.Block(w.C(), d); {
		case err == nil:
		case err == abi.ETIMEDOUT:
			if done, err := try(); done || err != nil {
				return err
			}
			return abi.EAGAIN
		case err == abi.ERESTARTSYS && timeout > 0:
			return abi.EINTR
		default:
			return err
		}
	}
}

// Info describes a socket for /proc/net/{tcp,udp,...}.
type Info struct {
	Family, Type, Proto int
	Local, Remote       tcpip.FullAddress
	State               uint32 // TCP_* state (linux/tcp.h numbering)
	TxQueue, RxQueue    int
	Ino                 uint64
	UID                 uint32
}

var (
	listMu sync.Mutex
	all    = map[*Socket]struct{}{}
)

func register(s *Socket) {
	listMu.Lock()
	all[s] = struct{}{}
	listMu.Unlock()
}

func unregister(s *Socket) {
	listMu.Lock()
	delete(all, s)
	listMu.Unlock()
}

// Linux's TCP_* socket states (net/tcp_states.h), as /proc/net prints them.
const (
	tcpEstablished = 1
	tcpSynSent     = 2
	tcpClose       = 7
	tcpListen      = 10
)

// linuxState is the TCP_* state /proc/net shows for s.
func (s *Socket) linuxState() uint32 {
	st := s.ep.State()
	if s.typ == abi.SOCK_STREAM {
		switch {
		case st >= tcpEstablished && st <= 11:
			return st
		case st == 14: // connecting, SYN not yet sent
			return tcpSynSent
		}
		return tcpClose
	}
	if st == 3 { // a connected datagram endpoint (DatagramEndpointStateConnected)
		return tcpEstablished
	}
	return tcpClose
}

// Sockets lists the live sockets of family and protocol (IPPROTO_TCP,
// IPPROTO_UDP) for /proc/net, oldest inode first.
func Sockets(family, proto int) []Info {
	listMu.Lock()
	socks := make([]*Socket, 0, len(all))
	for s := range all {
		if s.family == family && s.proto == proto {
			socks = append(socks, s)
		}
	}
	listMu.Unlock()
	out := make([]Info, 0, len(socks))
	for _, s := range socks {
		in := Info{Family: s.family, Type: s.typ, Proto: s.proto, Ino: s.ino, State: s.linuxState()}
		in.Local, _ = s.ep.GetLocalAddress()
		in.Remote, _ = s.ep.GetRemoteAddress()
		s.mu.Lock()
		in.UID = s.uid
		s.mu.Unlock()
		if in.State != tcpListen {
			in.RxQueue = s.Pending()
			in.TxQueue = s.Outstanding()
		}
		out = append(out, in)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Ino < out[b].Ino })
	return out
}
