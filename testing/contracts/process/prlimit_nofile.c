/* prlimit64/setrlimit: RLIMIT_NOFILE limits new fds (EMFILE); NULL new limit
 * only reads; soft above hard is EINVAL. */
#include "contract.h"
#include <sys/resource.h>

int main(void)
{
	struct rlimit old;
	SYS(prlimit(0, RLIMIT_NOFILE, NULL, &old));
	OUT("default_soft", "%llu", (unsigned long long)old.rlim_cur);
	OUT("default_hard", "%llu", (unsigned long long)old.rlim_max);
	struct rlimit lim = {16, old.rlim_max};
	SYS(setrlimit(RLIMIT_NOFILE, &lim));
	int last = -1;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			EQ("errno", errno, EMFILE);
			break;
		}
		last = fd;
	}
	EQ("highest_fd", last, 15);
	struct rlimit bad = {100, 50};
	ERR("soft_over_hard", setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
	struct rlimit got;
	SYS(getrlimit(RLIMIT_NOFILE, &got));
	EQ("soft_now", got.rlim_cur, 16);
	pass();
}
