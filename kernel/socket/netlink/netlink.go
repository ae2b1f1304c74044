// Package netlink implements AF_NETLINK sockets: NETLINK_ROUTE (links,
// addresses and routes of kernel/net: RTM_GETLINK/NEWLINK, RTM_GETADDR/
// NEWADDR/DELADDR, RTM_GETROUTE, with dumps, acknowledgements and error
// messages as Linux's rtnetlink, and the RTMGRP_LINK/IPV4_IFADDR/
// IPV6_IFADDR notifications) and NETLINK_KOBJECT_UEVENT (the kernel's
// device events, sent by EmitUevent to the sockets bound to group 1).
// Messages between user sockets of one protocol (unicast to a port id,
// multicast to groups with CAP_NET_ADMIN) are delivered as Linux does.
// Other protocols are EPROTONOSUPPORT, as in a kernel built without them.
//
// # Locking
//
// registry.mu guards the port and group tables and every Socket's
// queue and bindings; it is taken after kernel/net's Stack.mu is
// released (watch callbacks run without it) and before vfs.Queue.mu.
package netlink

import (
	"encoding/binary"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/socket/inet"
	"aramid/kernel/vfs"
)

// Protocols and constants (linux/netlink.h).
const (
	NETLINK_ROUTE          = 0
	NETLINK_KOBJECT_UEVENT = 15

	SOL_NETLINK = 270

	// SO_ATTACH_FILTER and SO_DETACH_FILTER (asm-generic/socket.h).
	SO_ATTACH_FILTER = 26
	SO_DETACH_FILTER = 27

	NETLINK_ADD_MEMBERSHIP  = 1
	NETLINK_DROP_MEMBERSHIP = 2
	NETLINK_PKTINFO         = 3
	NETLINK_CAP_ACK         = 10
	NETLINK_EXT_ACK         = 11
	NETLINK_GET_STRICT_CHK  = 12

	SizeofSockaddrNl = 12
	nlmsgHdrLen      = 16

	NLM_F_REQUEST = 0x1
	NLM_F_MULTI   = 0x2
	NLM_F_ACK     = 0x4
	NLM_F_ROOT    = 0x100
	NLM_F_MATCH   = 0x200
	NLM_F_DUMP    = NLM_F_ROOT | NLM_F_MATCH
	NLM_F_CAPPED  = 0x100
	NLM_F_EXCL    = 0x200
	NLM_F_CREATE  = 0x400
	NLM_F_REPLACE = 0x100

	NLMSG_NOOP    = 1
	NLMSG_ERROR   = 2
	NLMSG_DONE    = 3
	NLMSG_MIN_TYP = 16

	defaultBuf = 212992 // net.core.rmem_default
	// maxSend bounds one message a program sends (Linux: sk_sndbuf).
	maxSend = 1 << 20
)

// dgram is one queued message and who sent it (port 0: the kernel).
type dgram struct {
	data        []byte
	from, group uint32
	// cred is the sender's (pid, uid, gid) for SCM_CREDENTIALS; zero for
	// the kernel, as Linux's NETLINK_CREDS.
	cred abi.Ucred
}

// registry holds the bound sockets of every protocol.
type registry struct {
	mu    sync.Mutex
	ports map[int]map[uint32]*Socket // protocol → port id → socket
	rover int32
}

var reg = registry{ports: map[int]map[uint32]*Socket{}, rover: -4096}

// Socket is one AF_NETLINK socket; it implements vfs.FileImpl. The fields
// below mu are guarded by reg.mu.
type Socket struct {
	vfs.FileDefaults
	st    *net.Stack
	proto int
	typ   int
	pid   int32 // the creating process (autobind's first choice)
	admin bool  // CAP_NET_ADMIN at creation (requests that change state)
	ino   uint64
	q     vfs.Queue

	port     uint32
	bound    bool
	groups   uint64 // bit g-1 for group g (groups 1..64)
	dstPort  uint32
	dstGrps  uint32
	rq       []dgram
	rqBytes  int
	rcvbuf   int
	sndbuf   int
	overrun  bool
	capAck   bool
	extAck   bool
	strict   bool
	pktinfo  bool
	rcvtimeo time.Duration
	sndtimeo time.Duration
	released bool
	passcred bool
	filter   filter // SO_ATTACH_FILTER, or nil
}

