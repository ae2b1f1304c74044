package syscalls

import (
	"encoding/binary"
	"sync"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/socket/unix"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// Sockets: AF_UNIX through kernel/socket/unix; every other family is
// EAFNOSUPPORT for now. systemd brings up loopback over AF_NETLINK
// (NETLINK_ROUTE) and copes with the failure; netlink is a later step.

func init() {
	partial("socket", "AF_UNIX (stream, dgram, seqpacket); AF_INET, AF_INET6, AF_NETLINK and others EAFNOSUPPORT", sysSocket)
	partial("socketpair", "AF_UNIX only", sysSocketpair)
	full("bind", sysBind)
	full("listen", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		id := identityOf(t)
		return 0, sk.Listen(s.caller(t), &id, int(a.Int(1)))
	})
	full("accept", func(s *System, t *task.Task, a Args) (uint64, error) { return s.accept(t, a.Int(0), a[1], a[2], 0) })
	full("accept4", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.accept(t, a.Int(0), a[1], a[2], uint32(a[3]))
	})
	full("connect", sysConnect)
	full("getsockname", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, writeSockaddr(t, a[1], a[2], sk.Name().Marshal())
	})
	full("getpeername", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		p, err := sk.PeerName()
		if err != nil {
			return 0, err
		}
		return 0, writeSockaddr(t, a[1], a[2], p.Marshal())
	})
	full("sendto", sysSendto)
	full("recvfrom", sysRecvfrom)
	full("sendmsg", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return s.sendmsg(t, sk, f, a[1], int(uint32(a[2])))
	})
	full("recvmsg", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return s.recvmsg(t, sk, f, a[1], int(uint32(a[2])))
	})
	full("sendmmsg", sysSendmmsg)
	partial("recvmmsg", "the timeout is checked only between messages, as Linux does", sysRecvmmsg)
	full("shutdown", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, sk.Shutdown(int(a.Int(1)))
	})
	partial("getsockopt", "SOL_SOCKET options of AF_UNIX sockets", sysGetsockopt)
	partial("setsockopt", "SOL_SOCKET options of AF_UNIX sockets", sysSetsockopt)
}

// unixNamespaces holds each System's AF_UNIX namespace, made on first use
// over the System's VFS.
var unixNamespaces sync.Map // *System → *unix.Namespace

func (s *System) unixNS() *unix.Namespace {
	if ns, ok := unixNamespaces.Load(s); ok {
		return ns.(*unix.Namespace)
	}
	ns, _ := unixNamespaces.LoadOrStore(s, unix.NewNamespace(s.files.vfs))
	return ns.(*unix.Namespace)
}

// identityOf is the calling process for credential passing.
func identityOf(t *task.Task) unix.Identity {
	cr := t.TG().Creds()
	pid, _, _, _ := t.TG().IDs()
	return unix.Identity{PID: pid, UID: cr.UID, EUID: cr.EUID, SUID: cr.SUID, GID: cr.GID, EGID: cr.EGID, SGID: cr.SGID, Groups: cr.Groups,
		Caps: cr.Caps.Effective, CapsValid: true}
}

// sockOf returns the socket at fd (ENOTSOCK for other files) and the file,
// whose reference the caller drops.
func sockOf(t *task.Task, fd int32) (*unix.Socket, *vfs.File, error) {
	f, err := fds(t).Get(fd)
	if err != nil {
		return nil, nil, err
	}
	sk := unix.FromFile(f)
	if sk == nil {
		f.DecRef()
		return nil, nil, abi.ENOTSOCK
	}
	return sk, f, nil
}

const sockFlags = abi.SOCK_NONBLOCK | abi.SOCK_CLOEXEC

func sysSocket(s *System, t *task.Task, a Args) (uint64, error) {
	domain, typ, proto := a.Int(0), a.Int(1), a.Int(2)
	if uint32(typ)&^(abi.SOCK_TYPE_MASK|sockFlags) != 0 {
		return 0, abi.EINVAL
	}
	if domain != abi.AF_UNIX {
		return 0, abi.EAFNOSUPPORT
	}
	f, err := s.unixNS().NewFile(int(typ&abi.SOCK_TYPE_MASK), int(proto), uint32(typ)&abi.SOCK_NONBLOCK)
	if err != nil {
		return 0, err
	}
	fd, err := fds(t).Install(f, uint32(typ)&abi.SOCK_CLOEXEC != 0, 0)
	return uint64(fd), err
}

