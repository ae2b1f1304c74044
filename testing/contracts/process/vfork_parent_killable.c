/* The parent of a vfork child that stops itself waits for it, yet dies at
 * SIGKILL: the vfork wait is killable (wait_for_vfork_done). */
#include "contract.h"
#include <sys/syscall.h>
#include <sys/wait.h>

int main(void)
{
	pid_t p = SYS(fork());
	if (p == 0) {
		pid_t c = vfork();
		if (c == 0) {
			syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
			_exit(0);
		}
		_exit(3); /* only once the child has exited or exec'd */
	}
	usleep(200000);
	int st;
	EQ("still_waiting", waitpid(p, &st, WNOHANG), 0);
	SYS(kill(p, SIGKILL));
	alarm(5);
	EQ("waited", waitpid(p, &st, 0) == p, 1);
	EQ("signaled", WIFSIGNALED(st), 1);
	EQ("termsig", WTERMSIG(st), SIGKILL);
	pass();
}