var inoCounter atomic.Uint64

// New returns a file for a new netlink socket of typ (SOCK_RAW or
// SOCK_DGRAM) and protocol, made by process pid; admin is the creator's
// CAP_NET_ADMIN.
func New(st *net.Stack, typ, protocol int, flags uint32, pid int32, admin bool) (*vfs.File, error) {
	if typ != abi.SOCK_RAW && typ != abi.SOCK_DGRAM {
		return nil, abi.ESOCKTNOSUPPORT
	}
	if protocol != NETLINK_ROUTE && protocol != NETLINK_KOBJECT_UEVENT {
		return nil, abi.EPROTONOSUPPORT
	}
	s := &Socket{st: st, proto: protocol, typ: typ, pid: pid, admin: admin, rcvbuf: defaultBuf, sndbuf: defaultBuf}
	s.ino = inoCounter.Add(1) | 1<<30
	in := vfs.NewInode(vfs.Sockets, s.ino, vfs.Attr{Mode: abi.S_IFSOCK | 0o777, Nlink: 1}, nil)
	f := vfs.NewFile(s, in, vfs.Path{}, abi.O_RDWR|flags&abi.O_NONBLOCK)
	f.Name = vfs.SocketName(s.ino)
	return f, nil
}

// Type returns SOCK_RAW or SOCK_DGRAM.
func (s *Socket) Type() int { return s.typ }

// Stream implements vfs.Streamer.
func (*Socket) Stream() bool { return true }

// EventQueue implements vfs.FileImpl.
func (s *Socket) EventQueue() *vfs.Queue { return &s.q }

// Readiness implements vfs.FileImpl: readable with a queued message or a
// pending overrun (ENOBUFS), always writable.
func (s *Socket) Readiness(_ *vfs.File, mask uint32) uint32 {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	ev := uint32(abi.POLLOUT | abi.POLLWRNORM)
	if len(s.rq) > 0 {
		ev |= abi.POLLIN | abi.POLLRDNORM
	}
	if s.overrun {
		ev |= abi.POLLERR
	}
	return ev & mask
}

// Release implements vfs.FileImpl.
func (s *Socket) Release(*vfs.File) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	s.released = true
	if s.bound {
		if m := reg.ports[s.proto]; m[s.port] == s {
			delete(m, s.port)
		}
	}
	s.rq, s.rqBytes = nil, 0
}

// Ioctl implements vfs.FileImpl: the interface ioctls and FIONREAD.
func (s *Socket) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	if net.IsIfIoctl(cmd) {
		return s.st.Ioctl(c, cmd, arg)
	}
	if cmd != abi.FIONREAD {
		return 0, abi.ENOTTY
	}
	reg.mu.Lock()
	v := 0
	if len(s.rq) > 0 {
		v = len(s.rq[0].data)
	}
	reg.mu.Unlock()
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	return 0, c.Mem.CopyOut(arg, binary.LittleEndian.AppendUint32(nil, uint32(v)))
}

// bindLocked gives s port (0: autobind, the process id first, then
// negative numbers from -4096 down).
func (s *Socket) bindLocked(port uint32) error {
	m := reg.ports[s.proto]
	if m == nil {
		m = map[uint32]*Socket{}
		reg.ports[s.proto] = m
	}
	if port == 0 {
		port = uint32(s.pid)
		if _, used := m[port]; used || port == 0 {
			for {
				port = uint32(reg.rover)
				reg.rover--
				if reg.rover > -4096 {
					reg.rover = -4096
				}
				if _, used := m[port]; !used {
					break
				}
			}
		}
	} else if _, used := m[port]; used {
		return abi.EADDRINUSE
	}
	m[port] = s
	s.port, s.bound = port, true
	return nil
}

