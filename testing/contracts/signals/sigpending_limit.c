/* RLIMIT_SIGPENDING bounds the signals queued for a real user: past it
 * sigqueue and tgkill of a real-time signal fail with EAGAIN, kill() of a
 * real-time signal and sigqueue of a standard one still make the signal
 * pending but without its information (si_code SI_USER, no sender);
 * /proc/<pid>/status SigQ shows queued/limit and SigPnd/ShdPnd the pending
 * sets. The child runs as a user of its own so no other process's
 * signals count. */
#include "contract.h"
#include <sys/resource.h>
#include <sys/syscall.h>

static void status_line(const char *key, const char *field)
{
	char buf[4096], *p;
	int fd = SYS(open("/proc/self/status", O_RDONLY));
	ssize_t n = SYS(read(fd, buf, sizeof buf - 1));
	close(fd);
	buf[n] = 0;
	if (!(p = strstr(buf, field)))
		fail("no %s line", field);
	p += strlen(field);
	while (*p == '\t' || *p == ' ')
		p++;
	*strchr(p, '\n') = 0;
	OUT(key, "%s", p);
}

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(setresuid(4321, 4321, 4321));
		struct rlimit r = {4, 4};
		SYS(setrlimit(RLIMIT_SIGPENDING, &r));
		int rt = SIGRTMIN + 3;
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, rt);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGUSR2);
		SYS(sigprocmask(SIG_BLOCK, &set, NULL));
		status_line("sigq_empty", "SigQ:");
		union sigval v = {.sival_int = 1};
		for (int i = 0; i < 3; i++)
			SYS(sigqueue(getpid(), rt, v));
		SYS(sigqueue(getpid(), SIGUSR1, v));
		status_line("sigq_full", "SigQ:");
		status_line("shdpnd_full", "ShdPnd:");
		ERR("sigqueue_rt_over", sigqueue(getpid(), rt, v), EAGAIN);
		ERR("tgkill_rt_over", syscall(SYS_tgkill, getpid(), gettid(), rt), EAGAIN);
		EQ("kill_rt_over", kill(getpid(), rt), 0);
		EQ("sigqueue_std_over", sigqueue(getpid(), SIGUSR2, v), 0);
		status_line("sigq_after", "SigQ:");
		status_line("shdpnd_after", "ShdPnd:");
		status_line("sigpnd_after", "SigPnd:");

		siginfo_t si;
		struct timespec zero = {0, 0};
		int s = SYS(sigtimedwait(&set, &si, &zero));
		EQ("first_is_usr1", s, SIGUSR1);
		EQ("usr1_code_queue", si.si_code, SI_QUEUE);
		s = SYS(sigtimedwait(&set, &si, &zero));
		EQ("second_is_usr2", s, SIGUSR2);
		OUT("usr2_info_lost", "code=%d pid_zero=%d", si.si_code, si.si_pid == 0);
		int rts = 0, rt_queue = 0;
		while ((s = sigtimedwait(&set, &si, &zero)) == rt) {
			rts++;
			rt_queue += si.si_code == SI_QUEUE;
		}
		EQ("rt_delivered", rts, 3);
		EQ("rt_with_info", rt_queue, 3);
		status_line("sigq_drained", "SigQ:");
		status_line("shdpnd_drained", "ShdPnd:");
		_exit(0);
	}
	EQ("child", reap(pid), 0);
	pass();
}
