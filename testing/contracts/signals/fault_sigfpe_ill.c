/* Integer division by zero raises SIGFPE (FPE_INTDIV); ud2 raises SIGILL
 * (ILL_ILLOPN); int3 raises SIGTRAP. */
#include "contract.h"

static const char *run(int which)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		volatile int zero = 0;
		if (which == 0)
			_exit(10 / zero);
		if (which == 1)
			__asm__ volatile("ud2");
		if (which == 2)
			__asm__ volatile("int3");
		_exit(0);
	}
	return wstatus(reap(pid));
}

static volatile int fcode;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	fcode = si->si_code;
	_exit(fcode == FPE_INTDIV ? 3 : 4);
}

int main(void)
{
	STREQ("div0", run(0), "signal 8");
	STREQ("ud2", run(1), "signal 4");
	STREQ("int3", run(2), "signal 5");
	pid_t pid = SYS(fork());
	if (pid == 0) {
		struct sigaction sa = {0};
		sa.sa_sigaction = h;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGFPE, &sa, NULL);
		volatile int zero = 0;
		_exit(10 / zero);
	}
	STREQ("fpe_intdiv", wstatus(reap(pid)), "exit 3");
	pass();
}
