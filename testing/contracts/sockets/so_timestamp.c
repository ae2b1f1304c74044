/* SO_TIMESTAMP on AF_UNIX: getsockopt reports it; a datagram socket's
 * recvmsg then carries SCM_TIMESTAMP (a struct timeval of CLOCK_REALTIME
 * at the receive) before SCM_CREDENTIALS; a stream socket's carries none
 * (Linux stamps only unix datagrams). journald sets it on its sockets. */
#include "contract.h"
#include <sys/socket.h>
#include <sys/time.h>

static long long usec(struct timeval tv) { return tv.tv_sec * 1000000LL + tv.tv_usec; }

int main(void)
{
	int s[2], one = 1, v = -1;
	socklen_t len = sizeof v;
	SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, s));
	SYS(getsockopt(s[1], SOL_SOCKET, SO_TIMESTAMP, &v, &len));
	EQ("default", v, 0);
	SYS(setsockopt(s[1], SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one));
	SYS(setsockopt(s[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	len = sizeof v;
	SYS(getsockopt(s[1], SOL_SOCKET, SO_TIMESTAMP, &v, &len));
	EQ("set", v, 1);
	struct timeval before, after;
	gettimeofday(&before, NULL);
	writeall(s[0], "a", 1);
	char cbuf[256], c;
	struct iovec iov = {&c, 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	EQ("recv", recvmsg(s[1], &mh, 0), 1);
	gettimeofday(&after, NULL);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm != NULL);
	EQ("first_level", cm->cmsg_level, SOL_SOCKET);
	EQ("first_type", cm->cmsg_type, SCM_TIMESTAMP);
	EQ("first_len", cm->cmsg_len, CMSG_LEN(sizeof(struct timeval)));
	struct timeval tv;
	memcpy(&tv, CMSG_DATA(cm), sizeof tv);
	EQ("stamp_in_range", usec(before) <= usec(tv) && usec(tv) <= usec(after), 1);
	cm = CMSG_NXTHDR(&mh, cm);
	CHECK(cm != NULL);
	EQ("second_type", cm->cmsg_type, SCM_CREDENTIALS);
	EQ("controllen", mh.msg_controllen, CMSG_SPACE(sizeof(struct timeval)) + CMSG_SPACE(sizeof(struct ucred)));

	int st[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, st));
	SYS(setsockopt(st[1], SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one));
	len = sizeof v;
	SYS(getsockopt(st[1], SOL_SOCKET, SO_TIMESTAMP, &v, &len));
	EQ("stream_set", v, 1);
	writeall(st[0], "b", 1);
	mh.msg_controllen = sizeof cbuf;
	EQ("stream_recv", recvmsg(st[1], &mh, 0), 1);
	EQ("stream_controllen", mh.msg_controllen, 0);
	pass();
}
