/* sched_getparam/sched_setparam/sched_setscheduler edge cases: bad pids,
 * NULL parameters, priority ranges per policy, and the permission rules
 * for unprivileged callers (other users' processes, RT policies only up to
 * RLIMIT_RTPRIO, leaving SCHED_IDLE needs RLIMIT_NICE). */
#include "contract.h"
#include <sched.h>
#include <sys/resource.h>

static int drop(void)
{
	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return -1;
	return 0;
}

static long setsched(pid_t pid, int pol, int prio)
{
	struct sched_param p = {.sched_priority = prio};
	return syscall(SYS_sched_setscheduler, pid, pol, &p);
}

static long setparam(pid_t pid, int prio)
{
	struct sched_param p = {.sched_priority = prio};
	return syscall(SYS_sched_setparam, pid, &p);
}

static void report(int fd, const char *key, long r)
{
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%s: %s\n", key, r == 0 ? "OK" : errname(errno));
	write(fd, buf, n);
}

int main(void)
{
	struct sched_param p;
	ERR("getparam_null", syscall(SYS_sched_getparam, 0, NULL), EINVAL);
	ERR("getparam_neg", syscall(SYS_sched_getparam, -1, &p), EINVAL);
	ERR("getparam_nopid", syscall(SYS_sched_getparam, 999999, &p), ESRCH);
	ERR("getparam_fault", syscall(SYS_sched_getparam, 0, (void *)8), EFAULT);
	ERR("setparam_null", syscall(SYS_sched_setparam, 0, NULL), EINVAL);
	ERR("setparam_neg", setparam(-1, 0), EINVAL);
	ERR("setparam_nopid", setparam(999999, 0), ESRCH);
	ERR("setparam_other_prio", setparam(0, 5), EINVAL);
	ERR("setsched_null", syscall(SYS_sched_setscheduler, 0, 0, NULL), EINVAL);
	ERR("setsched_neg", setsched(-5, 0, 0), EINVAL);
	ERR("setsched_badpol", setsched(0, 7, 0), EINVAL);
	ERR("setsched_fifo0", setsched(0, SCHED_FIFO, 0), EINVAL);
	ERR("setsched_fifo100", setsched(0, SCHED_FIFO, 100), EINVAL);
	ERR("setsched_batch1", setsched(0, SCHED_BATCH, 1), EINVAL);
	ERR("getsched_neg", syscall(SYS_sched_getscheduler, -1), EINVAL);
	ERR("getsched_nopid", syscall(SYS_sched_getscheduler, 999999), ESRCH);
	ERR("rr_neg", syscall(SYS_sched_rr_get_interval, -1, &(struct timespec){0}), EINVAL);
	ERR("rr_nopid", syscall(SYS_sched_rr_get_interval, 999999, &(struct timespec){0}), ESRCH);

	EQ("fifo50", setsched(0, SCHED_FIFO, 50), 0);
	memset(&p, 0, sizeof p);
	SYS(syscall(SYS_sched_getparam, 0, &p));
	EQ("fifo50_prio", p.sched_priority, 50);
	EQ("setparam_fifo_70", setparam(0, 70), 0);
	SYS(syscall(SYS_sched_getparam, 0, &p));
	EQ("setparam_prio", p.sched_priority, 70);
	ERR("setparam_fifo_0", setparam(0, 0), EINVAL);
	EQ("back_other", setsched(0, SCHED_OTHER, 0), 0);

	/* an unprivileged process: RT only within RLIMIT_RTPRIO */
	int pfd[2];
	SYS(pipe(pfd));
	pid_t victim = SYS(fork());
	if (victim == 0) {
		pause();
		_exit(0);
	}
	pid_t pid = SYS(fork());
	if (pid == 0) {
		close(pfd[0]);
		struct rlimit rl = {20, 20};
		setrlimit(RLIMIT_RTPRIO, &rl);
		if (drop())
			_exit(10);
		report(pfd[1], "user_fifo10", setsched(0, SCHED_FIFO, 10));
		report(pfd[1], "user_raise_30", setparam(0, 30));
		report(pfd[1], "user_lower_5", setparam(0, 5));
		report(pfd[1], "user_rr20", setsched(0, SCHED_RR, 20));
		report(pfd[1], "user_other", setsched(0, SCHED_OTHER, 0));
		report(pfd[1], "user_idle", setsched(0, SCHED_IDLE, 0));
		report(pfd[1], "user_idle_to_other", setsched(0, SCHED_OTHER, 0));
		report(pfd[1], "user_idle_to_batch", setsched(0, SCHED_BATCH, 0));
		report(pfd[1], "user_other_victim", setsched(victim, SCHED_BATCH, 0));
		report(pfd[1], "user_getparam_victim", syscall(SYS_sched_getparam, victim, &p));
		report(pfd[1], "user_getsched_victim", syscall(SYS_sched_getscheduler, victim) < 0 ? -1 : 0);
		struct rlimit zero = {0, 0};
		setrlimit(RLIMIT_RTPRIO, &zero);
		report(pfd[1], "user_fifo_nolimit", setsched(0, SCHED_FIFO, 1));
		_exit(0);
	}
	close(pfd[1]);
	STREQ("child", wstatus(reap(pid)), "exit 0");
	char buf[2048];
	ssize_t n = read(pfd[0], buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	fputs(buf, stdout);
	kill(victim, SIGKILL);
	reap(victim);
	pass();
}