func parseNl(b []byte) (port, groups uint32, err error) {
	if len(b) < SizeofSockaddrNl {
		return 0, 0, abi.EINVAL
	}
	if binary.LittleEndian.Uint16(b) != abi.AF_NETLINK {
		return 0, 0, abi.EINVAL
	}
	return binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:]), nil
}

func marshalNl(port, groups uint32) []byte {
	b := make([]byte, SizeofSockaddrNl)
	binary.LittleEndian.PutUint16(b, abi.AF_NETLINK)
	binary.LittleEndian.PutUint32(b[4:], port)
	binary.LittleEndian.PutUint32(b[8:], groups)
	return b
}

// Bind implements bind(2): a port id (0: chosen) and multicast groups.
func (s *Socket) Bind(_ *vfs.Caller, b []byte) error {
	port, groups, err := parseNl(b)
	if err != nil {
		return err
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if s.bound && port != 0 && port != s.port {
		return abi.EINVAL
	}
	if !s.bound {
		if err := s.bindLocked(port); err != nil {
			return err
		}
	}
	s.groups = s.groups&^0xffffffff | uint64(groups)
	return nil
}

// Connect sets the default destination (AF_UNSPEC: the kernel again).
func (s *Socket) Connect(_ *vfs.Caller, b []byte, _ bool) error {
	if len(b) >= 2 && binary.LittleEndian.Uint16(b) == abi.AF_UNSPEC {
		reg.mu.Lock()
		s.dstPort, s.dstGrps = 0, 0
		reg.mu.Unlock()
		return nil
	}
	port, groups, err := parseNl(b)
	if err != nil {
		return err
	}
	if groups != 0 && !s.admin {
		return abi.EPERM
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if !s.bound {
		if err := s.bindLocked(0); err != nil {
			return err
		}
	}
	s.dstPort, s.dstGrps = port, groups
	return nil
}

// Listen, Accept: netlink is connectionless.
func (s *Socket) Listen(int) error { return abi.EOPNOTSUPP }

// Accept implements accept(2): EOPNOTSUPP.
func (s *Socket) Accept(*vfs.Caller, bool, uint32) (*vfs.File, []byte, error) {
	return nil, nil, abi.EOPNOTSUPP
}

// Shutdown implements shutdown(2): netlink has nothing to shut down
// (Linux: sock_no_shutdown, EOPNOTSUPP).
func (s *Socket) Shutdown(int) error { return abi.EOPNOTSUPP }

// Name implements getsockname(2).
func (s *Socket) Name() ([]byte, error) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return marshalNl(s.port, uint32(s.groups)), nil
}

// Peer implements getpeername(2): the connected destination.
func (s *Socket) Peer() ([]byte, error) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return marshalNl(s.dstPort, s.dstGrps), nil
}

// enqueueLocked queues one datagram for s, or marks an overrun (the next
// receive fails with ENOBUFS) when its receive buffer is full.
func (s *Socket) enqueueLocked(msg []byte) bool {
	return s.enqueueFromLocked(dgram{data: msg})
}

func (s *Socket) enqueueFromLocked(d dgram) bool {
	if s.filter != nil {
		keep := s.filter.run(d.data)
		if keep == 0 {
			return false
		}
		if int(keep) < len(d.data) {
			d.data = d.data[:keep]
		}
	}
	msg := d.data
	if s.released {
		return false
	}
	if s.rqBytes+len(msg) > s.rcvbuf && len(s.rq) > 0 {
		s.overrun = true
		s.q.Notify(abi.POLLERR)
		return false
	}
	s.rq = append(s.rq, d)
	s.rqBytes += len(msg)
	s.q.Notify(abi.POLLIN | abi.POLLRDNORM)
	return true
}

// multicastLocked delivers msg to every socket of proto in group (1-64)
// except skip.
func multicastLocked(proto int, group uint32, msg []byte, skip *Socket) {
	if group == 0 || group > 64 {
		return
	}
	multicastFromLocked(proto, group, msg, skip, abi.Ucred{})
}

