/* waitid(P_PID) fills si_pid, si_code and si_status; WNOWAIT leaves the
 * child waitable; WNOHANG with nothing ready zeroes si_pid. */
#include "contract.h"

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(7);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	SYS(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	EQ("nowait_pid_matches", si.si_pid == pid, 1);
	EQ("code", si.si_code, CLD_EXITED);
	EQ("status", si.si_status, 7);
	EQ("signo", si.si_signo, SIGCHLD);
	memset(&si, 0, sizeof si);
	SYS(waitid(P_PID, pid, &si, WEXITED));
	EQ("reaped_status", si.si_status, 7);
	pid_t sleeper = SYS(fork());
	if (sleeper == 0) {
		pause();
		_exit(0);
	}
	memset(&si, 0xff, sizeof si);
	EQ("wnohang", waitid(P_PID, sleeper, &si, WEXITED | WNOHANG), 0);
	EQ("wnohang_pid", si.si_pid, 0);
	kill(sleeper, SIGTERM);
	SYS(waitid(P_ALL, 0, &si, WEXITED));
	EQ("killed_code", si.si_code, CLD_KILLED);
	EQ("killed_status", si.si_status, SIGTERM);
	ERR("no_options", waitid(P_ALL, 0, &si, 0), EINVAL);
	ERR("echild", waitid(P_ALL, 0, &si, WEXITED), ECHILD);
	pass();
}
