/* ppoll atomically installs a signal mask: a blocked pending signal is
 * delivered during ppoll, which fails with EINTR. */
#include "contract.h"
#include <poll.h>

static volatile int got;
static void on_usr1(int s) { got = s; }

int main(void)
{
	signal(SIGUSR1, on_usr1);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	SYS(sigprocmask(SIG_BLOCK, &block, NULL));
	raise(SIGUSR1);
	EQ("not_yet", got, 0);
	int p[2];
	SYS(pipe(p));
	struct pollfd f = {p[0], POLLIN, 0};
	struct timespec ts = {5, 0};
	ERR("ppoll", ppoll(&f, 1, &ts, &empty), EINTR);
	EQ("handled", got, SIGUSR1);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	EQ("mask_restored", sigismember(&now, SIGUSR1), 1);
	struct timespec zero = {0, 0};
	EQ("ppoll_zero", ppoll(&f, 1, &zero, NULL), 0);
	pass();
}