func sysSocketpair(s *System, t *task.Task, a Args) (uint64, error) {
	domain, typ, proto := a.Int(0), a.Int(1), a.Int(2)
	if uint32(typ)&^(abi.SOCK_TYPE_MASK|sockFlags) != 0 {
		return 0, abi.EINVAL
	}
	switch domain {
	case abi.AF_UNIX:
	case abi.AF_INET, abi.AF_INET6:
		return 0, abi.EOPNOTSUPP // Linux: those families have no socketpair
	default:
		return 0, abi.EAFNOSUPPORT
	}
	id := identityOf(t)
	x, y, err := s.unixNS().Pair(s.caller(t), &id, int(typ&abi.SOCK_TYPE_MASK), int(proto), uint32(typ)&abi.SOCK_NONBLOCK)
	if err != nil {
		return 0, err
	}
	cloexec := uint32(typ)&abi.SOCK_CLOEXEC != 0
	ft := fds(t)
	fx, err := ft.Install(x, cloexec, 0)
	if err != nil {
		y.DecRef()
		return 0, err
	}
	fy, err := ft.Install(y, cloexec, 0)
	if err != nil {
		ft.Close(fx)
		return 0, err
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, uint32(fx))
	binary.LittleEndian.PutUint32(b[4:], uint32(fy))
	if err := t.MM().CopyOut(a[3], b); err != nil {
		ft.Close(fx)
		ft.Close(fy)
		return 0, err
	}
	return 0, nil
}

// readSockaddr copies in a socket address of addrlen bytes.
func readSockaddr(t *task.Task, addr uint64, addrlen uint64) ([]byte, error) {
	if int32(addrlen) < 0 || addrlen > abi.SizeofSockaddrUn {
		return nil, abi.EINVAL
	}
	b := make([]byte, addrlen)
	if err := t.MM().CopyIn(addr, b); err != nil {
		return nil, err
	}
	return b, nil
}

// writeSockaddr stores an address for getsockname and friends: as much
// as the user's *lenAddr allows, and the full length in *lenAddr.
func writeSockaddr(t *task.Task, addr, lenAddr uint64, sa []byte) error {
	if lenAddr == 0 {
		return nil
	}
	l, err := t.MM().ReadUint32(lenAddr)
	if err != nil {
		return err
	}
	if int32(l) < 0 {
		return abi.EINVAL
	}
	if n := min(int(l), len(sa)); n > 0 {
		if err := t.MM().CopyOut(addr, sa[:n]); err != nil {
			return err
		}
	}
	return t.MM().WriteUint32(lenAddr, uint32(len(sa)))
}

func sysBind(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	b, err := readSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	addr, err := unix.ParseAddr(b)
	if err != nil {
		return 0, err
	}
	return 0, sk.Bind(s.caller(t), fsctx(t), addr)
}

func sysConnect(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	b, err := readSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	id := identityOf(t)
	if sk.Type() == abi.SOCK_DGRAM && len(b) >= 2 && unix.Family(b) == abi.AF_UNSPEC {
		return 0, sk.Connect(s.caller(t), fsctx(t), &id, unix.Addr{}, false)
	}
	addr, err := unix.ParseAddr(b)
	if err != nil {
		return 0, err
	}
	if addr.Unnamed() {
		return 0, abi.EINVAL
	}
	return 0, sk.Connect(s.caller(t), fsctx(t), &id, addr, f.Nonblocking())
}

