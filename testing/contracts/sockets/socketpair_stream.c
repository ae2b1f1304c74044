/* socketpair(AF_UNIX, SOCK_STREAM) is a bidirectional byte stream. */
#include "contract.h"
#include <sys/socket.h>

int main(void)
{
	int s[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s));
	EQ("cloexec", fcntl(s[0], F_GETFD), FD_CLOEXEC);
	writeall(s[0], "ping", 4);
	writeall(s[0], "more", 4);
	char buf[16] = {0};
	EQ("read_merged", read(s[1], buf, sizeof buf), 8);
	STREQ("data", buf, "pingmore");
	writeall(s[1], "pong", 4);
	memset(buf, 0, sizeof buf);
	EQ("reverse", read(s[0], buf, sizeof buf), 4);
	STREQ("reverse_data", buf, "pong");
	int type;
	socklen_t len = sizeof type;
	SYS(getsockopt(s[0], SOL_SOCKET, SO_TYPE, &type, &len));
	EQ("so_type", type, SOCK_STREAM);
	close(s[1]);
	EQ("eof", read(s[0], buf, 1), 0);
	ERR("inet_pair", socketpair(AF_INET, SOCK_STREAM, 0, s), EOPNOTSUPP);
	pass();
}
