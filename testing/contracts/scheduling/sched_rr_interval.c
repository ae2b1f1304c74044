/* sched_rr_get_interval returns a positive quantum for SCHED_RR tasks and
 * zero-or-positive for others; SCHED_RESET_ON_FORK resets children. */
#include "contract.h"
#include <sched.h>
/* musl stubs sched_getscheduler/sched_getparam with ENOSYS: raw syscalls here. */

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

int main(void)
{
	struct sched_param p = {.sched_priority = 1};
	SYS(syscall(SYS_sched_setscheduler, 0, SCHED_RR | SCHED_RESET_ON_FORK, &p));
	EQ("policy_with_flag", syscall(SYS_sched_getscheduler, 0), SCHED_RR | SCHED_RESET_ON_FORK);
	struct timespec ts;
	SYS(sched_rr_get_interval(0, &ts));
	EQ("rr_quantum_positive", ts.tv_sec > 0 || ts.tv_nsec > 0, 1);
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(syscall(SYS_sched_getscheduler, 0));
	STREQ("child_reset", wstatus(reap(pid)), "exit 0");
	ERR("nosuch", sched_rr_get_interval(999999, &ts), ESRCH);
	pass();
}
