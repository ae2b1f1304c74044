/* With RLIMIT_CORE 0 (the default) a core-dumping signal writes no core
 * file, so the wait status has no core flag and waitid reports CLD_KILLED;
 * RLIMIT_CORE is inherited and readable. */
#include "contract.h"
#include <sys/resource.h>

static pid_t spawn(int sig)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r = {0, RLIM_INFINITY};
		setrlimit(RLIMIT_CORE, &r);
		signal(sig, SIG_DFL);
		raise(sig);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	struct rlimit r;
	SYS(getrlimit(RLIMIT_CORE, &r));
	EQ("default_soft", r.rlim_cur, 0);
	int sigs[] = {SIGQUIT, SIGSEGV, SIGABRT, SIGXCPU, SIGTERM};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		pid_t pid = spawn(sigs[i]);
		int st = reap(pid);
		char key[32];
		snprintf(key, sizeof key, "sig%d_status", sigs[i]);
		OUT(key, "%s coredump=%d", wstatus(st), WCOREDUMP(st) ? 1 : 0);
	}
	pid_t pid = spawn(SIGQUIT);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	SYS(waitid(P_PID, pid, &si, WEXITED));
	EQ("waitid_code_killed", si.si_code, CLD_KILLED);
	EQ("waitid_status", si.si_status, SIGQUIT);
	ERR("no_core_file", access("core", F_OK), ENOENT);
	pass();
}
