/* A page-table change one thread makes is seen by threads running on other
 * CPUs the moment the call returns (the kernel flushes their TLBs before
 * it does): three threads, each pinned to another CPU where there is one,
 * keep touching a page while the main thread
 *   - mprotects it read-only: every write that starts after mprotect
 *     returned faults (SIGSEGV, SEGV_ACCERR), none succeeds;
 *   - munmaps it: every read after munmap returned faults (SEGV_MAPERR);
 *   - munmaps it and maps a fresh page at the same address holding new
 *     data: no read after that sees the old page's data.
 * Each is repeated for several rounds. */
#include "contract.h"
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/mman.h>

#define TOUCHERS 3
#define ROUNDS 12
#define LATE_LIMIT 200 /* accesses after the change before a toucher gives up */

enum { MPROTECT, MUNMAP, REMAP };

static volatile char *page;
static _Atomic int start_round = -1; /* the round touchers may begin */
static _Atomic int changed = -1;     /* the round whose change has returned */
static _Atomic int touching, finished;
static int mode;

static _Atomic int late_ok;    /* accesses after the change that did not fault */
static _Atomic int stale;      /* REMAP: reads of the old data after the change */
static _Atomic int bad_code;   /* faults with the wrong si_code */
static _Atomic int faults;     /* MPROTECT/MUNMAP: touchers that faulted after */

static __thread sigjmp_buf jb;
static __thread volatile int code;
/* Whether the change had returned when the access that faulted began. */
static __thread volatile int after;

static void on_segv(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	code = si->si_code;
	siglongjmp(jb, 1);
}

static void pin(int cpu)
{
	cpu_set_t all, one;
	CPU_ZERO(&all);
	if (sched_getaffinity(0, sizeof all, &all) < 0)
		fail("sched_getaffinity: %s", errname(errno));
	int n = CPU_COUNT(&all), k = cpu % n;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all) && k-- == 0) {
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			if (sched_setaffinity(0, sizeof one, &one) < 0)
				fail("sched_setaffinity: %s", errname(errno));
			return;
		}
}

static void one_round(int round)
{
	volatile int late = 0, announced = 0;
	while (atomic_load(&start_round) < round)
		sched_yield();
	after = 0;
	if (sigsetjmp(jb, 1) != 0) {
		if (mode == REMAP) {
			/* Faults are fine between munmap and the new mmap. */
			if (!after && code != SEGV_MAPERR)
				atomic_fetch_add(&bad_code, 1);
			if (after) {
				atomic_fetch_add(&bad_code, 1);
				goto done;
			}
		} else {
			if (code != (mode == MPROTECT ? SEGV_ACCERR : SEGV_MAPERR))
				atomic_fetch_add(&bad_code, 1);
			atomic_fetch_add(&faults, 1);
			goto done;
		}
	}
	for (;;) {
		after = atomic_load(&changed) == round;
		if (mode == MPROTECT)
			page[64] = (char)round;
		else if (page[0] != 'B' && after)
			atomic_fetch_add(&stale, 1);
		if (!announced) {
			announced = 1;
			atomic_fetch_add(&touching, 1);
		}
		if (after) {
			if (mode != REMAP)
				atomic_fetch_add(&late_ok, 1);
			if (++late >= LATE_LIMIT)
				break;
		}
	}
done:
	atomic_fetch_add(&finished, 1);
}

static void *toucher(void *arg)
{
	pin((int)(long)arg);
	for (int r = 0; r < ROUNDS; r++)
		one_round(r);
	return NULL;
}

static void run(int m, const char *name)
{
	pthread_t t[TOUCHERS];
	mode = m;
	atomic_store(&start_round, -1);
	atomic_store(&changed, -1);
	atomic_store(&finished, 0);
	atomic_store(&late_ok, 0);
	atomic_store(&stale, 0);
	atomic_store(&bad_code, 0);
	atomic_store(&faults, 0);
	for (long i = 0; i < TOUCHERS; i++)
		CHECK(pthread_create(&t[i], NULL, toucher, (void *)(i + 1)) == 0);
	for (int r = 0; r < ROUNDS; r++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(p != MAP_FAILED);
		p[0] = 'A';
		page = p;
		atomic_store(&touching, 0);
		atomic_store(&start_round, r);
		while (atomic_load(&touching) < TOUCHERS)
			sched_yield();
		if (m == MPROTECT) {
			SYS(mprotect(p, 4096, PROT_READ));
		} else {
			SYS(munmap(p, 4096));
			if (m == REMAP) {
				char *q = mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
				CHECK(q == p);
				q[0] = 'B';
			}
		}
		atomic_store(&changed, r);
		while (atomic_load(&finished) < TOUCHERS * (r + 1))
			sched_yield();
		if (m != MUNMAP)
			SYS(munmap(p, 4096));
	}
	for (int i = 0; i < TOUCHERS; i++)
		pthread_join(t[i], NULL);
	char key[64];
	snprintf(key, sizeof key, "%s_late_accesses", name);
	EQ(key, atomic_load(&late_ok), 0);
	snprintf(key, sizeof key, "%s_stale_reads", name);
	EQ(key, atomic_load(&stale), 0);
	snprintf(key, sizeof key, "%s_wrong_si_code", name);
	EQ(key, atomic_load(&bad_code), 0);
	if (m != REMAP) {
		snprintf(key, sizeof key, "%s_faulted", name);
		EQ(key, atomic_load(&faults), TOUCHERS * ROUNDS);
	}
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	SYS(sigaction(SIGSEGV, &sa, NULL));
	run(MPROTECT, "mprotect");
	run(MUNMAP, "munmap");
	run(REMAP, "remap");
	pass();
}
