/* sched_setattr/sched_getattr: the size field (0 means the first version,
 * too small or a non-zero tail is E2BIG with the kernel's size written
 * back), flag validation, reset-on-fork, nice clamping and policies. */
#include "contract.h"

#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t prio;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
	unsigned char tail[16];
};

static long setattr(struct attr *a) { return syscall(SYS_sched_setattr, 0, a, 0); }

int main(void)
{
	struct attr a;
	memset(&a, 0, sizeof a);
	/* size 0 is the first version (48 bytes) */
	a.size = 0;
	a.nice = 2;
	EQ("size0", setattr(&a), 0);
	memset(&a, 0xff, sizeof a);
	SYS(syscall(SYS_sched_getattr, 0, &a, 48, 0));
	EQ("get48_size", a.size, 48);
	EQ("get48_nice", a.nice, 2);
	EQ("get48_beyond_untouched", a.util_min, 0xffffffffu);
	memset(&a, 0xff, sizeof a);
	SYS(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0));
	EQ("getbig_size", a.size, 56);
	EQ("getbig_tail_untouched", a.tail[0], 0xff);
	ERR("get_small", syscall(SYS_sched_getattr, 0, &a, 47, 0), EINVAL);
	ERR("get_page", syscall(SYS_sched_getattr, 0, &a, 4097, 0), EINVAL);
	ERR("get_flags", syscall(SYS_sched_getattr, 0, &a, 48, 1), EINVAL);
	ERR("get_null", syscall(SYS_sched_getattr, 0, NULL, 48, 0), EINVAL);
	ERR("get_negpid", syscall(SYS_sched_getattr, -1, &a, 48, 0), EINVAL);
	ERR("get_nopid", syscall(SYS_sched_getattr, 999999, &a, 48, 0), ESRCH);

	/* too small: E2BIG and the kernel's size written back */
	memset(&a, 0, sizeof a);
	a.size = 40;
	ERR("set_small", setattr(&a), E2BIG);
	EQ("set_small_size_back", a.size, 56);
	/* a larger struct with a zero tail is accepted; a non-zero tail is not */
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	EQ("set_big_zero_tail", setattr(&a), 0);
	a.tail[3] = 1;
	ERR("set_big_tail", setattr(&a), E2BIG);
	EQ("set_big_tail_size_back", a.size, 56);
	memset(&a, 0, sizeof a);
	a.size = 8192;
	ERR("set_huge", setattr(&a), E2BIG);
	EQ("set_huge_size_back", a.size, 56);

	memset(&a, 0, sizeof a);
	a.size = 48;
	ERR("set_null", syscall(SYS_sched_setattr, 0, NULL, 0), EINVAL);
	ERR("set_flags_arg", syscall(SYS_sched_setattr, 0, &a, 1), EINVAL);
	ERR("set_negpid", syscall(SYS_sched_setattr, -1, &a, 0), EINVAL);
	ERR("set_nopid", syscall(SYS_sched_setattr, 999999, &a, 0), ESRCH);
	a.flags = 0x1000;
	ERR("set_badflag", setattr(&a), EINVAL);
	a.flags = 0;
	a.policy = 4;
	ERR("set_badpolicy", setattr(&a), EINVAL);
	a.policy = 0;
	a.prio = 1;
	ERR("set_other_prio", setattr(&a), EINVAL);
	a.prio = 0;
	a.policy = 1;
	ERR("set_fifo_prio0", setattr(&a), EINVAL);
	a.prio = 100;
	ERR("set_fifo_prio100", setattr(&a), EINVAL);

	/* nice is clamped to [-20, 19] */
	memset(&a, 0, sizeof a);
	a.size = 48;
	a.nice = 100;
	EQ("nice100", setattr(&a), 0);
	SYS(syscall(SYS_sched_getattr, 0, &a, 48, 0));
	EQ("nice100_read", a.nice, 19);
	EQ("getpriority", syscall(SYS_getpriority, 0, 0), 20 - 19);

	/* FIFO with reset-on-fork: getattr reports the flag apart from the policy */
	memset(&a, 0, sizeof a);
	a.size = 48;
	a.policy = 1;
	a.prio = 10;
	a.flags = SCHED_FLAG_RESET_ON_FORK;
	EQ("fifo_rof", setattr(&a), 0);
	memset(&a, 0, sizeof a);
	SYS(syscall(SYS_sched_getattr, 0, &a, 48, 0));
	EQ("fifo_policy", a.policy, 1);
	EQ("fifo_prio", a.prio, 10);
	EQ("fifo_flags", a.flags, SCHED_FLAG_RESET_ON_FORK);
	EQ("getscheduler", syscall(SYS_sched_getscheduler, 0), 1 | 0x40000000);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		struct attr c;
		memset(&c, 0, sizeof c);
		syscall(SYS_sched_getattr, 0, &c, 48, 0);
		_exit(c.policy * 10 + (c.flags != 0));
	}
	STREQ("child_reset", wstatus(reap(pid)), "exit 0");

	/* KEEP_PARAMS keeps policy and parameters; only the flags change */
	memset(&a, 0, sizeof a);
	a.size = 48;
	a.policy = 2;
	a.flags = SCHED_FLAG_KEEP_PARAMS;
	EQ("keep_params", setattr(&a), 0);
	memset(&a, 0, sizeof a);
	SYS(syscall(SYS_sched_getattr, 0, &a, 48, 0));
	EQ("kp_policy", a.policy, 1);
	EQ("kp_prio", a.prio, 10);
	EQ("kp_flags", a.flags, 0);
	/* back to normal */
	memset(&a, 0, sizeof a);
	a.size = 48;
	a.policy = 3;
	EQ("batch", setattr(&a), 0);
	memset(&a, 0, sizeof a);
	SYS(syscall(SYS_sched_getattr, 0, &a, 48, 0));
	EQ("batch_policy", a.policy, 3);
	EQ("batch_prio", a.prio, 0);
	EQ("batch_nice", a.nice, 0);
	pass();
}
