/* Scheduling policies: SCHED_OTHER by default; root may switch to FIFO/RR
 * with a valid priority; priority ranges; bad values are EINVAL. */
#include "contract.h"
#include <sched.h>
/* musl stubs sched_getscheduler/sched_getparam with ENOSYS: raw syscalls here. */

int main(void)
{
	EQ("default", syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
	OUT("fifo_range", "%d..%d", sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO));
	OUT("rr_range", "%d..%d", sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_RR));
	OUT("other_range", "%d..%d", sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER));
	CHECK(sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1);
	struct sched_param p = {.sched_priority = 10};
	EQ("set_fifo", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &p), 0);
	EQ("is_fifo", syscall(SYS_sched_getscheduler, 0), SCHED_FIFO);
	struct sched_param g;
	SYS(syscall(SYS_sched_getparam, 0, &g));
	EQ("prio", g.sched_priority, 10);
	p.sched_priority = 0;
	ERR("fifo_prio0", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &p), EINVAL);
	EQ("back_to_other", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p), 0);
	p.sched_priority = 5;
	ERR("other_prio5", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p), EINVAL);
	ERR("badpolicy", syscall(SYS_sched_setscheduler, 0, 77, &p), EINVAL);
	ERR("range_bad", sched_get_priority_max(77), EINVAL);
	pass();
}
