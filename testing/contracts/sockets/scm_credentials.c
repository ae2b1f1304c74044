/* SO_PASSCRED makes the receiver get SCM_CREDENTIALS with the sender's
 * pid/uid/gid; a sender may state its own credentials explicitly. */
#include "contract.h"
#include <sys/socket.h>

int main(void)
{
	int s[2], one = 1;
	SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, s));
	SYS(setsockopt(s[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		writeall(s[0], "a", 1);
		_exit(0);
	}
	reap(pid);
	char cbuf[CMSG_SPACE(sizeof(struct ucred))], c;
	struct iovec iov = {&c, 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	EQ("recv", recvmsg(s[1], &mh, 0), 1);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm != NULL);
	EQ("type", cm->cmsg_type, SCM_CREDENTIALS);
	struct ucred u;
	memcpy(&u, CMSG_DATA(cm), sizeof u);
	EQ("pid_is_child", u.pid == pid, 1);
	EQ("uid", u.uid, 0);
	EQ("gid", u.gid, 0);
	char sbuf[CMSG_SPACE(sizeof(struct ucred))] = {0};
	struct msghdr sh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = sbuf, .msg_controllen = sizeof sbuf};
	struct cmsghdr *sc = CMSG_FIRSTHDR(&sh);
	sc->cmsg_level = SOL_SOCKET;
	sc->cmsg_type = SCM_CREDENTIALS;
	sc->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred mine = {getpid(), 0, 0};
	memcpy(CMSG_DATA(sc), &mine, sizeof mine);
	EQ("send_explicit", sendmsg(s[0], &sh, 0), 1);
	mh.msg_controllen = sizeof cbuf;
	EQ("recv2", recvmsg(s[1], &mh, 0), 1);
	memcpy(&u, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof u);
	EQ("explicit_pid_is_self", u.pid == getpid(), 1);
	pass();
}
