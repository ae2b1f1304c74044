package syscalls

import (
	"encoding/binary"
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/net"
	"aramid/kernel/socket/inet"
	"aramid/kernel/socket/netlink"
	"aramid/kernel/socket/packet"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// Sockets of the network families: AF_INET and AF_INET6 (kernel/socket/
// inet over the netstack of kernel/net), AF_NETLINK (kernel/socket/
// netlink) and AF_PACKET (kernel/socket/packet). socket(2) picks the family in newNetSocket; every other socket
// call on such a descriptor goes through netOr, which sys_socket.go wraps
// around its AF_UNIX handlers.

// netSocket is what the socket calls need of a network socket. Socket
// addresses are the caller's sockaddr bytes, parsed by the family.
type netSocket interface {
	Type() int
	Bind(c *vfs.Caller, addr []byte) error
	Connect(c *vfs.Caller, addr []byte, nonblock bool) error
	Listen(backlog int) error
	Accept(c *vfs.Caller, nonblock bool, flags uint32) (*vfs.File, []byte, error)
	Name() ([]byte, error)
	Peer() ([]byte, error)
	Shutdown(how int) error
	SendMsg(c *vfs.Caller, f *vfs.File, data, to []byte, flags int) (int, error)
	RecvMsg(c *vfs.Caller, f *vfs.File, buf []byte, flags int) (inet.RecvResult, error)
	GetSockopt(level, name int) ([]byte, error)
	SetSockopt(netAdmin bool, level, name int, v []byte) error
}

// netStacks holds each System's network stack, made on first use.
var netStacks sync.Map // *System → *net.Stack

// NetStack returns the system's network stack (for /proc/net and
// /sys/class/net).
func (s *System) NetStack() *net.Stack {
	if st, ok := netStacks.Load(s); ok {
		return st.(*net.Stack)
	}
	st, loaded := netStacks.LoadOrStore(s, newStack())
	if !loaded {
		// AF_UNIX sockets answer the interface ioctls too (glibc's
		// if_nametoindex asks one), as every Linux socket does.
		stack := st.(*net.Stack)
		s.unixNS().SetDevIoctl(func(c *vfs.Caller, cmd uint32, arg uintptr) (uintptr, error) {
			if !net.IsIfIoctl(cmd) {
				return 0, abi.ENOTTY
			}
			return stack.Ioctl(c, cmd, arg)
		})
	}
	return st.(*net.Stack)
}

var stackOnce sync.Mutex

func newStack() *net.Stack {
	stackOnce.Lock()
	defer stackOnce.Unlock()
	st := net.New()
	netlink.Attach(st)
	return st
}

// newNetSocket makes a socket of a network family; handled is false for
// the families this file does not serve.
func (s *System) newNetSocket(t *task.Task, domain, typ, proto int32) (f *vfs.File, handled bool, err error) {
	flags := uint32(typ) & abi.SOCK_NONBLOCK
	kind := int(typ & abi.SOCK_TYPE_MASK)
	switch domain {
	case abi.AF_INET, abi.AF_INET6:
		cr := t.TG().Creds()
		f, err = inet.New(s.NetStack(), inet.Creator{Groups: append([]uint32{cr.EGID}, cr.Groups...),
			NetRaw: capable(t, abi.CAP_NET_RAW)}, int(domain), kind, int(proto), flags)
		if err == nil {
			inet.FromFile(f).SetOwner(cr.UID)
		}
		return f, true, err
	case abi.AF_PACKET:
		if !capable(t, abi.CAP_NET_RAW) {
			return nil, true, abi.EPERM
		}
		f, err = packet.New(s.NetStack(), kind, int(proto), flags)
		return f, true, err
	case abi.AF_NETLINK:
		pid, _, _, _ := t.TG().IDs()
		f, err = netlink.New(s.NetStack(), kind, int(proto), flags, pid, capable(t, abi.CAP_NET_ADMIN))
		return f, true, err
	}
	return nil, false, nil
}

// netSockOf returns the network socket at fd, or nil (and no error) when
// fd holds another kind of file; the caller drops f's reference.
func netSockOf(t *task.Task, fd int32) (netSocket, *vfs.File, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return nil, nil, err
	}
	switch impl := f.Impl.(type) {
	case *inet.Socket:
		return impl, f, nil
	case *netlink.Socket:
		return impl, f, nil
	case *packet.Socket:
		return impl, f, nil
	}
	f.DecRef()
	return nil, nil, nil
}

