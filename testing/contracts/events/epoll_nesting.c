/* epoll instances inside epoll instances: adding an epoll to itself is
 * EINVAL, closing a loop is ELOOP, and a chain deeper than Linux's limit
 * is ELOOP; readiness propagates up a chain. */
#include "contract.h"
#include <sys/epoll.h>

int main(void)
{
	int e[9];
	for (int i = 0; i < 9; i++)
		e[i] = SYS(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN};
	ERR("self", epoll_ctl(e[0], EPOLL_CTL_ADD, e[0], &ev), EINVAL);
	for (int i = 0; i < 8; i++) {
		char key[32];
		snprintf(key, sizeof key, "chain_%d_into_%d", i, i + 1);
		errno = 0;
		int r = epoll_ctl(e[i + 1], EPOLL_CTL_ADD, e[i], &ev);
		OUT(key, "%s", r == 0 ? "ok" : errname(errno));
	}
	int a = SYS(epoll_create1(0)), b = SYS(epoll_create1(0)), c = SYS(epoll_create1(0));
	SYS(epoll_ctl(a, EPOLL_CTL_ADD, b, &ev));
	SYS(epoll_ctl(b, EPOLL_CTL_ADD, c, &ev));
	ERR("loop_two", epoll_ctl(b, EPOLL_CTL_ADD, a, &ev), ELOOP);
	ERR("loop_three", epoll_ctl(c, EPOLL_CTL_ADD, a, &ev), ELOOP);
	/* Readiness goes up: a pipe in c makes b and a readable. */
	int p[2];
	SYS(pipe(p));
	SYS(epoll_ctl(c, EPOLL_CTL_ADD, p[0], &ev));
	struct epoll_event out[4];
	EQ("a_idle", epoll_wait(a, out, 4, 0), 0);
	writeall(p[1], "x", 1);
	EQ("c_ready", epoll_wait(c, out, 4, 0), 1);
	EQ("b_ready", epoll_wait(b, out, 4, 0), 1);
	EQ("a_ready", epoll_wait(a, out, 4, 0), 1);
	EQ("a_event", out[0].events, EPOLLIN);
	pass();
}
