/* membarrier: QUERY's command mask, GLOBAL, the expedited commands' EPERM
 * until the process registers (and a forked child keeps the
 * registration), flag and command validation. */
#include "contract.h"

static long mb(int cmd, unsigned flags, int cpu) { return syscall(SYS_membarrier, cmd, flags, cpu); }

int main(void)
{
	long q = mb(0, 0, 0);
	OUT("query", "%#lx", q);
	CHECK(q > 0);
	ERR("query_flags", mb(0, 1, 0), EINVAL);
	ERR("unknown", mb(1 << 12, 0, 0), EINVAL);
	ERR("two_cmds", mb(1 | 8, 0, 0), EINVAL);
	EQ("global", mb(1, 0, 0), 0);
	ERR("global_flags", mb(1, 1, 0), EINVAL);
	EQ("global_expedited", mb(2, 0, 0), 0);
	ERR("private_unregistered", mb(8, 0, 0), EPERM);
	ERR("sync_core_unregistered", mb(32, 0, 0), EPERM);
	ERR("rseq_unregistered", mb(128, 0, 0), EPERM);
	EQ("register_global", mb(4, 0, 0), 0);
	EQ("register_private", mb(16, 0, 0), 0);
	EQ("register_private_again", mb(16, 0, 0), 0);
	EQ("private", mb(8, 0, 0), 0);
	ERR("sync_core_still", mb(32, 0, 0), EPERM);
	EQ("register_sync_core", mb(64, 0, 0), 0);
	EQ("sync_core", mb(32, 0, 0), 0);
	EQ("register_rseq", mb(256, 0, 0), 0);
	EQ("rseq", mb(128, 0, 0), 0);
	EQ("rseq_cpu0", mb(128, 1, 0), 0);
	ERR("rseq_badflag", mb(128, 2, 0), EINVAL);
	ERR("private_cpuflag", mb(8, 1, 0), EINVAL);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		long r = mb(8, 0, 0);
		_exit(r == 0 ? 0 : 1);
	}
	STREQ("child_inherits_registration", wstatus(reap(pid)), "exit 0");
	pass();
}