// netOr routes a socket call whose first argument is a descriptor: a
// network socket goes to the netOps handler, anything else to h.
func netOr(name string, h Handler) Handler {
	op := netOps[name]
	return func(s *System, t *task.Task, a Args) (uint64, error) {
		ns, f, err := netSockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		if ns == nil {
			return h(s, t, a)
		}
		defer f.DecRef()
		return op(s, t, ns, f, a)
	}
}

type netOp func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error)

// maxSockaddr bounds a socket address copied in (sizeof(struct
// sockaddr_storage)); a longer addrlen is EINVAL, as Linux's
// move_addr_to_kernel.
const maxSockaddr = 128

func readNetSockaddr(t *task.Task, addr, addrlen uint64) ([]byte, error) {
	if int32(addrlen) < 0 || addrlen > maxSockaddr {
		return nil, abi.EINVAL
	}
	b := make([]byte, addrlen)
	if err := t.MM().CopyIn(addr, b); err != nil {
		return nil, err
	}
	return b, nil
}

var netOps = map[string]netOp{
	"bind": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		b, err := readNetSockaddr(t, a[1], a[2])
		if err != nil {
			return 0, err
		}
		return 0, ns.Bind(s.caller(t), b)
	},
	"listen": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return 0, ns.Listen(int(a.Int(1)))
	},
	"accept": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return s.netAccept(t, ns, f, a[1], a[2], 0)
	},
	"accept4": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return s.netAccept(t, ns, f, a[1], a[2], uint32(a[3]))
	},
	"connect": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		b, err := readNetSockaddr(t, a[1], a[2])
		if err != nil {
			return 0, err
		}
		return 0, ns.Connect(s.caller(t), b, f.Nonblocking())
	},
	"getsockname": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		b, err := ns.Name()
		if err != nil {
			return 0, err
		}
		return 0, writeSockaddr(t, a[1], a[2], b)
	},
	"getpeername": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		b, err := ns.Peer()
		if err != nil {
			return 0, err
		}
		return 0, writeSockaddr(t, a[1], a[2], b)
	},
	"sendto": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		var to []byte
		if a[4] != 0 {
			b, err := readNetSockaddr(t, a[4], a[5])
			if err != nil {
				return 0, err
			}
			to = b
		}
		n := min(a[2], 1<<30)
		return s.netSend(t, ns, f, []iovec{{a[1], n}}, n, to, int(uint32(a[3])))
	},
	"recvfrom": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		buf, release := netBuf(t, netRecvLen(t, ns, []iovec{{a[1], a[2]}}))
		defer release()
		r, err := ns.RecvMsg(s.caller(t), f, buf, int(uint32(a[3])))
		if err != nil {
			return 0, err
		}
		// A stream's MSG_TRUNC discards: nothing is copied (the buffer is
		// not written, as on Linux).
		if c := min(r.N, len(buf)); c > 0 && !streamTrunc(ns, int(uint32(a[3]))) {
			if err := t.MM().CopyOut(a[1], buf[:c]); err != nil {
				return 0, err
			}
		}
		if a[4] != 0 && ns.Type() != abi.SOCK_STREAM {
			if err := writeSockaddr(t, a[4], a[5], r.From); err != nil {
				return 0, err
			}
		} else if a[4] != 0 && a[5] != 0 {
			// A stream has no source address: *addrlen becomes 0.
			if err := t.MM().WriteUint32(a[5], 0); err != nil {
				return 0, err
			}
		}
		return uint64(r.N), nil
	},
	"sendmsg": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return s.netSendmsg(t, ns, f, a[1], int(uint32(a[2])))
	},
	"recvmsg": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return s.netRecvmsg(t, ns, f, a[1], int(uint32(a[2])))
	},
	"sendmmsg": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return sendmmsgLoop(t, a, func(at uint64, flags int) (uint64, error) { return s.netSendmsg(t, ns, f, at, flags) })
	},
	"recvmmsg": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return recvmmsgLoop(t, a, func(at uint64, flags int) (uint64, error) { return s.netRecvmsg(t, ns, f, at, flags) })
	},
	"shutdown": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		return 0, ns.Shutdown(int(a.Int(1)))
	},
	"getsockopt": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		l, err := t.MM().ReadUint32(a[4])
		if err != nil {
			return 0, err
		}
		if int32(l) < 0 {
			return 0, abi.EINVAL
		}
		v, err := ns.GetSockopt(int(a.Int(1)), int(a.Int(2)))
		if err != nil {
			return 0, err
		}
		n := min(int(l), len(v))
		if n > 0 {
			if err := t.MM().CopyOut(a[3], v[:n]); err != nil {
				return 0, err
			}
		}
		return 0, t.MM().WriteUint32(a[4], uint32(n))
	},
	"setsockopt": func(s *System, t *task.Task, ns netSocket, f *vfs.File, a Args) (uint64, error) {
		if int32(a[4]) < 0 {
			return 0, abi.EINVAL
		}
		if nl, ok := ns.(*netlink.Socket); ok && a.Int(1) == abi.SOL_SOCKET && a.Int(2) == netlink.SO_ATTACH_FILTER {
			return 0, attachFilter(t, nl, a[3], a[4])
		}
		v := make([]byte, min(uint32(a[4]), 1024))
		if len(v) > 0 {
			if err := t.MM().CopyIn(a[3], v); err != nil {
				return 0, err
			}
		}
		return 0, ns.SetSockopt(capable(t, abi.CAP_NET_ADMIN), int(a.Int(1)), int(a.Int(2)), v)
	},
}

