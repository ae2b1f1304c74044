// Package packet is AF_PACKET: SOCK_RAW sockets, which send and receive
// whole link-layer frames, and SOCK_DGRAM ("cooked") sockets, which send
// and receive the network-layer packet while the link header is made (to
// the sockaddr_ll's address) or removed for them, as DHCP clients use
// them. It wraps the netstack's packet endpoints
// (gvisor.dev/gvisor/pkg/tcpip/transport/packet) on kernel/net's stack.
//
// Not implemented (the calls fail rather than pretend): socket filters
// (SO_ATTACH_FILTER), the SOL_PACKET options (PACKET_AUXDATA, memberships,
// rings: ENOPROTOOPT), SOCK_PACKET (ESOCKTNOSUPPORT).
//
// # Lock order
//
// Socket.mu is a leaf.
package packet

import (
	"bytes"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/socket/inet"
	"aramid/kernel/vfs"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/waiter"
)

// Socket option levels and names this package answers.
const (
	SOL_PACKET  = 263
	SO_TYPE     = 3
	SO_ERROR    = 4
	SO_PROTOCOL = 38
	SO_DOMAIN   = 39
)

// Packet types of sockaddr_ll.sll_pkttype (linux/if_packet.h).
const (
	PACKET_HOST      = 0
	PACKET_BROADCAST = 1
	PACKET_MULTICAST = 2
	PACKET_OTHERHOST = 3
	PACKET_OUTGOING  = 4
)

// sizeofSockaddrLL is sizeof(struct sockaddr_ll); addrOff is
// offsetof(struct sockaddr_ll, sll_addr).
const (
	sizeofSockaddrLL = 20
	addrOff          = 12
)

// Socket is one AF_PACKET socket; it implements vfs.FileImpl.
type Socket struct {
	vfs.FileDefaults
	st    *net.Stack
	typ   int
	ep    tcpip.Endpoint
	wq    *waiter.Queue
	entry waiter.Entry
	q     vfs.Queue

	mu       sync.Mutex
	ifindex  int32  // bound interface (0: all)
	bound    uint16 // bound protocol, host order
	released bool
	// err is the pending socket error (sk_err): ENETDOWN after binding
	// to an interface that is down, as Linux's packet_do_bind. SO_ERROR,
	// the next send or receive report and clear it.
	err error
}

// takeErr returns and clears the pending error.
func (s *Socket) takeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.err
	s.err = nil
	return err
}

var inoCounter atomic.Uint64

// New returns a file for a new AF_PACKET socket of typ (SOCK_RAW or
// SOCK_DGRAM) receiving protocol (an ETH_P_* value in network byte order,
// 0 for none until bound); the caller has checked CAP_NET_RAW.
// SOCK_PACKET and other types are ESOCKTNOSUPPORT.
func New(st *net.Stack, typ, protocol int, flags uint32) (*vfs.File, error) {
	if typ != abi.SOCK_RAW && typ != abi.SOCK_DGRAM {
		return nil, abi.ESOCKTNOSUPPORT // SOCK_PACKET among them
	}
	// Linux keeps the low 16 bits (a __be16) of whatever was passed.
	proto := ntohs(uint16(protocol))
	s := &Socket{st: st, typ: typ, bound: proto, wq: &waiter.Queue{}}
	ep, err := st.NS.NewPacketEndpoint(typ == abi.SOCK_DGRAM, tcpip.NetworkProtocolNumber(proto), s.wq)
	if err != nil {
		return nil, inet.Errno(err)
	}
	s.ep = ep
	s.entry = waiter.NewFunctionEntry(waiter.AllEvents, func(m waiter.EventMask) { s.q.Notify(uint32(m)) })
	s.wq.EventRegister(&s.entry)
	ino := inoCounter.Add(1) | 1<<30
	in := vfs.NewInode(vfs.Sockets, ino, vfs.Attr{Mode: abi.S_IFSOCK | 0o777, Nlink: 1}, nil)
	f := vfs.NewFile(s, in, vfs.Path{}, abi.O_RDWR|flags&abi.O_NONBLOCK)
	f.Name = vfs.SocketName(ino)
	return f, nil
}

