/* Raw clone with CLONE_VM|CLONE_VFORK shares memory and runs the child
 * first; a bad flag combination is EINVAL. */
#include "contract.h"
#include <sched.h>

static volatile int value;

static int child(void *arg)
{
	value = *(int *)arg;
	return 4;
}

int main(void)
{
	static char stack[65536] __attribute__((aligned(16)));
	int arg = 77;
	pid_t pid = clone(child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &arg);
	if (pid < 0)
		fail("clone: %s", errname(errno));
	EQ("value_after_vfork", value, 77);
	STREQ("status", wstatus(reap(pid)), "exit 4");
	ERR("sighand_without_vm", syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0), EINVAL);
	ERR("thread_without_sighand", syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), EINVAL);
	pass();
}
