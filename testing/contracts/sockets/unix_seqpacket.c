/* SOCK_SEQPACKET: connection-oriented, keeps record boundaries, excess of a
 * record is discarded on a short read. */
#include "contract.h"
#include <sys/socket.h>

int main(void)
{
	int s[2];
	SYS(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s));
	writeall(s[0], "abc", 3);
	writeall(s[0], "defgh", 5);
	char buf[16] = {0};
	EQ("rec1", read(s[1], buf, sizeof buf), 3);
	STREQ("data1", buf, "abc");
	memset(buf, 0, sizeof buf);
	EQ("rec2_short", read(s[1], buf, 2), 2);
	STREQ("data2", buf, "de");
	writeall(s[0], "ij", 2);
	memset(buf, 0, sizeof buf);
	EQ("rec3", read(s[1], buf, sizeof buf), 2);
	STREQ("data3", buf, "ij");
	struct msghdr mh = {0};
	struct iovec iov = {buf, 1};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	writeall(s[0], "xyz", 3);
	EQ("recvmsg", recvmsg(s[1], &mh, 0), 1);
	EQ("msg_trunc", !!(mh.msg_flags & MSG_TRUNC), 1);
	EQ("zero_len_record", write(s[0], "", 0), 0);
	pass();
}