func ntohs(v uint16) uint16 { return v>>8 | v<<8 }

// Type returns the socket type.
func (s *Socket) Type() int { return s.typ }

// EventQueue implements vfs.FileImpl.
func (s *Socket) EventQueue() *vfs.Queue { return &s.q }

// Readiness implements vfs.FileImpl.
func (s *Socket) Readiness(_ *vfs.File, mask uint32) uint32 {
	r := uint32(s.ep.Readiness(waiter.AllEvents))
	s.mu.Lock()
	if s.err != nil {
		r |= abi.POLLERR
	}
	s.mu.Unlock()
	return r & mask
}

// Release implements vfs.FileImpl.
func (s *Socket) Release(*vfs.File) {
	s.mu.Lock()
	if s.released {
		s.mu.Unlock()
		return
	}
	s.released = true
	s.mu.Unlock()
	s.wq.EventUnregister(&s.entry)
	s.ep.Close()
}

// sockaddrLL is a parsed struct sockaddr_ll.
type sockaddrLL struct {
	proto   uint16 // host order
	ifindex int32
	addr    []byte
}

// parseLL parses a sockaddr_ll of at least min bytes (EINVAL otherwise).
func parseLL(b []byte, min int) (sockaddrLL, error) {
	if len(b) < min || len(b) < addrOff || binary.LittleEndian.Uint16(b) != abi.AF_PACKET {
		return sockaddrLL{}, abi.EINVAL
	}
	a := sockaddrLL{proto: binary.BigEndian.Uint16(b[2:]), ifindex: int32(binary.LittleEndian.Uint32(b[4:]))}
	halen := int(b[11])
	if halen > 8 || len(b) < addrOff+halen {
		return sockaddrLL{}, abi.EINVAL
	}
	a.addr = append([]byte(nil), b[addrOff:addrOff+halen]...)
	return a, nil
}

// marshalLL makes a sockaddr_ll of sizeofSockaddrLL bytes.
func marshalLL(proto uint16, ifindex int32, hatype uint16, pkttype byte, addr []byte) []byte {
	b := make([]byte, sizeofSockaddrLL)
	binary.LittleEndian.PutUint16(b, abi.AF_PACKET)
	binary.BigEndian.PutUint16(b[2:], proto)
	binary.LittleEndian.PutUint32(b[4:], uint32(ifindex))
	binary.LittleEndian.PutUint16(b[8:], hatype)
	b[10] = pkttype
	b[11] = byte(len(addr))
	copy(b[addrOff:], addr)
	return b
}

// Bind implements bind(2): the interface (0: all) and protocol (0: keep
// the current one) to receive.
func (s *Socket) Bind(_ *vfs.Caller, b []byte) error {
	a, err := parseLL(b, sizeofSockaddrLL)
	if err != nil {
		return err
	}
	down := false
	if a.ifindex != 0 {
		in, ok := s.st.ByIndex(a.ifindex)
		if !ok {
			return abi.ENODEV
		}
		down = in.Flags&net.IFF_UP == 0
	}
	if e := s.ep.Bind(tcpip.FullAddress{NIC: tcpip.NICID(a.ifindex), Port: a.proto}); e != nil {
		return inet.Errno(e)
	}
	s.mu.Lock()
	s.ifindex = a.ifindex
	if a.proto != 0 {
		s.bound = a.proto
	}
	if down {
		s.err = abi.ENETDOWN
	}
	s.mu.Unlock()
	return nil
}

// Connect implements connect(2): packet sockets have no peer.
func (*Socket) Connect(*vfs.Caller, []byte, bool) error { return abi.EOPNOTSUPP }

// Listen implements listen(2).
func (*Socket) Listen(int) error { return abi.EOPNOTSUPP }

