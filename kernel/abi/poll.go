package abi

// poll(2) event bits (asm-generic/poll.h).
const (
	POLLIN     = 0x1
	POLLPRI    = 0x2
	POLLOUT    = 0x4
	POLLERR    = 0x8
	POLLHUP    = 0x10
	POLLNVAL   = 0x20
	POLLRDNORM = 0x40
	POLLRDBAND = 0x80
	POLLWRNORM = 0x100
	POLLWRBAND = 0x200
	POLLMSG    = 0x400
	POLLREMOVE = 0x1000
	POLLRDHUP  = 0x2000
)

// epoll(7) event bits (linux/eventpoll.h); the low bits equal POLL*.
const (
	EPOLLIN        = 0x1
	EPOLLPRI       = 0x2
	EPOLLOUT       = 0x4
	EPOLLERR       = 0x8
	EPOLLHUP       = 0x10
	EPOLLNVAL      = 0x20
	EPOLLRDNORM    = 0x40
	EPOLLRDBAND    = 0x80
	EPOLLWRNORM    = 0x100
	EPOLLWRBAND    = 0x200
	EPOLLMSG       = 0x400
	EPOLLRDHUP     = 0x2000
	EPOLLEXCLUSIVE = 1 << 28
	EPOLLWAKEUP    = 1 << 29
	EPOLLONESHOT   = 1 << 30
	EPOLLET        = 1 << 31

	EPOLL_CTL_ADD = 1
	EPOLL_CTL_DEL = 2
	EPOLL_CTL_MOD = 3

	EPOLL_CLOEXEC = O_CLOEXEC
)

// SizeofPollFd is sizeof(struct pollfd).
const SizeofPollFd = 8

// PollFd is struct pollfd.
type PollFd struct {
	FD      int32
	Events  int16
	Revents int16
}

// MarshalTo encodes p into dst[:8].
func (p *PollFd) MarshalTo(dst []byte) {
	le.PutUint32(dst[0:], uint32(p.FD))
	le.PutUint16(dst[4:], uint16(p.Events))
	le.PutUint16(dst[6:], uint16(p.Revents))
}

// Unmarshal decodes src[:8] into p.
func (p *PollFd) Unmarshal(src []byte) {
	p.FD = int32(le.Uint32(src[0:]))
	p.Events = int16(le.Uint16(src[4:]))
	p.Revents = int16(le.Uint16(src[6:]))
}

// SizeofEpollEvent is sizeof(struct epoll_event) on x86_64, where the
// structure is packed.
const SizeofEpollEvent = 12

// EpollEvent is struct epoll_event (packed on x86_64).
type EpollEvent struct {
	Events uint32
	Data   uint64
}

// MarshalTo encodes e into dst[:12].
func (e *EpollEvent) MarshalTo(dst []byte) {
	le.PutUint32(dst[0:], e.Events)
	le.PutUint64(dst[4:], e.Data)
}

// Unmarshal decodes src[:12] into e.
func (e *EpollEvent) Unmarshal(src []byte) {
	e.Events = le.Uint32(src[0:])
	e.Data = le.Uint64(src[4:])
}

// si_code values of SIGIO/SIGPOLL (signal-driven I/O): why the file
// signalled.
const (
	POLL_IN  = 1
	POLL_OUT = 2
	POLL_MSG = 3
	POLL_ERR = 4
	POLL_PRI = 5
	POLL_HUP = 6
)