func (s *System) accept(t *task.Task, fd int32, addr, lenAddr uint64, flags uint32) (uint64, error) {
	if flags&^sockFlags != 0 {
		return 0, abi.EINVAL
	}
	sk, f, err := sockOf(t, fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	nf, err := sk.Accept(s.caller(t), f.Nonblocking(), flags&abi.SOCK_NONBLOCK)
	if err != nil {
		return 0, err
	}
	if addr != 0 {
		p, _ := unix.FromFile(nf).PeerName()
		if err := writeSockaddr(t, addr, lenAddr, p.Marshal()); err != nil {
			nf.DecRef()
			return 0, err
		}
	}
	nfd, err := fds(t).Install(nf, flags&abi.SOCK_CLOEXEC != 0, 0)
	return uint64(nfd), err
}

// fromAddr is a received message's msg_name: nothing for an unnamed
// sender (msg_namelen 0, as Linux reports).
func fromAddr(r *unix.RecvResult) []byte {
	if !r.HasFrom || r.From.Unnamed() {
		return nil
	}
	return r.From.Marshal()
}

func sysSendto(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	n := min(a[2], 1<<30)
	data := make([]byte, n)
	if err := t.MM().CopyIn(a[1], data); err != nil {
		return 0, err
	}
	id := identityOf(t)
	o := unix.SendOpts{Flags: int(uint32(a[3])), FS: fsctx(t), ID: &id}
	if a[4] != 0 && a[5] != 0 {
		b, err := readSockaddr(t, a[4], a[5])
		if err != nil {
			return 0, err
		}
		addr, err := unix.ParseAddr(b)
		if err != nil {
			return 0, err
		}
		o.To = &addr
	}
	w, err := sk.SendMsg(s.caller(t), f, data, o)
	return uint64(w), err
}

func sysRecvfrom(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	flags := int(uint32(a[3]))
	buf := make([]byte, min(a[2], 1<<26))
	r, err := sk.RecvMsg(s.caller(t), f, buf, flags)
	for _, x := range r.Files {
		x.DecRef()
	}
	if err != nil {
		return 0, err
	}
	if c := min(r.N, len(buf)); c > 0 {
		if err := t.MM().CopyOut(a[1], buf[:c]); err != nil {
			return 0, err
		}
	}
	if a[4] != 0 {
		if err := writeSockaddr(t, a[4], a[5], fromAddr(&r)); err != nil {
			return 0, err
		}
	}
	return uint64(r.N), nil
}

type iovec struct{ base, len uint64 }

// readIovecs reads msg_iov: at most UIO_MAXIOV (1024) entries (EMSGSIZE).
func readIovecs(t *task.Task, addr, cnt uint64) ([]iovec, uint64, error) {
	if cnt > 1024 {
		return nil, 0, abi.EMSGSIZE
	}
	raw := make([]byte, abi.SizeofIovec*cnt)
	if err := t.MM().CopyIn(addr, raw); err != nil {
		return nil, 0, err
	}
	iov := make([]iovec, cnt)
	var total uint64
	for i := range iov {
		iov[i] = iovec{binary.LittleEndian.Uint64(raw[16*i:]), binary.LittleEndian.Uint64(raw[16*i+8:])}
		if int64(iov[i].len) < 0 {
			return nil, 0, abi.EINVAL
		}
		total += iov[i].len
	}
	if total > 1<<31-1 {
		return nil, 0, abi.EINVAL
	}
	return iov, total, nil
}

const maxControl = 1 << 16 // beyond it, sendmsg's control buffer is ENOBUFS

func (s *System) sendmsg(t *task.Task, sk *unix.Socket, f *vfs.File, msgAddr uint64, flags int) (uint64, error) {
	raw := make([]byte, abi.SizeofMsghdr)
	if err := t.MM().CopyIn(msgAddr, raw); err != nil {
		return 0, err
	}
	var m abi.Msghdr
	m.Unmarshal(raw)
	iov, total, err := readIovecs(t, m.Iov, m.IovLen)
	if err != nil {
		return 0, err
	}
	data := make([]byte, 0, total)
	for _, v := range iov {
		b := make([]byte, v.len)
		if err := t.MM().CopyIn(v.base, b); err != nil {
			return 0, err
		}
		data = append(data, b...)
	}
	id := identityOf(t)
	o := unix.SendOpts{Flags: flags, FS: fsctx(t), ID: &id}
	if m.Name != 0 && m.NameLen != 0 {
		b, err := readSockaddr(t, m.Name, uint64(m.NameLen))
		if err != nil {
			return 0, err
		}
		addr, err := unix.ParseAddr(b)
		if err != nil {
			return 0, err
		}
		o.To = &addr
	}
	if m.ControlLen > 0 {
		if m.ControlLen > maxControl {
			return 0, abi.ENOBUFS
		}
		cb := make([]byte, m.ControlLen)
		if err := t.MM().CopyIn(m.Control, cb); err != nil {
			return 0, err
		}
		ctl, err := unix.ParseControl(cb, fds(t))
		if err != nil {
			return 0, err
		}
		defer ctl.Release()
		o.Control = ctl
	}
	n, err := sk.SendMsg(s.caller(t), f, data, o)
	return uint64(n), err
}

func (s *System) recvmsg(t *task.Task, sk *unix.Socket, f *vfs.File, msgAddr uint64, flags int) (uint64, error) {
	raw := make([]byte, abi.SizeofMsghdr)
	if err := t.MM().CopyIn(msgAddr, raw); err != nil {
		return 0, err
	}
	var m abi.Msghdr
	m.Unmarshal(raw)
	if int32(m.NameLen) < 0 {
		return 0, abi.EINVAL
	}
	iov, total, err := readIovecs(t, m.Iov, m.IovLen)
	if err != nil {
		return 0, err
	}
	buf := make([]byte, min(total, 1<<26))
	r, err := sk.RecvMsg(s.caller(t), f, buf, flags)
	if err != nil {
		for _, x := range r.Files {
			x.DecRef()
		}
		return 0, err
	}
	got := buf[:min(r.N, len(buf))]
	for _, v := range iov {
		if len(got) == 0 {
			break
		}
		k := min(uint64(len(got)), v.len)
		if err := t.MM().CopyOut(v.base, got[:k]); err != nil {
			for _, x := range r.Files {
				x.DecRef()
			}
			return 0, err
		}
		got = got[k:]
	}
	room := 0
	if m.Control != 0 {
		room = int(min(m.ControlLen, maxControl))
	}
	ctl, cflags := unix.BuildControl(&r, fds(t), room, flags&abi.MSG_CMSG_CLOEXEC != 0)
	if len(ctl) > 0 {
		if err := t.MM().CopyOut(m.Control, ctl); err != nil {
			return 0, err
		}
	}
	// msg_namelen, msg_controllen and msg_flags go back.
	name := fromAddr(&r)
	if m.Name != 0 && len(name) > 0 {
		if err := t.MM().CopyOut(m.Name, name[:min(len(name), int(m.NameLen))]); err != nil {
			return 0, err
		}
	}
	mm := t.MM()
	if err := mm.WriteUint32(msgAddr+abi.MsghdrNameLenOffset, uint32(len(name))); err != nil {
		return 0, err
	}
	if err := mm.WriteUint64(msgAddr+abi.MsghdrControlLenOffset, uint64(len(ctl))); err != nil {
		return 0, err
	}
	mflags := r.Flags | cflags | flags&abi.MSG_CMSG_CLOEXEC
	if err := mm.WriteUint32(msgAddr+abi.MsghdrFlagsOffset, uint32(mflags)); err != nil {
		return 0, err
	}
	return uint64(r.N), nil
}

// sendmmsg and recvmmsg return the count done; an error after the first
// message is dropped, as Linux does.
func sysSendmmsg(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	vlen := min(uint32(a[2]), 1024)
	var i uint32
	for ; i < vlen; i++ {
		at := a[1] + uint64(i)*abi.SizeofMmsghdr
		n, err := s.sendmsg(t, sk, f, at, int(uint32(a[3])))
		if err != nil {
			if i > 0 {
				break
			}
			return 0, err
		}
		if err := t.MM().WriteUint32(at+abi.MmsghdrLenOffset, uint32(n)); err != nil {
			return 0, err
		}
	}
	return uint64(i), nil
}

func sysRecvmmsg(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	flags := int(uint32(a[3]))
	var deadline time.Time
	if a[4] != 0 {
		d, err := readTimespec(t, a[4])
		if err != nil {
			return 0, err
		}
		deadline = time.Now().Add(d)
	}
	vlen := min(uint32(a[2]), 1024)
	var i uint32
	for ; i < vlen; i++ {
		at := a[1] + uint64(i)*abi.SizeofMmsghdr
		n, err := s.recvmsg(t, sk, f, at, flags&^abi.MSG_WAITFORONE)
		if err != nil {
			if i > 0 {
				break
			}
			return 0, err
		}
		if err := t.MM().WriteUint32(at+abi.MmsghdrLenOffset, uint32(n)); err != nil {
			return 0, err
		}
		if flags&abi.MSG_WAITFORONE != 0 {
			flags |= abi.MSG_DONTWAIT
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			i++
			break
		}
	}
	return uint64(i), nil
}

func sysGetsockopt(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	l, err := t.MM().ReadUint32(a[4])
	if err != nil {
		return 0, err
	}
	if int32(l) < 0 {
		return 0, abi.EINVAL
	}
	v, err := sk.GetSockopt(int(a.Int(1)), int(a.Int(2)), int(l))
	if err == abi.ERANGE {
		if werr := t.MM().WriteUint32(a[4], uint32(len(v))); werr != nil {
			return 0, werr
		}
		return 0, err
	}
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
}

func sysSetsockopt(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if int32(a[4]) < 0 {
		return 0, abi.EINVAL
	}
	v := make([]byte, min(uint32(a[4]), 1024))
	if len(v) > 0 {
		if err := t.MM().CopyIn(a[3], v); err != nil {
			return 0, err
		}
	}
	return 0, sk.SetSockopt(capable(t, abi.CAP_NET_ADMIN), int(a.Int(1)), int(a.Int(2)), v)
}
