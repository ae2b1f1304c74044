/* SECCOMP_RET_TRAP raises SIGSYS with si_code SYS_SECCOMP, the filter's
 * data in si_errno, si_syscall, si_arch and si_call_addr; the call is not
 * made and returns its own number. A blocked SIGSYS still kills. */
#include "sec.h"

static volatile siginfo_t got;
static volatile int hits;

static void on_sys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got = *si;
	hits++;
}

int main(void)
{
	SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	pid_t c = SYS(fork());
	if (c == 0) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSYS);
		sigprocmask(SIG_BLOCK, &s, NULL);
		deny(SYS_getppid, SECCOMP_RET_TRAP | 5);
		syscall(SYS_getppid);
		_exit(0);
	}
	STREQ("blocked_sigsys", wstatus(reap(c)), "signal 31");

	struct sigaction sa = {0};
	sa.sa_sigaction = on_sys;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGSYS, &sa, NULL));
	EQ("install", deny(SYS_getppid, SECCOMP_RET_TRAP | 0x1234), 0);
	long r = syscall(SYS_getppid, 11, 22);
	EQ("hits", hits, 1);
	EQ("ret_is_nr", r, SYS_getppid);
	EQ("si_signo", got.si_signo, SIGSYS);
	EQ("si_code", got.si_code, 1); /* SYS_SECCOMP */
	EQ("si_errno", got.si_errno, 0x1234);
	EQ("si_syscall", got.si_syscall, SYS_getppid);
	EQ("si_arch", got.si_arch == AUDIT_ARCH_X86_64, 1);
	EQ("si_call_addr_set", got.si_call_addr != NULL, 1);
	EQ("other_calls_work", syscall(SYS_getpid) == getpid(), 1);
	pass();
}
