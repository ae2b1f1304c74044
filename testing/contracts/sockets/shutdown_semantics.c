/* shutdown(SHUT_WR) gives the peer EOF while the other direction keeps
 * working; writing after SHUT_WR is EPIPE. */
#include "contract.h"
#include <sys/socket.h>

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	int s[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	writeall(s[0], "last", 4);
	SYS(shutdown(s[0], SHUT_WR));
	char buf[8] = {0};
	EQ("read", read(s[1], buf, sizeof buf), 4);
	EQ("eof", read(s[1], buf, sizeof buf), 0);
	ERR("write_after", write(s[0], "x", 1), EPIPE);
	writeall(s[1], "back", 4);
	memset(buf, 0, sizeof buf);
	EQ("reverse", read(s[0], buf, sizeof buf), 4);
	STREQ("reverse_data", buf, "back");
	SYS(shutdown(s[0], SHUT_RD));
	EQ("read_after_shut_rd", read(s[0], buf, 1), 0);
	ERR("badhow", shutdown(s[0], 7), EINVAL);
	int f = SYS(open("/dev/null", O_RDONLY));
	ERR("notsock", shutdown(f, SHUT_RD), ENOTSOCK);
	pass();
}
