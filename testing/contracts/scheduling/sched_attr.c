/* sched_getattr/sched_setattr: size field, nice via sched_attr, and E2BIG
 * for a too-small size. */
#include "contract.h"

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t prio;
	uint64_t runtime, deadline, period;
};

int main(void)
{
	struct attr a;
	memset(&a, 0, sizeof a);
	SYS(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0));
	EQ("size", a.size, 48);
	EQ("policy", a.policy, 0);
	EQ("nice", a.nice, 0);
	a.nice = 3;
	SYS(syscall(SYS_sched_setattr, 0, &a, 0));
	memset(&a, 0, sizeof a);
	SYS(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0));
	EQ("nice_set", a.nice, 3);
	ERR("small", syscall(SYS_sched_getattr, 0, &a, 8, 0), EINVAL);
	ERR("flags", syscall(SYS_sched_getattr, 0, &a, sizeof a, 1), EINVAL);
	pass();
}
