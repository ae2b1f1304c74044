/* sched_getaffinity/sched_setaffinity size rules: the returned value is the
 * kernel's mask size, lengths must be long-aligned and cover nr_cpu_ids for
 * reads; short masks are zero-extended for writes; masks with no online CPU
 * are EINVAL; other users' processes are EPERM for unprivileged callers. */
#include "contract.h"
#include <sched.h>

int main(void)
{
	unsigned char buf[256];
	memset(buf, 0xee, sizeof buf);
	long n = syscall(SYS_sched_getaffinity, 0, 128, buf);
	EQ("get128", n, 8);
	EQ("beyond_untouched", buf[n], 0xee);
	EQ("cpu0", buf[0] & 1, 1);
	unsigned char online = buf[0]; /* every CPU, for a process nobody pinned */
	ERR("get0", syscall(SYS_sched_getaffinity, 0, 0, buf), EINVAL);
	ERR("get7", syscall(SYS_sched_getaffinity, 0, 7, buf), EINVAL);
	ERR("get12", syscall(SYS_sched_getaffinity, 0, 12, buf), EINVAL);
	EQ("get16", syscall(SYS_sched_getaffinity, 0, 16, buf), 8);
	ERR("get_fault", syscall(SYS_sched_getaffinity, 0, 8, (void *)8), EFAULT);
	ERR("get_neg", syscall(SYS_sched_getaffinity, -1, 8, buf), ESRCH);
	ERR("get_nopid", syscall(SYS_sched_getaffinity, 999999, 8, buf), ESRCH);

	memset(buf, 0, sizeof buf);
	buf[0] = 1;
	EQ("set1", syscall(SYS_sched_setaffinity, 0, 1, buf), 0);
	EQ("set3", syscall(SYS_sched_setaffinity, 0, 3, buf), 0);
	EQ("set256", syscall(SYS_sched_setaffinity, 0, 256, buf), 0);
	buf[0] = 0xff;
	EQ("set_more_cpus", syscall(SYS_sched_setaffinity, 0, 8, buf), 0);
	memset(buf, 0, sizeof buf);
	SYS(syscall(SYS_sched_getaffinity, 0, 8, buf));
	EQ("after_more_is_online", buf[0] == online, 1);
	buf[0] = 0;
	buf[200] = 1;
	ERR("set_offline", syscall(SYS_sched_setaffinity, 0, 256, buf), EINVAL);
	ERR("set_len0", syscall(SYS_sched_setaffinity, 0, 0, buf), EINVAL);
	ERR("set_fault", syscall(SYS_sched_setaffinity, 0, 8, (void *)8), EFAULT);
	buf[0] = 1;
	ERR("set_nopid", syscall(SYS_sched_setaffinity, 999999, 8, buf), ESRCH);

	pid_t victim = SYS(fork());
	if (victim == 0) {
		pause();
		_exit(0);
	}
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000))
			_exit(10);
		unsigned char m[8] = {1};
		long r = syscall(SYS_sched_setaffinity, victim, 8, m);
		if (r != -1 || errno != EPERM)
			_exit(11);
		if (syscall(SYS_sched_getaffinity, victim, 8, m) != 8)
			_exit(12);
		if (syscall(SYS_sched_setaffinity, 0, 8, m) != 0)
			_exit(13);
		_exit(0);
	}
	STREQ("user", wstatus(reap(pid)), "exit 0");
	kill(victim, SIGKILL);
	reap(victim);
	pass();
}
