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

// Sockets: AF_UNIX through kernel/socket/unix; AF_INET, AF_INET6 and
// AF_NETLINK through sys_inet.go (netOr routes each call by the socket's
// family); every other family is EAFNOSUPPORT.

func init() {
	partial("socket", "AF_UNIX (stream, dgram, seqpacket); AF_INET/AF_INET6 (TCP, UDP, ICMP ping, raw); AF_NETLINK (ROUTE, KOBJECT_UEVENT); AF_PACKET (SOCK_RAW, SOCK_DGRAM; no socket filters or SOL_PACKET options); others EAFNOSUPPORT", sysSocket)
	partial("socketpair", "AF_UNIX only", sysSocketpair)
	full("bind", netOr("bind", sysBind))
	full("listen", netOr("listen", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		id := identityOf(t)
		return 0, sk.Listen(s.caller(t), &id, int(a.Int(1)))
	}))
	full("accept", netOr("accept", func(s *System, t *task.Task, a Args) (uint64, error) { return s.accept(t, a.Int(0), a[1], a[2], 0) }))
	full("accept4", netOr("accept4", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.accept(t, a.Int(0), a[1], a[2], uint32(a[3]))
	}))
	full("connect", netOr("connect", sysConnect))
	full("getsockname", netOr("getsockname", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, writeSockaddr(t, a[1], a[2], sk.Name().Marshal())
	}))
	full("getpeername", netOr("getpeername", func(s *System, t *task.Task, a Args) (uint64, error) {
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
	}))
	full("sendto", netOr("sendto", sysSendto))
	full("recvfrom", netOr("recvfrom", sysRecvfrom))
	full("sendmsg", netOr("sendmsg", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return s.sendmsg(t, sk, f, a[1], int(uint32(a[2])))
	}))
	full("recvmsg", netOr("recvmsg", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return s.recvmsg(t, sk, f, a[1], int(uint32(a[2])))
	}))
	full("sendmmsg", netOr("sendmmsg", sysSendmmsg))
	partial("recvmmsg", "the timeout is checked only between messages, as Linux does", netOr("recvmmsg", sysRecvmmsg))
	full("shutdown", netOr("shutdown", func(s *System, t *task.Task, a Args) (uint64, error) {
		sk, f, err := sockOf(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return 0, sk.Shutdown(int(a.Int(1)))
	}))
	partial("getsockopt", "SOL_SOCKET options; IPPROTO_TCP/IP/IPV6 and SOL_NETLINK options of network sockets (see kernel/socket/inet)", netOr("getsockopt", sysGetsockopt))
	partial("setsockopt", "SOL_SOCKET options; IPPROTO_TCP/IP/IPV6 and SOL_NETLINK options of network sockets (see kernel/socket/inet)", netOr("setsockopt", sysSetsockopt))
}

// unixNamespaces holds each System's AF_UNIX namespace, made on first use
// over the System's VFS.
var unixNamespaces sync.Map // *System → *unix.Namespace

// UnixNamespace returns the system's AF_UNIX namespace (for /proc/net/unix).
func (s *System) UnixNamespace() *unix.Namespace { return s.unixNS() }

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
		f, ok, err := s.newNetSocket(t, domain, typ, proto)
		if !ok {
			return 0, abi.EAFNOSUPPORT
		}
		if err != nil {
			return 0, err
		}
		fd, err := fds(t).Install(f, uint32(typ)&abi.SOCK_CLOEXEC != 0, 0)
		return uint64(fd), err
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
	return s.sendData(t, sk, f, []iovec{{a[1], n}}, n, o)
}

