/* timer_create on CPU-time clocks: CLOCK_PROCESS_CPUTIME_ID and
 * CLOCK_THREAD_CPUTIME_ID, and the clock ids clock_getcpuclockid and
 * pthread_getcpuclockid return, fire on consumed CPU time (not while the
 * process sleeps); a missing process's clock is EINVAL. */
#include "contract.h"
#include <pthread.h>
#include <time.h>

static volatile int hits;
static volatile int code;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	hits++;
	code = si->si_code;
}

static long long cpu(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* arm a 30 ms one-shot on clock c, check it does not fire during a 100 ms
 * sleep, then burn CPU until it fires; returns the hits seen while asleep. */
static int try_clock(clockid_t c, const char *name)
{
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	timer_t id;
	if (timer_create(c, &ev, &id))
		fail("%s: timer_create: %s", name, errname(errno));
	hits = 0;
	struct itimerspec its = {{0, 0}, {0, 30 * 1000 * 1000}};
	SYS(timer_settime(id, 0, &its, NULL));
	struct timespec d = {0, 100 * 1000 * 1000};
	nanosleep(&d, NULL);
	int asleep = hits;
	struct itimerspec cur;
	SYS(timer_gettime(id, &cur));
	char key[64];
	snprintf(key, sizeof key, "%s_pending_after_sleep", name);
	EQ(key, cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0, 1);
	long long start = cpu(CLOCK_MONOTONIC);
	volatile unsigned long x = 0;
	while (hits == 0 && cpu(CLOCK_MONOTONIC) - start < 5000000000LL)
		x++;
	snprintf(key, sizeof key, "%s_fired", name);
	EQ(key, hits, 1);
	snprintf(key, sizeof key, "%s_code_timer", name);
	EQ(key, code, SI_TIMER);
	SYS(timer_gettime(id, &cur));
	snprintf(key, sizeof key, "%s_disarmed", name);
	EQ(key, cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, 1);
	timer_delete(id);
	return asleep;
}

static void *thread_fn(void *arg)
{
	(void)arg;
	struct timespec d = {0, 200 * 1000 * 1000};
	nanosleep(&d, NULL);
	return NULL;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	EQ("process_asleep", try_clock(CLOCK_PROCESS_CPUTIME_ID, "process"), 0);
	EQ("thread_asleep", try_clock(CLOCK_THREAD_CPUTIME_ID, "thread"), 0);
	clockid_t pc;
	SYS(clock_getcpuclockid(getpid(), &pc) == 0 ? 0 : -1);
	EQ("getcpuclockid_asleep", try_clock(pc, "getcpuclockid"), 0);
	clockid_t tc;
	SYS(pthread_getcpuclockid(pthread_self(), &tc) == 0 ? 0 : -1);
	EQ("pthread_clock_asleep", try_clock(tc, "pthread_clock"), 0);

	/* another thread's CPU clock does not advance while that thread sleeps */
	pthread_t th;
	pthread_create(&th, NULL, thread_fn, NULL);
	clockid_t oc;
	pthread_getcpuclockid(th, &oc);
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	timer_t id;
	SYS(timer_create(oc, &ev, &id));
	hits = 0;
	struct itimerspec its = {{0, 0}, {0, 20 * 1000 * 1000}};
	SYS(timer_settime(id, 0, &its, NULL));
	long long start = cpu(CLOCK_MONOTONIC);
	volatile unsigned long x = 0;
	while (cpu(CLOCK_MONOTONIC) - start < 100000000LL)
		x++;
	EQ("other_thread_sleeping_no_fire", hits, 0);
	timer_delete(id);
	pthread_join(th, NULL);

	/* a child's process clock */
	pid_t pid = SYS(fork());
	if (pid == 0) {
		pause();
		_exit(0);
	}
	clockid_t cc;
	SYS(clock_getcpuclockid(pid, &cc) == 0 ? 0 : -1);
	EQ("child_timer_create", timer_create(cc, &ev, &id), 0);
	timer_delete(id);
	kill(pid, SIGKILL);
	reap(pid);
	ERR("missing_process_clock", timer_create(cc, &ev, &id), EINVAL);
	ERR("bad_clock", timer_create(77, &ev, &id), EINVAL);
	pass();
}
