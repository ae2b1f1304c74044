/* CPU-time clock ids (pthread_getcpuclockid, clock_getcpuclockid: negative
 * ids encoding ~pid << 3, a per-thread bit and PROF/VIRT/SCHED) read with
 * clock_gettime: one's own thread and process, another thread of the
 * process, a child process; EINVAL for a thread of another process, a
 * non-leader tid as a process, an unknown pid, which == 3, an fd clock;
 * clock_getres of each kind. */
#include "contract.h"
#include <pthread.h>
#include <time.h>

#define PROC_CLOCK(pid, which) ((~(clockid_t)(pid) << 3) | (which))
#define THREAD_CLOCK(tid, which) ((~(clockid_t)(tid) << 3) | (which) | 4)

static volatile int stop;
static volatile pid_t side_tid;
static volatile int side_own_ok = -1;

static long gettime(clockid_t id)
{
	struct timespec ts;
	return syscall(SYS_clock_gettime, id, &ts);
}

static void *side(void *arg)
{
	(void)arg;
	side_tid = syscall(SYS_gettid);
	/* A thread's own tid as a process clock stands for its process. */
	side_own_ok = gettime(PROC_CLOCK(side_tid, 2)) == 0;
	while (!stop)
		;
	return NULL;
}

int main(void)
{
	clockid_t self;
	CHECK(pthread_getcpuclockid(pthread_self(), &self) == 0);
	EQ("self_thread_clock", gettime(self), 0);
	pid_t me = getpid(), tid = syscall(SYS_gettid);
	for (int which = 0; which < 3; which++) {
		char key[32];
		snprintf(key, sizeof key, "proc_which%d", which);
		EQ(key, gettime(PROC_CLOCK(me, which)), 0);
		snprintf(key, sizeof key, "thread_which%d", which);
		EQ(key, gettime(THREAD_CLOCK(tid, which)), 0);
		snprintf(key, sizeof key, "pid0_which%d", which);
		EQ(key, gettime(PROC_CLOCK(0, which)), 0);
		struct timespec r;
		SYS(clock_getres(PROC_CLOCK(me, which), &r));
		OUT(key, "res %ld.%09ld", (long)r.tv_sec, r.tv_nsec);
	}
	pthread_t th;
	CHECK(pthread_create(&th, NULL, side, NULL) == 0);
	while (!side_tid || side_own_ok < 0)
		;
	EQ("side_own_tid_as_process", side_own_ok, 1);
	clockid_t other;
	CHECK(pthread_getcpuclockid(th, &other) == 0);
	EQ("other_thread_clock", gettime(other), 0);
	ERR("non_leader_as_process", gettime(PROC_CLOCK(side_tid, 2)), EINVAL);
	stop = 1;
	pthread_join(th, NULL);

	pid_t child = SYS(fork());
	if (child == 0) {
		pause();
		_exit(0);
	}
	EQ("child_process_clock", gettime(PROC_CLOCK(child, 2)), 0);
	ERR("child_thread_clock", gettime(THREAD_CLOCK(child, 2)), EINVAL);
	kill(child, SIGKILL);
	reap(child);
	ERR("unknown_pid", gettime(PROC_CLOCK(999999, 2)), EINVAL);
	ERR("which3", gettime(PROC_CLOCK(me, 3)), EINVAL);
	ERR("which3_thread", gettime(THREAD_CLOCK(tid, 3)), EINVAL);
	ERR("fd_clock", gettime((~(clockid_t)0 << 3) | 3), EINVAL);
	struct timespec r;
	ERR("getres_unknown", clock_getres(PROC_CLOCK(999999, 2), &r), EINVAL);
	pass();
}
