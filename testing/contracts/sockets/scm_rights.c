/* SCM_RIGHTS passes open file descriptions: the receiver gets a new fd
 * sharing the offset; MSG_CMSG_CLOEXEC sets close-on-exec. */
#include "contract.h"
#include <sys/socket.h>

int main(void)
{
	int s[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	int f = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(f, "0123456789", 10);
	SYS(lseek(f, 3, SEEK_SET));
	char cbuf[CMSG_SPACE(2 * sizeof(int))] = {0};
	struct iovec iov = {"x", 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	int fds[2] = {f, s[0]};
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	EQ("sendmsg", sendmsg(s[0], &mh, 0), 1);
	char rbuf[CMSG_SPACE(2 * sizeof(int))] = {0}, c;
	struct iovec riov = {&c, 1};
	struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rbuf, .msg_controllen = sizeof rbuf};
	EQ("recvmsg", recvmsg(s[1], &rh, MSG_CMSG_CLOEXEC), 1);
	struct cmsghdr *rc = CMSG_FIRSTHDR(&rh);
	CHECK(rc != NULL);
	EQ("level", rc->cmsg_level, SOL_SOCKET);
	EQ("type", rc->cmsg_type, SCM_RIGHTS);
	EQ("len", rc->cmsg_len, CMSG_LEN(2 * sizeof(int)));
	int got[2];
	memcpy(got, CMSG_DATA(rc), sizeof got);
	EQ("new_fds", got[0] != f && got[1] != s[0], 1);
	EQ("cloexec", fcntl(got[0], F_GETFD), FD_CLOEXEC);
	EQ("shared_offset", lseek(got[0], 0, SEEK_CUR), 3);
	char b;
	SYS(read(got[0], &b, 1));
	EQ("offset_moved_for_sender", lseek(f, 0, SEEK_CUR), 4);
	struct stat a, bst;
	fstat(got[1], &a);
	fstat(s[0], &bst);
	EQ("socket_same_inode", a.st_ino == bst.st_ino, 1);
	pass();
}
