/* A non-blocking listener's accept is EAGAIN until a client connects; poll
 * reports the listener readable; a full stream blocks writes (EAGAIN). */
#include "contract.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, "nb");
	int l = SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
	SYS(bind(l, (void *)&a, sizeof a));
	SYS(listen(l, 2));
	ERR("accept_empty", accept(l, NULL, NULL), EAGAIN);
	struct pollfd p = {l, POLLIN, 0};
	EQ("poll_idle", poll(&p, 1, 0), 0);
	int c = SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
	SYS(connect(c, (void *)&a, sizeof a));
	EQ("poll_ready", poll(&p, 1, 0), 1);
	int s = SYS(accept(l, NULL, NULL));
	EQ("accepted_blocking", !!(fcntl(s, F_GETFL) & O_NONBLOCK), 0);
	static char buf[4096];
	long total = 0;
	for (;;) {
		ssize_t n = write(c, buf, sizeof buf);
		if (n < 0) {
			EQ("full_errno", errno, EAGAIN);
			break;
		}
		total += n;
		CHECK(total < (64L << 20));
	}
	OUT("filled", "%d", total > 0);
	struct pollfd w = {c, POLLOUT, 0};
	EQ("poll_full", poll(&w, 1, 0), 0);
	pass();
}
