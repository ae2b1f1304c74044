/* CLONE_CHILD_CLEARTID: when a thread exits the kernel zeroes its tid word
 * and futex-wakes it (what pthread_join relies on); CLONE_PARENT_SETTID
 * stores the tid in the parent. */
#include "contract.h"
#include "futex.h"
#include <sched.h>

static volatile int ctid, ptid;

static int child(void *a)
{
	(void)a;
	usleep(20000);
	return 0;
}

int main(void)
{
	static char stack[65536] __attribute__((aligned(16)));
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_PARENT_SETTID;
	int tid = clone(child, stack + sizeof stack, flags, NULL, &ptid, NULL, &ctid);
	if (tid < 0)
		fail("clone: %s", errname(errno));
	EQ("parent_settid", ptid == tid, 1);
	while (ctid != 0) {
		int v = ctid;
		if (v != 0)
			futex(&ctid, FUTEX_WAIT, v, NULL, NULL, 0);
	}
	EQ("cleared", ctid, 0);
	pass();
}
