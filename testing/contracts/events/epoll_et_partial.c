/* Edge-triggered epoll: a partial read leaves data but brings no new
 * event; new data brings one; level-triggered keeps reporting. */
#include "contract.h"
#include <sys/epoll.h>

int main(void)
{
	int p[2];
	SYS(pipe2(p, O_NONBLOCK));
	int et = SYS(epoll_create1(0)), lt = SYS(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 7};
	SYS(epoll_ctl(et, EPOLL_CTL_ADD, p[0], &ev));
	ev.events = EPOLLIN;
	SYS(epoll_ctl(lt, EPOLL_CTL_ADD, p[0], &ev));
	struct epoll_event out[2];
	EQ("et_empty", epoll_wait(et, out, 2, 0), 0);
	writeall(p[1], "0123456789", 10);
	EQ("et_first", epoll_wait(et, out, 2, 0), 1);
	EQ("et_data", out[0].data.u64, 7);
	EQ("et_again", epoll_wait(et, out, 2, 0), 0);
	char buf[16];
	EQ("partial_read", read(p[0], buf, 4), 4);
	EQ("et_after_partial", epoll_wait(et, out, 2, 0), 0);
	EQ("lt_after_partial", epoll_wait(lt, out, 2, 0), 1);
	writeall(p[1], "x", 1);
	EQ("et_new_data", epoll_wait(et, out, 2, 0), 1);
	EQ("et_once", epoll_wait(et, out, 2, 0), 0);
	EQ("drain", read(p[0], buf, sizeof buf), 7);
	EQ("lt_empty", epoll_wait(lt, out, 2, 0), 0);
	/* A writer closing is an edge too (EPOLLHUP). */
	close(p[1]);
	EQ("et_hup", epoll_wait(et, out, 2, 0), 1);
	EQ("et_hup_events", out[0].events, EPOLLHUP);
	EQ("et_hup_once", epoll_wait(et, out, 2, 0), 0);
	/* MOD re-arms an edge-triggered item: it reports the current state. */
	ev.events = EPOLLIN | EPOLLET;
	SYS(epoll_ctl(et, EPOLL_CTL_MOD, p[0], &ev));
	EQ("et_mod", epoll_wait(et, out, 2, 0), 1);
	pass();
}
