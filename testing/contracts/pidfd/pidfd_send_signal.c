/* pidfd_send_signal: flags, not-a-pidfd, signals reach the process, a
 * zombie accepts them, a reaped process is ESRCH, siginfo rules, and
 * kill's permission rules. */
#include "pidfd.h"

int main(void)
{
	pid_t c = sleeper();
	int fd = SYS(pidfd_open(c, 0));
	ERR("flags", pidfd_send_signal(fd, SIGKILL, NULL, 1), EINVAL);
	int pf[2];
	SYS(pipe(pf));
	ERR("not_pidfd", pidfd_send_signal(pf[0], SIGKILL, NULL, 0), EBADF);
	ERR("closed_fd", pidfd_send_signal(100, SIGKILL, NULL, 0), EBADF);
	ERR("bad_signal", pidfd_send_signal(fd, 99, NULL, 0), EINVAL);
	EQ("signal0", pidfd_send_signal(fd, 0, NULL, 0), 0);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	ERR("info_signo_mismatch", pidfd_send_signal(fd, SIGTERM, &si, 0), EINVAL);
	si.si_code = SI_USER;
	ERR("info_kernel_code_other", pidfd_send_signal(fd, SIGUSR1, &si, 0), EPERM);
	ERR("info_fault", pidfd_send_signal(fd, SIGUSR1, (siginfo_t *)8, 0), EFAULT);
	EQ("sigterm", pidfd_send_signal(fd, SIGTERM, NULL, 0), 0);
	siginfo_t w = {0};
	SYS(waitid(P_PID, c, &w, WEXITED | WNOWAIT));
	EQ("killed_by", w.si_status, SIGTERM);
	EQ("zombie_accepts", pidfd_send_signal(fd, SIGKILL, NULL, 0), 0);
	reap(c);
	ERR("reaped", pidfd_send_signal(fd, SIGKILL, NULL, 0), ESRCH);

	/* A process of another user may not be signalled without CAP_KILL. */
	pid_t victim = sleeper();
	int vfd = SYS(pidfd_open(victim, 0));
	pid_t c2 = SYS(fork());
	if (c2 == 0) {
		SYS(setresuid(1000, 1000, 1000));
		ERR("other_user", pidfd_send_signal(vfd, SIGKILL, NULL, 0), EPERM);
		_exit(0);
	}
	STREQ("unprivileged_child", wstatus(reap(c2)), "exit 0");
	/* Self, with a queued siginfo. */
	int self = SYS(pidfd_open(getpid(), 0));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&si, 0, sizeof si);
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 42;
	EQ("self_info", pidfd_send_signal(self, SIGUSR2, &si, 0), 0);
	siginfo_t got;
	EQ("sigwait", sigwaitinfo(&set, &got), SIGUSR2);
	EQ("got_code", got.si_code, SI_QUEUE);
	EQ("got_value", got.si_value.sival_int, 42);
	kill(victim, SIGKILL);
	reap(victim);
	pass();
}
