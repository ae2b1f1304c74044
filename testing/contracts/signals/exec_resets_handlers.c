/* execve resets caught signals to default but keeps ignored ones and the
 * blocked mask. */
#include "contract.h"

static void h(int s) { (void)s; }

int main(int argc, char **argv)
{
	if (argc == 2) {
		struct sigaction a;
		sigaction(SIGUSR1, NULL, &a);
		OUT("usr1_default", "%d", a.sa_handler == SIG_DFL);
		sigaction(SIGUSR2, NULL, &a);
		OUT("usr2_ignored", "%d", a.sa_handler == SIG_IGN);
		sigset_t m;
		sigprocmask(SIG_BLOCK, NULL, &m);
		OUT("hup_blocked", "%d", sigismember(&m, SIGHUP));
		exit(0);
	}
	signal(SIGUSR1, h);
	signal(SIGUSR2, SIG_IGN);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGHUP);
	sigprocmask(SIG_BLOCK, &m, NULL);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		execl("/proc/self/exe", "x", "child", NULL);
		_exit(99);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	pass();
}
