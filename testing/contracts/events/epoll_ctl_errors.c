/* epoll_ctl error cases: EEXIST, ENOENT, EPERM on a regular file, EINVAL on
 * itself, EBADF. */
#include "contract.h"
#include <sys/epoll.h>

int main(void)
{
	int ep = SYS(epoll_create1(0));
	int p[2];
	SYS(pipe(p));
	struct epoll_event ev = {.events = EPOLLIN};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	ERR("add_twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	ERR("mod_missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), ENOENT);
	ERR("del_missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev), ENOENT);
	int f = SYS(open("f", O_RDWR | O_CREAT, 0644));
	ERR("regular_file", epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev), EPERM);
	ERR("self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	ERR("badfd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev), EBADF);
	ERR("not_epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
	ERR("badop", epoll_ctl(ep, 17, p[0], &ev), EINVAL);
	EQ("del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
	struct epoll_event out;
	ERR("wait_maxevents0", epoll_wait(ep, &out, 0, 0), EINVAL);
	ERR("create1_badflag", epoll_create1(1), EINVAL);
	pass();
}
