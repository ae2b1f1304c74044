/* SECCOMP_FILTER_FLAG_TSYNC puts every thread of the process under the
 * caller's filters; a thread with a filter stack of its own makes TSYNC
 * fail with that thread's id (or ESRCH with TSYNC_ESRCH) and nothing
 * changes. Without TSYNC a filter binds only its thread. */
#include "sec.h"
#include <pthread.h>

static volatile int phase, done;
static volatile pid_t other_tid;
static volatile long other_result;

static void *worker(void *arg)
{
	other_tid = syscall(SYS_gettid);
	while (phase == 0)
		;
	if (arg)
		deny(SYS_getuid, SECCOMP_RET_ERRNO | EIO);
	errno = 0;
	other_result = syscall(SYS_getppid) == -1 ? errno : 0;
	done = 1;
	while (phase != 2)
		;
	return NULL;
}

static long run(int own, unsigned long flags, long *ret)
{
	pid_t c = SYS(fork());
	if (c == 0) {
		pthread_t th;
		pthread_create(&th, NULL, worker, own ? (void *)1 : NULL);
		while (!other_tid)
			;
		if (own) {
			phase = 1;
			while (!done)
				;
			done = 0;
		}
		struct sock_filter f[] = {LD_NR, ON(SYS_getppid, SECCOMP_RET_ERRNO | EPERM), RET(SECCOMP_RET_ALLOW)};
		errno = 0;
		long r = install(f, sizeof f / sizeof f[0], flags);
		long e = errno;
		printf("install_is_other_tid: %d\n", r == other_tid);
		printf("install_ret: %s\n", r == 0 ? "0" : r == -1 ? errname(e) : "tid");
		if (!own) {
			phase = 1;
			while (!done)
				;
		} else {
			errno = 0;
			other_result = syscall(SYS_getppid) == -1 ? errno : 0;
		}
		printf("other_thread_getppid: %s\n", errname(other_result));
		phase = 2;
		pthread_join(th, NULL);
		_exit(0);
	}
	*ret = reap(c);
	return 0;
}

int main(void)
{
	SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	long st;
	run(0, 0, &st);
	STREQ("plain", wstatus(st), "exit 0");
	run(0, SECCOMP_FILTER_FLAG_TSYNC, &st);
	STREQ("tsync", wstatus(st), "exit 0");
	run(1, SECCOMP_FILTER_FLAG_TSYNC, &st);
	STREQ("tsync_conflict", wstatus(st), "exit 0");
	run(1, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH, &st);
	STREQ("tsync_esrch", wstatus(st), "exit 0");
	pass();
}