// Accept implements accept(2).
func (*Socket) Accept(*vfs.Caller, bool, uint32) (*vfs.File, []byte, error) {
	return nil, nil, abi.EOPNOTSUPP
}

// Shutdown implements shutdown(2).
func (*Socket) Shutdown(int) error { return abi.EOPNOTSUPP }

// hwInfo returns an interface's ARPHRD type and hardware address.
func (s *Socket) hwInfo(idx int32) (uint16, []byte) {
	in, ok := s.st.ByIndex(idx)
	if !ok {
		return 0, nil
	}
	return in.Type, in.HWAddr
}

// Name implements getsockname(2): the bound interface and protocol, with
// the interface's hardware type and address; the length is that of the
// address given (Linux's packet_getname).
func (s *Socket) Name() ([]byte, error) {
	s.mu.Lock()
	idx, proto := s.ifindex, s.bound
	s.mu.Unlock()
	var hatype uint16
	var hw []byte
	if idx != 0 {
		hatype, hw = s.hwInfo(idx)
	}
	return marshalLL(proto, idx, hatype, 0, hw)[:addrOff+len(hw)], nil
}

// Peer implements getpeername(2).
func (*Socket) Peer() ([]byte, error) { return nil, abi.EOPNOTSUPP }

// SendMsg sends one frame (SOCK_RAW: link header included) or packet
// (SOCK_DGRAM: to the sockaddr_ll's hardware address) out of the bound
// interface or the one to names: ENXIO without one, ENETDOWN while it is
// down, EMSGSIZE beyond its MTU.
func (s *Socket) SendMsg(c *vfs.Caller, f *vfs.File, data, to []byte, flags int) (int, error) {
	if flags&abi.MSG_OOB != 0 {
		return 0, abi.EOPNOTSUPP
	}
	s.mu.Lock()
	idx, proto := s.ifindex, s.bound
	s.mu.Unlock()
	var dst tcpip.LinkAddress
	if len(to) > 0 {
		a, err := parseLL(to, addrOff)
		if err != nil {
			return 0, err
		}
		idx, proto, dst = a.ifindex, a.proto, tcpip.LinkAddress(a.addr)
	}
	if idx == 0 {
		return 0, abi.ENXIO
	}
	in, ok := s.st.ByIndex(idx)
	if !ok {
		return 0, abi.ENXIO
	}
	if in.Flags&net.IFF_UP == 0 {
		return 0, abi.ENETDOWN
	}
	limit := int(in.MTU)
	if s.typ == abi.SOCK_RAW && in.Type == net.ARPHRD_ETHER {
		limit += 14
	}
	if len(data) > limit {
		return 0, abi.EMSGSIZE
	}
	if err := s.takeErr(); err != nil {
		return 0, err
	}
	if s.typ == abi.SOCK_RAW && in.Type == net.ARPHRD_ETHER && len(data) < 14 {
		return 0, abi.EINVAL
	}
	n, e := s.ep.Write(bytes.NewReader(data), tcpip.WriteOptions{To: &tcpip.FullAddress{NIC: tcpip.NICID(idx), Port: proto, LinkAddr: dst}})
	if e != nil {
		return 0, inet.Errno(e)
	}
	return int(n), nil
}

// pktType maps the netstack's packet types to Linux's.
func pktType(t tcpip.PacketType) byte {
	switch t {
	case tcpip.PacketBroadcast:
		return PACKET_BROADCAST
	case tcpip.PacketMulticast:
		return PACKET_MULTICAST
	case tcpip.PacketOtherHost:
		return PACKET_OTHERHOST
	case tcpip.PacketOutgoing:
		return PACKET_OUTGOING
	}
	return PACKET_HOST
}