func (s *System) netAccept(t *task.Task, ns netSocket, f *vfs.File, addr, lenAddr uint64, flags uint32) (uint64, error) {
	if flags&^sockFlags != 0 {
		return 0, abi.EINVAL
	}
	nf, peer, err := ns.Accept(s.caller(t), f.Nonblocking(), flags&abi.SOCK_NONBLOCK)
	if err != nil {
		return 0, err
	}
	if addr != 0 {
		if err := writeSockaddr(t, addr, lenAddr, peer); err != nil {
			nf.DecRef()
			return 0, err
		}
	}
	nfd, err := fds(t).Install(nf, flags&abi.SOCK_CLOEXEC != 0, 0)
	return uint64(nfd), err
}

// netSend copies in the data the iovecs describe and sends it: a stream in
// sendChunk pieces (a later piece that fails ends the call with the count
// so far), a datagram whole.
func (s *System) netSend(t *task.Task, ns netSocket, f *vfs.File, iov []iovec, total uint64, to []byte, flags int) (uint64, error) {
	c := s.caller(t)
	if ns.Type() != abi.SOCK_STREAM {
		if total > 1<<16+1<<15 {
			return 0, abi.EMSGSIZE // beyond any datagram (65535 less headers)
		}
		// An inet socket copies what it sends (netBuf's condition); the
		// other families may keep the slice in the receiver's queue.
		var data []byte
		if _, ok := ns.(*inet.Socket); ok {
			buf, release := netBuf(t, total)
			defer release()
			data = buf
		} else {
			data = make([]byte, total)
		}
		if err := gatherIovecs(t, iov, 0, data); err != nil {
			return 0, err
		}
		n, err := ns.SendMsg(c, f, data, to, flags)
		return uint64(n), err
	}
	buf, release := netBuf(t, min(total, sendChunk))
	defer release()
	var done uint64
	for first := true; first || done < total; first = false {
		k := min(total-done, sendChunk)
		if err := gatherIovecs(t, iov, done, buf[:k]); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		fl := flags
		if !first {
			fl |= abi.MSG_NOSIGNAL
		}
		n, err := ns.SendMsg(c, f, buf[:k], to, fl)
		done += uint64(n)
		if err != nil || uint64(n) < k {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

func (s *System) netSendmsg(t *task.Task, ns netSocket, f *vfs.File, msgAddr uint64, flags int) (uint64, error) {
	m, err := readMsghdr(t, msgAddr)
	if err != nil {
		return 0, err
	}
	iov, total, err := readIovecs(t, m.Iov, m.IovLen)
	if err != nil {
		return 0, err
	}
	var to []byte
	if m.Name != 0 && m.NameLen != 0 {
		if to, err = readNetSockaddr(t, m.Name, uint64(m.NameLen)); err != nil {
			return 0, err
		}
	}
	if m.ControlLen >= abi.SizeofCmsghdr {
		// No control message of these families is implemented.
		return 0, abi.EINVAL
	}
	return s.netSend(t, ns, f, iov, total, to, flags)
}

func (s *System) netRecvmsg(t *task.Task, ns netSocket, f *vfs.File, msgAddr uint64, flags int) (uint64, error) {
	m, err := readMsghdr(t, msgAddr)
	if err != nil {
		return 0, err
	}
	if int32(m.NameLen) < 0 {
		return 0, abi.EINVAL
	}
	iov, _, err := readIovecs(t, m.Iov, m.IovLen)
	if err != nil {
		return 0, err
	}
	buf, release := netBuf(t, netRecvLen(t, ns, iov))
	defer release()
	r, err := ns.RecvMsg(s.caller(t), f, buf, flags)
	if err != nil {
		return 0, err
	}
	got := buf[:min(r.N, len(buf))]
	if streamTrunc(ns, flags) {
		got = nil // discarded, not received: the caller's buffer is left alone
	}
	for _, v := range iov {
		if len(got) == 0 {
			break
		}
		k := min(uint64(len(got)), v.len)
		if err := t.MM().CopyOut(v.base, got[:k]); err != nil {
			return 0, err
		}
		got = got[k:]
	}
	name := r.From
	if ns.Type() == abi.SOCK_STREAM {
		name = nil
	}
	if m.Name != 0 && len(name) > 0 {
		if err := t.MM().CopyOut(m.Name, name[:min(len(name), int(m.NameLen))]); err != nil {
			return 0, err
		}
	}
	mm := t.MM()
	if err := mm.WriteUint32(msgAddr+abi.MsghdrNameLenOffset, uint32(len(name))); err != nil {
		return 0, err
	}
	// Control messages go whole while they fit; the first that does not
	// ends them with MSG_CTRUNC.
	var ctl []byte
	room := 0
	if m.Control != 0 {
		room = int(min(m.ControlLen, maxControl))
	}
	for _, c := range r.Control {
		if len(ctl)+len(c) > room {
			r.Flags |= abi.MSG_CTRUNC
			break
		}
		ctl = append(ctl, c...)
	}
	if len(ctl) > 0 {
		if err := mm.CopyOut(m.Control, ctl); err != nil {
			return 0, err
		}
	}
	if err := mm.WriteUint64(msgAddr+abi.MsghdrControlLenOffset, uint64(len(ctl))); err != nil {
		return 0, err
	}
	if err := mm.WriteUint32(msgAddr+abi.MsghdrFlagsOffset, uint32(r.Flags)); err != nil {
		return 0, err
	}
	return uint64(r.N), nil
}

// netRecvLen bounds the kernel buffer of one receive as recvLen does for
// AF_UNIX: what the caller asked for, no more than its writable memory
// plus a page, at most recvStreamMax for a stream and 64 KiB (the largest
// datagram) otherwise.
func netRecvLen(t *task.Task, ns netSocket, iov []iovec) uint64 {
	m := t.MM()
	var want, room uint64
	short := false
	for _, v := range iov {
		want += v.len
		if short {
			continue
		}
		w := m.WritablePrefix(v.base, v.len)
		room += w
		short = w < v.len
	}
	limit := uint64(recvStreamMax)
	if ns.Type() != abi.SOCK_STREAM {
		limit = 1 << 16
	}
	return min(want, limit, room+4096)
}

// attachFilter reads a struct sock_fprog (length, then a pointer to the
// instructions) and installs its program on a netlink socket.
func attachFilter(t *task.Task, nl *netlink.Socket, addr, optlen uint64) error {
	const sizeofFprog = 16
	if optlen < sizeofFprog {
		return abi.EINVAL
	}
	hdr := make([]byte, sizeofFprog)
	if err := t.MM().CopyIn(addr, hdr); err != nil {
		return err
	}
	n := int(binary.LittleEndian.Uint16(hdr))
	if n == 0 || n > 4096 {
		return abi.EINVAL
	}
	raw := make([]byte, 8*n)
	if err := t.MM().CopyIn(binary.LittleEndian.Uint64(hdr[8:]), raw); err != nil {
		return err
	}
	return nl.AttachFilter(raw, n)
}