// multicastFromLocked is multicastLocked for a message a user socket
// (skip) sent with credentials cred.
func multicastFromLocked(proto int, group uint32, msg []byte, skip *Socket, cred abi.Ucred) {
	if group == 0 || group > 64 {
		return
	}
	var from uint32
	if skip != nil {
		from = skip.port
	}
	for _, o := range reg.ports[proto] {
		if o != skip && o.groups&(1<<(group-1)) != 0 {
			o.enqueueFromLocked(dgram{data: append([]byte(nil), msg...), from: from, group: group, cred: cred})
		}
	}
}

// SendMsg implements sendmsg(2): messages to the kernel (port 0) are
// requests; others go to the port or groups named.
func (s *Socket) SendMsg(c *vfs.Caller, _ *vfs.File, data, to []byte, _ int) (int, error) {
	if len(data) > maxSend {
		return 0, abi.EMSGSIZE
	}
	reg.mu.Lock()
	port, groups := s.dstPort, s.dstGrps
	reg.mu.Unlock()
	if len(to) > 0 {
		p, g, err := parseNl(to)
		if err != nil {
			return 0, err
		}
		port, groups = p, g
	}
	if groups != 0 && !s.admin {
		return 0, abi.EPERM
	}
	reg.mu.Lock()
	if !s.bound {
		if err := s.bindLocked(0); err != nil {
			reg.mu.Unlock()
			return 0, err
		}
	}
	var cred abi.Ucred
	if c != nil {
		cred = abi.Ucred{PID: c.PID, UID: c.UID, GID: c.GID}
	}
	if groups != 0 {
		for g := uint32(1); g <= 32; g++ {
			if groups&(1<<(g-1)) != 0 {
				multicastFromLocked(s.proto, g, data, s, cred)
			}
		}
	}
	if port != 0 {
		dst := reg.ports[s.proto][port]
		if dst == nil {
			reg.mu.Unlock()
			return 0, abi.ECONNREFUSED
		}
		dst.enqueueFromLocked(dgram{data: append([]byte(nil), data...), from: s.port, cred: cred})
		reg.mu.Unlock()
		return len(data), nil
	}
	reg.mu.Unlock()
	if groups != 0 {
		return len(data), nil
	}
	if s.proto == NETLINK_ROUTE {
		replies := s.route(c, data)
		reg.mu.Lock()
		for _, r := range replies {
			s.enqueueLocked(r)
		}
		reg.mu.Unlock()
	}
	// Messages to the kernel on NETLINK_KOBJECT_UEVENT are ignored, as
	// Linux's uevent socket has no input handler.
	return len(data), nil
}

// RecvMsg implements recvmsg(2): one datagram, cut to buf with MSG_TRUNC
// set (MSG_TRUNC in flags returns its full length); MSG_PEEK leaves it.
func (s *Socket) RecvMsg(c *vfs.Caller, f *vfs.File, buf []byte, flags int) (inet.RecvResult, error) {
	nonblock := flags&abi.MSG_DONTWAIT != 0 || f.Nonblocking()
	w := vfs.NewWaiter()
	s.q.Register(w, abi.POLLIN|abi.POLLERR)
	defer s.q.Unregister(w)
	reg.mu.Lock()
	timeout := s.rcvtimeo
	reg.mu.Unlock()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		reg.mu.Lock()
		if s.overrun {
			s.overrun = false
			reg.mu.Unlock()
			return inet.RecvResult{}, abi.ENOBUFS
		}
		if len(s.rq) > 0 {
			d := s.rq[0]
			msg := d.data
			if flags&abi.MSG_PEEK == 0 {
				s.rq = s.rq[1:]
				s.rqBytes -= len(msg)
			}
			pktinfo, passcred := s.pktinfo, s.passcred
			reg.mu.Unlock()
			n := copy(buf, msg)
			r := inet.RecvResult{N: n, From: marshalNl(d.from, d.group)}
			// Control messages in Linux's order: NETLINK_PKTINFO (the
			// group), then SCM_CREDENTIALS.
			if pktinfo {
				r.Control = append(r.Control, cmsg(SOL_NETLINK, NETLINK_PKTINFO, binary.LittleEndian.AppendUint32(nil, d.group)))
			}
			if passcred {
				cb := make([]byte, abi.SizeofUcred)
				d.cred.MarshalTo(cb)
				r.Control = append(r.Control, cmsg(abi.SOL_SOCKET, abi.SCM_CREDENTIALS, cb))
			}
			if n < len(msg) {
				r.Flags |= abi.MSG_TRUNC
			}
			if flags&abi.MSG_TRUNC != 0 {
				r.N = len(msg)
			}
			return r, nil
		}
		reg.mu.Unlock()
		if nonblock {
			return inet.RecvResult{}, abi.EAGAIN
		}
		d := time.Duration(-1)
		if timeout > 0 {
			d = time.Until(deadline)
			if d <= 0 {
				return inet.RecvResult{}, abi.EAGAIN
			}
		}
		switch err := c.Block(w.C(), d); {
		case err == nil:
		case err == abi.ETIMEDOUT:
			return inet.RecvResult{}, abi.EAGAIN
		case err == abi.ERESTARTSYS && timeout > 0:
			return inet.RecvResult{}, abi.EINTR
		default:
			return inet.RecvResult{}, err
		}
	}
}

