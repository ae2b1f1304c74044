/* An epoll inside an epoll, holding an edge-triggered item: once the
 * item's wake-up has been reported the inner epoll is no longer readable,
 * though the item's file still is; a new wake-up makes it readable again.
 * libmount's mount monitor (used by systemd) watches /proc/self/mountinfo,
 * which is always readable, this way inside its own epoll. */
#include "contract.h"
#include <fcntl.h>
#include <sys/epoll.h>

int main(void)
{
	struct epoll_event ev, out[4];
	int p[2];
	SYS(pipe(p));
	writeall(p[1], "x", 1);
	int inner = SYS(epoll_create1(0)), outer = SYS(epoll_create1(0));
	ev.events = EPOLLIN | EPOLLET;
	SYS(epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev));
	ev.events = EPOLLIN;
	SYS(epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev));
	EQ("outer_after_add", epoll_wait(outer, out, 4, 0), 1);
	EQ("inner_after_add", epoll_wait(inner, out, 4, 0), 1);
	EQ("inner_drained", epoll_wait(inner, out, 4, 0), 0);
	EQ("outer_idle_data_left", epoll_wait(outer, out, 4, 0), 0);
	writeall(p[1], "y", 1);
	EQ("outer_after_write", epoll_wait(outer, out, 4, 0), 1);
	EQ("outer_again_still_pending", epoll_wait(outer, out, 4, 0), 1);
	EQ("inner_after_write", epoll_wait(inner, out, 4, 0), 1);
	EQ("outer_idle_again", epoll_wait(outer, out, 4, 0), 0);

	/* The same with /proc/self/mountinfo, as libmount does. */
	int m = SYS(open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
	int mi = SYS(epoll_create1(0)), mo = SYS(epoll_create1(0));
	ev.events = EPOLLIN | EPOLLET;
	SYS(epoll_ctl(mi, EPOLL_CTL_ADD, m, &ev));
	EQ("mountinfo_initial", epoll_wait(mi, out, 4, 0), 1);
	EQ("mountinfo_drained", epoll_wait(mi, out, 4, 0), 0);
	ev.events = EPOLLIN;
	SYS(epoll_ctl(mo, EPOLL_CTL_ADD, mi, &ev));
	EQ("mountinfo_outer_idle", epoll_wait(mo, out, 4, 0), 0);
	pass();
}
