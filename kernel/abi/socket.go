package abi

import "encoding/binary"

// Address families (linux/socket.h).
const (
	AF_UNSPEC  = 0
	AF_UNIX    = 1
	AF_LOCAL   = AF_UNIX
	AF_INET    = 2
	AF_INET6   = 10
	AF_NETLINK = 16
	AF_PACKET  = 17
)

// Socket types (linux/net.h) and the flags socket(2) accepts in the type
// argument.
const (
	SOCK_STREAM    = 1
	SOCK_DGRAM     = 2
	SOCK_RAW       = 3
	SOCK_RDM       = 4
	SOCK_SEQPACKET = 5
	SOCK_PACKET    = 10
	SOCK_TYPE_MASK = 0xf
	SOCK_NONBLOCK  = O_NONBLOCK
	SOCK_CLOEXEC   = O_CLOEXEC
)

// Socket option levels and SOL_SOCKET options (asm-generic/socket.h).
const (
	SOL_SOCKET = 1

	SO_DEBUG       = 1
	SO_REUSEADDR   = 2
	SO_TYPE        = 3
	SO_ERROR       = 4
	SO_DONTROUTE   = 5
	SO_BROADCAST   = 6
	SO_SNDBUF      = 7
	SO_RCVBUF      = 8
	SO_KEEPALIVE   = 9
	SO_OOBINLINE   = 10
	SO_NO_CHECK    = 11
	SO_PRIORITY    = 12
	SO_LINGER      = 13
	SO_BSDCOMPAT   = 14
	SO_REUSEPORT   = 15
	SO_PASSCRED    = 16
	SO_PEERCRED    = 17
	SO_RCVLOWAT    = 18
	SO_SNDLOWAT    = 19
	SO_RCVTIMEO    = 20 // SO_RCVTIMEO_OLD: struct timeval
	SO_SNDTIMEO    = 21 // SO_SNDTIMEO_OLD
	SO_PEERNAME    = 28
	SO_TIMESTAMP   = 29 // SO_TIMESTAMP_OLD: SCM_TIMESTAMP carries a struct timeval
	SO_ACCEPTCONN  = 30
	SO_PEERSEC     = 31
	SO_SNDBUFFORCE = 32
	SO_RCVBUFFORCE = 33
	SO_PASSSEC     = 34
	SO_PROTOCOL    = 38
	SO_DOMAIN      = 39
	SO_PEEK_OFF    = 42
	SO_PEERGROUPS  = 59
)

// SCM control message types (linux/socket.h).
const (
	SCM_RIGHTS      = 1
	SCM_CREDENTIALS = 2
	SCM_TIMESTAMP   = SO_TIMESTAMP
	// SCM_MAX_FD is the most descriptors one SCM_RIGHTS message carries.
	SCM_MAX_FD = 253
)

// send/recv flags (linux/socket.h).
const (
	MSG_OOB          = 0x1
	MSG_PEEK         = 0x2
	MSG_DONTROUTE    = 0x4
	MSG_CTRUNC       = 0x8
	MSG_TRUNC        = 0x20
	MSG_DONTWAIT     = 0x40
	MSG_EOR          = 0x80
	MSG_WAITALL      = 0x100
	MSG_CONFIRM      = 0x800
	MSG_ERRQUEUE     = 0x2000
	MSG_NOSIGNAL     = 0x4000
	MSG_MORE         = 0x8000
	MSG_WAITFORONE   = 0x10000
	MSG_CMSG_CLOEXEC = 0x40000000
)

// shutdown(2) modes.
const (
	SHUT_RD   = 0
	SHUT_WR   = 1
	SHUT_RDWR = 2
)

// Socket ioctls (asm-generic/sockios.h, asm-generic/ioctls.h).
const (
	SIOCINQ  = FIONREAD
	SIOCOUTQ = 0x5411 // TIOCOUTQ
)

// SOMAXCONN is net.core.somaxconn's default: listen backlogs are capped
// at it.
const SOMAXCONN = 4096

// Sizes of the socket structures on x86_64.
const (
	SizeofSockaddrUn = 110 // struct sockaddr_un
	SizeofSaFamily   = 2   // sa_family_t
	UnixPathMax      = 108 // sizeof(sun_path)
	SizeofMsghdr     = 56  // struct msghdr (user_msghdr)
	SizeofMmsghdr    = 64  // struct mmsghdr: msghdr + msg_len + padding
	SizeofCmsghdr    = 16  // struct cmsghdr
	SizeofUcred      = 12  // struct ucred
	SizeofIovec      = 16  // struct iovec
)