// cmsg builds one control message (struct cmsghdr and its data, padded
// to CMSG_SPACE).
func cmsg(level, typ int, data []byte) []byte {
	b := make([]byte, abi.CmsgSpace(len(data)))
	binary.LittleEndian.PutUint64(b, uint64(abi.CmsgLen(len(data))))
	binary.LittleEndian.PutUint32(b[8:], uint32(level))
	binary.LittleEndian.PutUint32(b[12:], uint32(typ))
	copy(b[abi.CmsgAlign(abi.SizeofCmsghdr):], data)
	return b
}

// AttachFilter installs a classic BPF program of n instructions (raw
// struct sock_filter bytes) as the socket filter (SO_ATTACH_FILTER).
func (s *Socket) AttachFilter(raw []byte, n int) error {
	f, err := parseFilter(raw, n)
	if err != nil {
		return err
	}
	reg.mu.Lock()
	s.filter = f
	reg.mu.Unlock()
	return nil
}

// Read implements vfs.FileImpl.
func (s *Socket) Read(c *vfs.Caller, f *vfs.File, dst []byte, _ int64) (int, error) {
	r, err := s.RecvMsg(c, f, dst, 0)
	return min(r.N, len(dst)), err
}

// Write implements vfs.FileImpl.
func (s *Socket) Write(c *vfs.Caller, f *vfs.File, src []byte, _ int64) (int, error) {
	return s.SendMsg(c, f, src, nil, 0)
}

func intVal(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(int32(v))) }

// GetSockopt implements getsockopt(2).
func (s *Socket) GetSockopt(level, name int) ([]byte, error) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	b2i := func(b bool) []byte {
		if b {
			return intVal(1)
		}
		return intVal(0)
	}
	switch level {
	case abi.SOL_SOCKET:
		switch name {
		case abi.SO_TYPE:
			return intVal(s.typ), nil
		case abi.SO_DOMAIN:
			return intVal(abi.AF_NETLINK), nil
		case abi.SO_PROTOCOL:
			return intVal(s.proto), nil
		case abi.SO_RCVBUF:
			return intVal(s.rcvbuf), nil
		case abi.SO_SNDBUF:
			return intVal(s.sndbuf), nil
		case abi.SO_ERROR:
			return intVal(0), nil
		case abi.SO_PASSCRED:
			return b2i(s.passcred), nil
		}
	case SOL_NETLINK:
		switch name {
		case NETLINK_CAP_ACK:
			return b2i(s.capAck), nil
		case NETLINK_EXT_ACK:
			return b2i(s.extAck), nil
		case NETLINK_GET_STRICT_CHK:
			return b2i(s.strict), nil
		case NETLINK_PKTINFO:
			return b2i(s.pktinfo), nil
		}
	}
	return nil, abi.ENOPROTOOPT
}

