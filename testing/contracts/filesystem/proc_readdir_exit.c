/* Reading /proc one entry per getdents64 call while the processes already
 * listed exit (ps, pkill and CPython walk it this way) still finds every
 * process that is alive throughout, each once. */
#include "contract.h"
#include <signal.h>

#define N 12

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int main(void)
{
	pid_t kids[N];
	for (int i = 0; i < N; i++) {
		kids[i] = SYS(fork());
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	int dfd = SYS(open("/proc", O_RDONLY | O_DIRECTORY));
	char buf[40]; /* one entry a call */
	int seen[N] = {0}, dup = 0, total = 0;
	long n;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
		struct linux_dirent64 *e = (void *)buf;
		CHECK(e->d_reclen == n);
		int pid = atoi(e->d_name);
		for (int i = 0; i < N; i++) {
			if (kids[i] != pid)
				continue;
			dup += seen[i]++;
			total++;
			/* Every other child found exits before the next call. */
			if (i % 2 == 0) {
				SYS(kill(pid, SIGKILL));
				reap(pid);
			}
		}
	}
	EQ("getdents_end", n, 0);
	EQ("children_seen", total, N);
	EQ("seen_twice", dup, 0);
	for (int i = 1; i < N; i += 2) {
		SYS(kill(kids[i], SIGKILL));
		reap(kids[i]);
	}
	pass();
}
