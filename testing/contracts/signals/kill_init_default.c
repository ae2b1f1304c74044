/* Init (PID 1, the runner) takes no signal it does not handle: kill(1,
 * SIGTERM) and even SIGKILL from root succeed and init lives on, as
 * Linux's SIGNAL_UNKILLABLE has it (found by the fuzzer: Aramid let a
 * child's exit signal kill PID 1). The runner handles none of these. */
#include "contract.h"

int main(void)
{
	EQ("kill_init_sigterm", kill(1, SIGTERM), 0);
	EQ("kill_init_sigusr2", kill(1, SIGUSR2), 0);
	EQ("kill_init_sigkill", kill(1, SIGKILL), 0);
	usleep(100000);
	EQ("init_alive", kill(1, 0), 0);
	EQ("parent_is_init", getppid(), 1);
	pass();
}