// SetSockopt implements setsockopt(2): buffer sizes (doubled, as Linux),
// timeouts, group membership and the NETLINK_* flags.
func (s *Socket) SetSockopt(netAdmin bool, level, name int, v []byte) error {
	if level == abi.SOL_SOCKET && (name == abi.SO_RCVTIMEO || name == abi.SO_SNDTIMEO) {
		if len(v) < abi.SizeofTimeval {
			return abi.EINVAL
		}
		sec := int64(binary.LittleEndian.Uint64(v))
		usec := int64(binary.LittleEndian.Uint64(v[8:]))
		if usec < 0 || usec >= 1000000 {
			return abi.EDOM
		}
		d := time.Duration(0)
		if sec >= 0 {
			d = time.Duration(min(sec, 1<<32))*time.Second + time.Duration(usec)*time.Microsecond
		}
		reg.mu.Lock()
		if name == abi.SO_RCVTIMEO {
			s.rcvtimeo = d
		} else {
			s.sndtimeo = d
		}
		reg.mu.Unlock()
		return nil
	}
	if level == abi.SOL_SOCKET && name == SO_DETACH_FILTER {
		reg.mu.Lock()
		defer reg.mu.Unlock()
		if s.filter == nil {
			return abi.ENOENT
		}
		s.filter = nil
		return nil
	}
	if len(v) < 4 {
		return abi.EINVAL
	}
	n := int(int32(binary.LittleEndian.Uint32(v)))
	reg.mu.Lock()
	defer reg.mu.Unlock()
	switch level {
	case abi.SOL_SOCKET:
		switch name {
		case abi.SO_PASSCRED:
			s.passcred = n != 0
			return nil
		case abi.SO_RCVBUF, abi.SO_RCVBUFFORCE, abi.SO_SNDBUF, abi.SO_SNDBUFFORCE:
			force := name == abi.SO_RCVBUFFORCE || name == abi.SO_SNDBUFFORCE
			if force && !netAdmin {
				return abi.EPERM
			}
			if !force {
				n = int(min(uint32(n), 212992))
			} else if n < 0 {
				n = 0
			}
			if name == abi.SO_RCVBUF || name == abi.SO_RCVBUFFORCE {
				s.rcvbuf = max(n*2, 2304)
			} else {
				s.sndbuf = max(n*2, 4608)
			}
			return nil
		}
	case SOL_NETLINK:
		switch name {
		case NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP:
			if n <= 0 || n > 64 {
				return abi.EINVAL
			}
			if !s.bound {
				if err := s.bindLocked(0); err != nil {
					return err
				}
			}
			if name == NETLINK_ADD_MEMBERSHIP {
				s.groups |= 1 << (n - 1)
			} else {
				s.groups &^= 1 << (n - 1)
			}
			return nil
		case NETLINK_CAP_ACK:
			s.capAck = n != 0
			return nil
		case NETLINK_PKTINFO:
			s.pktinfo = n != 0
			return nil
		case NETLINK_EXT_ACK:
			s.extAck = n != 0
			return nil
		case NETLINK_GET_STRICT_CHK:
			s.strict = n != 0
			return nil
		}
	}
	return abi.ENOPROTOOPT
}

// EmitUevent sends a kernel uevent ("ACTION@DEVPATH" then the
// KEY=VALUE environment, each NUL-terminated, as Linux's
// kobject_uevent_env) to every NETLINK_KOBJECT_UEVENT socket in group 1.
// SEQNUM is added from the kernel's uevent sequence.
func EmitUevent(action, devpath string, env []string) uint64 {
	seq := ueventSeq.Add(1)
	msg := []byte(action + "@" + devpath + "\x00")
	msg = append(msg, "ACTION="+action+"\x00"...)
	msg = append(msg, "DEVPATH="+devpath+"\x00"...)
	for _, e := range env {
		msg = append(msg, e+"\x00"...)
	}
	msg = append(msg, "SEQNUM="+strconv.FormatUint(seq, 10)+"\x00"...)
	reg.mu.Lock()
	multicastLocked(NETLINK_KOBJECT_UEVENT, 1, msg, nil)
	reg.mu.Unlock()
	return seq
}

var ueventSeq atomic.Uint64

// UeventSeqnum returns the last uevent sequence number
// (/sys/kernel/uevent_seqnum).
func UeventSeqnum() uint64 { return ueventSeq.Load() }
