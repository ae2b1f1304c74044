/* After the peer closes: stream writes fail with EPIPE, reads see EOF;
 * a datagram to a closed peer is ECONNREFUSED; poll reports POLLHUP. */
#include "contract.h"
#include <poll.h>
#include <sys/socket.h>

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	int s[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	close(s[1]);
	char c;
	EQ("eof", read(s[0], &c, 1), 0);
	ERR("epipe", write(s[0], "x", 1), EPIPE);
	ERR("send_nosignal", send(s[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	struct pollfd p = {s[0], POLLIN | POLLOUT, 0};
	EQ("poll", poll(&p, 1, 0), 1);
	OUT("revents_hup", "%d", !!(p.revents & POLLHUP));
	CHECK(p.revents & POLLHUP);
	int d[2];
	SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
	close(d[1]);
	ERR("dgram_refused", send(d[0], "x", 1, 0), ECONNREFUSED);
	pass();
}
