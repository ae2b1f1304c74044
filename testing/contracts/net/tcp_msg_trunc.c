/* MSG_TRUNC on a TCP socket discards: recv and recvmsg count the bytes
 * they drop and leave the caller's buffer as it was (with MSG_PEEK too,
 * nothing is copied); the bytes after them are read as usual. */
#include "net.h"

int main(void)
{
	lo_set(1);
	int l = tcp_listener(AF_INET, "127.0.0.1");
	int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l));
	int s = SYS(accept(l, NULL, NULL));
	SYS(write(c, "0123456789abcdef", 16));
	usleep(100000);
	char buf[16];
	memset(buf, 'x', sizeof buf);
	EQ("recv_trunc", recv(s, buf, 4, MSG_TRUNC), 4);
	OUT("buffer_after_recv", "%.8s", buf);
	EQ("peek_trunc", recv(s, buf, 4, MSG_TRUNC | MSG_PEEK), 4);
	OUT("buffer_after_peek", "%.8s", buf);
	struct iovec iov = {buf, 4};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	EQ("recvmsg_trunc", recvmsg(s, &mh, MSG_TRUNC), 4);
	OUT("buffer_after_recvmsg", "%.8s", buf);
	EQ("recvfrom_trunc", recvfrom(s, buf, 2, MSG_TRUNC, NULL, NULL), 2);
	OUT("buffer_after_recvfrom", "%.8s", buf);
	EQ("rest", recv(s, buf, sizeof buf, 0), 6);
	OUT("rest", "%.6s", buf);
	pass();
}
