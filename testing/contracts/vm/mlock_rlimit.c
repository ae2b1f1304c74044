/* RLIMIT_MEMLOCK binds users without CAP_IPC_LOCK: locking within it works,
 * past it is ENOMEM (pages already locked count once), a zero limit makes
 * mlock and mlockall EPERM, and MAP_LOCKED past it is EAGAIN. Root is not
 * bound. */
#include "contract.h"
#include <sys/mman.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit rl;
	SYS(getrlimit(RLIMIT_MEMLOCK, &rl));
	OUT("default_cur", "%lu", (unsigned long)rl.rlim_cur);
	char *big = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(big != MAP_FAILED);
	struct rlimit small = {8192, 8192};
	SYS(setrlimit(RLIMIT_MEMLOCK, &small));
	EQ("root_past_limit", mlock(big, 64 * 4096), 0);
	SYS(munlock(big, 64 * 4096));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		EQ("user_within", mlock(big, 8192), 0);
		EQ("user_again_same", mlock(big, 8192), 0);
		ERR("user_past", mlock(big, 3 * 4096), ENOMEM);
		EQ("user_overlap_within", mlock(big + 4096, 4096), 0);
		SYS(munlock(big, 8192));
		void *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
		OUT("map_locked_past", "%s", m == MAP_FAILED ? errname(errno) : "mapped");
		m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
		OUT("map_locked_within", "%s", m == MAP_FAILED ? errname(errno) : "mapped");
		ERR("mlockall_current_past", mlockall(MCL_CURRENT), ENOMEM);
		struct rlimit zero = {0, 0};
		SYS(setrlimit(RLIMIT_MEMLOCK, &zero));
		ERR("zero_mlock", mlock(big, 4096), EPERM);
		ERR("zero_mlockall", mlockall(MCL_FUTURE), EPERM);
		EQ("zero_munlock", munlock(big, 4096), 0);
		EQ("zero_munlockall", munlockall(), 0);
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	pass();
}
