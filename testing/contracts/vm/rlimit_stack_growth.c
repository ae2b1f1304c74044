/* RLIMIT_STACK bounds automatic stack growth: with a 1 MiB limit a 2 MiB
 * recursion dies of SIGSEGV, with 8 MiB it completes; lowering the limit
 * takes effect at once; getrlimit reports the new value. */
#include "contract.h"
#include <sys/resource.h>

static int recurse(int depth)
{
	volatile char frame[64 * 1024];
	frame[0] = (char)depth;
	frame[sizeof frame - 1] = (char)depth;
	if (depth == 0)
		return frame[0];
	return recurse(depth - 1) + frame[sizeof frame - 1] - (char)depth;
}

static const char *run(rlim_t limit)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r = {limit, RLIM_INFINITY};
		if (setrlimit(RLIMIT_STACK, &r))
			_exit(20);
		struct rlimit got;
		getrlimit(RLIMIT_STACK, &got);
		if (got.rlim_cur != limit)
			_exit(21);
		_exit(recurse(32) == 0 ? 0 : 22); /* 32 x 64 KiB = 2 MiB */
	}
	return wstatus(reap(pid));
}

int main(void)
{
	STREQ("limit_1m", run(1 << 20), "signal 11");
	STREQ("limit_8m", run(8 << 20), "exit 0");
	STREQ("limit_1m_again", run(1 << 20), "signal 11");
	pass();
}