func sysRecvfrom(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	flags := int(uint32(a[3]))
	buf := make([]byte, recvLen(t, sk, []iovec{{a[1], a[2]}}))
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

// readMsghdr copies in the struct msghdr of sendmsg/recvmsg at addr.
func readMsghdr(t *task.Task, addr uint64) (abi.Msghdr, error) {
	raw := make([]byte, abi.SizeofMsghdr)
	var m abi.Msghdr
	if err := t.MM().CopyIn(addr, raw); err != nil {
		return m, err
	}
	m.Unmarshal(raw)
	return m, nil
}

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
	m, err := readMsghdr(t, msgAddr)
	if err != nil {
		return 0, err
	}
	iov, total, err := readIovecs(t, m.Iov, m.IovLen)
	if err != nil {
		return 0, err
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
	return s.sendData(t, sk, f, iov, total, o)
}

func (s *System) recvmsg(t *task.Task, sk *unix.Socket, f *vfs.File, msgAddr uint64, flags int) (uint64, error) {
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
	buf := make([]byte, recvLen(t, sk, iov))
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
	if r.Timestamp {
		r.Time = s.K.Now()
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
	return sendmmsgLoop(t, a, func(at uint64, flags int) (uint64, error) { return s.sendmsg(t, sk, f, at, flags) })
}

func sysRecvmmsg(s *System, t *task.Task, a Args) (uint64, error) {
	sk, f, err := sockOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return recvmmsgLoop(t, a, func(at uint64, flags int) (uint64, error) { return s.recvmsg(t, sk, f, at, flags) })
}

// sendmmsgLoop is sendmmsg(2) over any socket family: send is its
// sendmsg for the msghdr at an address. It sends up to vlen (at most 1024)
// messages, stops at the first error (which it returns only if nothing
// was sent) and stores each message's byte count in its msg_len.
func sendmmsgLoop(t *task.Task, a Args, send func(at uint64, flags int) (uint64, error)) (uint64, error) {
	vlen := min(uint32(a[2]), 1024)
	var i uint32
	for ; i < vlen; i++ {
		at := a[1] + uint64(i)*abi.SizeofMmsghdr
		n, err := send(at, int(uint32(a[3])))
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

// recvmmsgLoop is recvmmsg(2) over any socket family: recv is its
// recvmsg. MSG_WAITFORONE makes every receive after the first
// non-blocking; the timeout (a[4]) is checked after each message, as
// Linux does.
func recvmmsgLoop(t *task.Task, a Args, recv func(at uint64, flags int) (uint64, error)) (uint64, error) {
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
		n, err := recv(at, flags&^abi.MSG_WAITFORONE)
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

// sendChunk bounds how much of a caller's stream data the kernel copies in
// at once: a send of any length holds at most this much kernel memory.
const sendChunk = 1 << 20

// sendData copies in the total bytes the iovecs describe and sends them. A
// datagram or record goes whole, after the size check the socket makes
// (SO_SNDBUF-32), so an oversized one costs no copy. A stream goes in
// sendChunk pieces, each queued before the next is copied; the control
// message rides on the first, and a later piece that fails ends the call
// with the count sent so far (without SIGPIPE, as Linux sends it only when
// nothing was sent).
func (s *System) sendData(t *task.Task, sk *unix.Socket, f *vfs.File, iov []iovec, total uint64, o unix.SendOpts) (uint64, error) {
	c := s.caller(t)
	if sk.Type() != abi.SOCK_STREAM {
		if b, err := sk.GetSockopt(abi.SOL_SOCKET, abi.SO_SNDBUF, 4); err == nil && len(b) >= 4 {
			if sndbuf := uint64(binary.LittleEndian.Uint32(b)); total+32 > sndbuf {
				return 0, abi.EMSGSIZE
			}
		}
		data := make([]byte, total)
		if err := gatherIovecs(t, iov, 0, data); err != nil {
			return 0, err
		}
		n, err := sk.SendMsg(c, f, data, o)
		return uint64(n), err
	}
	buf := make([]byte, min(total, sendChunk))
	var done uint64
	for first := true; first || done < total; first = false {
		k := min(total-done, sendChunk)
		if err := gatherIovecs(t, iov, done, buf[:k]); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		po := o
		if !first {
			po.Control = unix.Control{}
			po.Flags |= abi.MSG_NOSIGNAL
		}
		n, err := sk.SendMsg(c, f, buf[:k], po)
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

// gatherIovecs copies len(dst) bytes starting off bytes into the data the
// iovecs describe.
func gatherIovecs(t *task.Task, iov []iovec, off uint64, dst []byte) error {
	m := t.MM()
	for _, v := range iov {
		if len(dst) == 0 {
			return nil
		}
		if off >= v.len {
			off -= v.len
			continue
		}
		k := min(v.len-off, uint64(len(dst)))
		if err := m.CopyIn(v.base+off, dst[:k]); err != nil {
			return err
		}
		dst = dst[k:]
		off = 0
	}
	return nil
}

// recvStreamMax bounds one stream receive (a short read is a stream's
// right); recvDgramMax is the largest datagram a socket without
// SO_SNDBUFFORCE can send (2*net.core.wmem_max - 32).
const (
	recvStreamMax = 1 << 20
	recvDgramMax  = 2*unix.MaxBuf - 32
)

// recvLen is how large a kernel buffer a receive into the iovecs needs, so
// that a caller's length never sizes a kernel allocation by itself: the
// length asked for, but no more than the writable memory the iovecs
// describe plus a page (a receive into memory that cannot take it still
// happens, and its copy-out still fails with EFAULT), at most recvStreamMax
// for a stream and, for datagrams and records, the largest that can come
// (recvDgramMax, or what is already queued if that is more).
func recvLen(t *task.Task, sk *unix.Socket, iov []iovec) uint64 {
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
	if sk.Type() != abi.SOCK_STREAM {
		limit = max(uint64(recvDgramMax), uint64(sk.Pending()))
	}
	return min(want, limit, room+4096)
}
