/* fork, mprotect and munmap of a huge mapping with two pages present take
 * time for what is mapped, not for the mapping's size. Found by the fuzzer
 * (seed 101): Aramid's fork walked a 64 TiB mapping page by page with the
 * address space locked; every ftruncate of a mapped tmpfs file (which visits
 * every address space) waited on that lock, and SIGKILL could not end the
 * waiters. Here a thread of the child ftruncates a shared-mapped memfd while
 * the child forks, and the parent kills the child at the end. */
#include "contract.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define HUGE (1ULL << 46)

static int mfd;

static void *truncator(void *arg)
{
	(void)arg;
	for (int i = 0;; i++) {
		if (ftruncate(mfd, (i & 1) ? 8192 : 4096) != 0)
			_exit(3);
		usleep(1000);
	}
	return NULL;
}

int main(void)
{
	alarm(8);
	char *p = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	p[HUGE - 1] = 2;
	mfd = SYS(syscall(SYS_memfd_create, "m", 0));
	SYS(ftruncate(mfd, 8192));
	char *s = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(s != MAP_FAILED);
	s[0] = 7;

	pid_t c = SYS(fork());
	if (c == 0) {
		pthread_t th;
		pthread_create(&th, NULL, truncator, NULL);
		for (int i = 0; i < 3; i++) {
			pid_t g = fork();
			if (g < 0)
				_exit(4);
			if (g == 0)
				_exit(p[0] == 1 && p[HUGE - 1] == 2 ? 0 : 1);
			int st;
			if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				_exit(5);
		}
		for (;;)
			pause();
	}
	usleep(300000);
	int st;
	/* the child forked three times by now, or is still at it */
	SYS(kill(c, SIGKILL));
	EQ("child_reaped", waitpid(c, &st, 0) == c, 1);
	STREQ("child_status", wstatus(st), "signal 9");

	pid_t g = SYS(fork());
	if (g == 0)
		_exit(p[0] == 1 && p[HUGE - 1] == 2 ? 0 : 1);
	EQ("grandchild_reaped", waitpid(g, &st, 0) == g, 1);
	STREQ("fork_copy", wstatus(st), "exit 0");
	EQ("mprotect", mprotect(p, HUGE, PROT_READ), 0);
	EQ("last_byte", p[HUGE - 1], 2);
	EQ("munmap", munmap(p, HUGE), 0);
	pass();
}