// Msghdr is struct user_msghdr: msg_name, msg_namelen, 4 bytes of
// padding, msg_iov, msg_iovlen, msg_control, msg_controllen, msg_flags,
// 4 bytes of padding.
type Msghdr struct {
	Name       uint64
	NameLen    uint32
	_          uint32
	Iov        uint64
	IovLen     uint64
	Control    uint64
	ControlLen uint64
	Flags      uint32
	_          uint32
}

// Unmarshal decodes src[:SizeofMsghdr].
func (m *Msghdr) Unmarshal(src []byte) {
	le := binary.LittleEndian
	m.Name = le.Uint64(src[0:])
	m.NameLen = le.Uint32(src[8:])
	m.Iov = le.Uint64(src[16:])
	m.IovLen = le.Uint64(src[24:])
	m.Control = le.Uint64(src[32:])
	m.ControlLen = le.Uint64(src[40:])
	m.Flags = le.Uint32(src[48:])
}

// MarshalTo encodes m into dst[:SizeofMsghdr] (padding zeroed).
func (m *Msghdr) MarshalTo(dst []byte) {
	le := binary.LittleEndian
	le.PutUint64(dst[0:], m.Name)
	le.PutUint32(dst[8:], m.NameLen)
	le.PutUint32(dst[12:], 0)
	le.PutUint64(dst[16:], m.Iov)
	le.PutUint64(dst[24:], m.IovLen)
	le.PutUint64(dst[32:], m.Control)
	le.PutUint64(dst[40:], m.ControlLen)
	le.PutUint32(dst[48:], m.Flags)
	le.PutUint32(dst[52:], 0)
}

// Offsets within struct msghdr that recvmsg writes back.
const (
	MsghdrNameLenOffset    = 8
	MsghdrControlLenOffset = 40
	MsghdrFlagsOffset      = 48
	MmsghdrLenOffset       = 56 // struct mmsghdr's msg_len
)

// Cmsghdr is struct cmsghdr: cmsg_len (size_t, header included),
// cmsg_level, cmsg_type; data follows at CmsgAlign(SizeofCmsghdr).
type Cmsghdr struct {
	Len   uint64
	Level int32
	Type  int32
}

// Unmarshal decodes src[:SizeofCmsghdr].
func (c *Cmsghdr) Unmarshal(src []byte) {
	c.Len = binary.LittleEndian.Uint64(src)
	c.Level = int32(binary.LittleEndian.Uint32(src[8:]))
	c.Type = int32(binary.LittleEndian.Uint32(src[12:]))
}

// MarshalTo encodes c into dst[:SizeofCmsghdr].
func (c *Cmsghdr) MarshalTo(dst []byte) {
	binary.LittleEndian.PutUint64(dst, c.Len)
	binary.LittleEndian.PutUint32(dst[8:], uint32(c.Level))
	binary.LittleEndian.PutUint32(dst[12:], uint32(c.Type))
}

// CmsgAlign rounds n up to the alignment of control messages (8).
func CmsgAlign(n int) int { return (n + 7) &^ 7 }

// CmsgLen is CMSG_LEN(n): the cmsg_len of a message with n data bytes.
func CmsgLen(n int) int { return CmsgAlign(SizeofCmsghdr) + n }

// CmsgSpace is CMSG_SPACE(n): the room a message with n data bytes takes.
func CmsgSpace(n int) int { return CmsgAlign(SizeofCmsghdr) + CmsgAlign(n) }

// Ucred is struct ucred.
type Ucred struct {
	PID int32
	UID uint32
	GID uint32
}

// Unmarshal decodes src[:SizeofUcred].
func (u *Ucred) Unmarshal(src []byte) {
	u.PID = int32(binary.LittleEndian.Uint32(src))
	u.UID = binary.LittleEndian.Uint32(src[4:])
	u.GID = binary.LittleEndian.Uint32(src[8:])
}

// MarshalTo encodes u into dst[:SizeofUcred].
func (u *Ucred) MarshalTo(dst []byte) {
	binary.LittleEndian.PutUint32(dst, uint32(u.PID))
	binary.LittleEndian.PutUint32(dst[4:], u.UID)
	binary.LittleEndian.PutUint32(dst[8:], u.GID)
}