// RecvMsg receives one frame or packet with MSG_PEEK, MSG_DONTWAIT and
// MSG_TRUNC; From is the sockaddr_ll of its interface, protocol, packet
// type and source hardware address.
func (s *Socket) RecvMsg(c *vfs.Caller, f *vfs.File, buf []byte, flags int) (inet.RecvResult, error) {
	if flags&abi.MSG_OOB != 0 {
		return inet.RecvResult{}, abi.EINVAL
	}
	if flags&abi.MSG_ERRQUEUE != 0 {
		return inet.RecvResult{}, abi.EAGAIN
	}
	nonblock := flags&abi.MSG_DONTWAIT != 0 || f.Nonblocking()
	var res inet.RecvResult
	err := s.wait(c, nonblock, func() (bool, error) {
		if err := s.takeErr(); err != nil {
			return false, err
		}
		w := tcpip.SliceWriter(buf)
		r, e := s.ep.Read(&w, tcpip.ReadOptions{Peek: flags&abi.MSG_PEEK != 0, NeedRemoteAddr: true, NeedLinkPacketInfo: true})
		switch e.(type) {
		case nil:
		case *tcpip.ErrWouldBlock:
			return false, nil
		default:
			return false, inet.Errno(e)
		}
		res.N = r.Count
		if r.Total > r.Count {
			res.Flags |= abi.MSG_TRUNC
			if flags&abi.MSG_TRUNC != 0 {
				res.N = r.Total
			}
		}
		hatype, _ := s.hwInfo(int32(r.RemoteAddr.NIC))
		res.From = marshalLL(uint16(r.LinkPacketInfo.Protocol), int32(r.RemoteAddr.NIC), hatype,
			pktType(r.LinkPacketInfo.PktType), []byte(r.RemoteAddr.LinkAddr))
		return true, nil
	})
	return res, err
}

// wait runs try until it reports done, sleeping for readability between
// tries (EAGAIN when nonblock; a signal ends it with ERESTARTSYS).
func (s *Socket) wait(c *vfs.Caller, nonblock bool, try func() (bool, error)) error {
	if done, err := try(); done || err != nil {
		return err
	}
	if nonblock {
		return abi.EAGAIN
	}
	w := vfs.NewWaiter()
	s.q.Register(w, abi.POLLIN|abi.POLLERR|abi.POLLHUP)
	defer s.q.Unregister(w)
	for {
		if done, err := try(); done || err != nil {
			return err
		}
		if err := c.Block(w.C(), time.Duration(-1)); err != nil {
			return err
		}
	}
}

// Read implements vfs.FileImpl: read(2) is recv with no flags.
func (s *Socket) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	r, err := s.RecvMsg(c, f, dst, 0)
	return r.N, err
}

// Write implements vfs.FileImpl: write(2) is send with no flags.
func (s *Socket) Write(c *vfs.Caller, f *vfs.File, src []byte, _ int64) (int, error) {
	return s.SendMsg(c, f, src, nil, 0)
}

// Ioctl implements vfs.FileImpl: the interface ioctls.
func (s *Socket) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	if net.IsIfIoctl(cmd) {
		return s.st.Ioctl(c, cmd, arg)
	}
	return 0, abi.ENOTTY
}

func intVal(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(int32(v))) }

// GetSockopt answers SO_TYPE, SO_PROTOCOL (0: Linux leaves a packet
// socket's sk_protocol unset), SO_DOMAIN and SO_ERROR; others are
// ENOPROTOOPT.
func (s *Socket) GetSockopt(level, name int) ([]byte, error) {
	if level == abi.SOL_SOCKET {
		switch name {
		case SO_TYPE:
			return intVal(s.typ), nil
		case SO_PROTOCOL:
			return intVal(0), nil
		case SO_DOMAIN:
			return intVal(abi.AF_PACKET), nil
		case SO_ERROR:
			if e, ok := s.takeErr().(abi.Errno); ok {
				return intVal(int(e)), nil
			}
			return intVal(0), nil
		}
	}
	return nil, abi.ENOPROTOOPT
}

// SetSockopt: no option is implemented (ENOPROTOOPT), socket filters and
// PACKET_AUXDATA included; a DHCP client goes on without them.
func (*Socket) SetSockopt(bool, int, int, []byte) error { return abi.ENOPROTOOPT }
