/* poll: readiness of pipes, POLLNVAL for a bad fd, negative fds ignored,
 * POLLHUP after the writer closes, timeout 0 returns at once. */
#include "contract.h"
#include <poll.h>

int main(void)
{
	int p[2];
	SYS(pipe(p));
	struct pollfd f[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}};
	EQ("ready", poll(f, 3, 0), 1);
	EQ("r_revents", f[0].revents, 0);
	EQ("w_revents", f[1].revents, POLLOUT);
	EQ("neg_revents", f[2].revents, 0);
	writeall(p[1], "x", 1);
	EQ("ready2", poll(f, 2, 0), 2);
	EQ("r_revents2", f[0].revents, POLLIN);
	struct pollfd bad = {77, POLLIN, 0};
	EQ("nval", poll(&bad, 1, 0), 1);
	EQ("nval_revents", bad.revents, POLLNVAL);
	close(p[1]);
	struct pollfd h = {p[0], POLLIN, 0};
	EQ("hup", poll(&h, 1, 0), 1);
	EQ("hup_revents", h.revents, POLLIN | POLLHUP);
	char c;
	SYS(read(p[0], &c, 1));
	EQ("hup_only", poll(&h, 1, 0), 1);
	EQ("hup_only_revents", h.revents, POLLHUP);
	pass();
}
