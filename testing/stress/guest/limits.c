/*
 * limits.c: a loop over the get* / getrusage / getrlimit / prlimit family
 * with result checks, and resource limits hit on purpose.
 */
#include "stress.h"
#include "workloads.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>

static long long tv_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void burn_ms(long ms)
{
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	volatile unsigned long x = 0;
	for (;;) {
		for (int i = 0; i < 10000; i++)
			x += i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		if ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= ms)
			return;
	}
}

/* same_rlimit checks getrlimit, prlimit(0) and prlimit(pid) agree. */
static void same_rlimit(int r, pid_t pid)
{
	struct rlimit a, b, c;
	SYS(getrlimit(r, &a));
	SYS(prlimit(0, r, NULL, &b));
	SYS(prlimit(pid, r, NULL, &c));
	if (a.rlim_cur != b.rlim_cur || a.rlim_max != b.rlim_max || a.rlim_cur != c.rlim_cur ||
	    a.rlim_max != c.rlim_max)
		FAIL("resource %d: getrlimit %llu/%llu, prlimit(0) %llu/%llu, prlimit(pid) %llu/%llu", r,
		     (unsigned long long)a.rlim_cur, (unsigned long long)a.rlim_max,
		     (unsigned long long)b.rlim_cur, (unsigned long long)b.rlim_max,
		     (unsigned long long)c.rlim_cur, (unsigned long long)c.rlim_max);
	CHECK(a.rlim_cur <= a.rlim_max);
}

void w_getters(int argc, char **argv)
{
	enum { N = 20000 };
	pid_t pid = getpid(), ppid = getppid(), pgid = getpgrp(), sid = getsid(0);
	CHECKV(pgid, pid); /* the runner made each workload a group leader */
	CHECKV(ppid, 1);
	struct rusage ru0, ru;
	SYS(getrusage(RUSAGE_SELF, &ru0));
	struct tms tm0, tm;
	times(&tm0);
	struct rlimit orig;
	SYS(getrlimit(RLIMIT_NOFILE, &orig));
	long long ph0 = now_us();
	for (int k = 0; k < N; k++) {
		CHECKV(getpid(), pid);
		CHECKV(getppid(), ppid);
		CHECKV(syscall(SYS_gettid), pid);
		CHECKV(getuid(), 0);
		CHECKV(geteuid(), 0);
		CHECKV(getgid(), 0);
		CHECKV(getegid(), 0);
		CHECKV(getpgid(0), pgid);
		CHECKV(getsid(0), sid);
		if (k % 8 == 0) {
			uid_t r, e, s;
			SYS(getresuid(&r, &e, &s));
			CHECK(r == 0 && e == 0 && s == 0);
			gid_t gr, ge, gs;
			SYS(getresgid(&gr, &ge, &gs));
			CHECK(gr == 0 && ge == 0 && gs == 0);
			CHECKV(getgroups(0, NULL), 0);
		}
		if (k % 10 == 0) {
			SYS(getrusage(RUSAGE_SELF, &ru));
			if (tv_us(ru.ru_utime) + tv_us(ru.ru_stime) < tv_us(ru0.ru_utime) + tv_us(ru0.ru_stime))
				FAIL("CPU time went back: %lld us after %lld us",
				     tv_us(ru.ru_utime) + tv_us(ru.ru_stime), tv_us(ru0.ru_utime) + tv_us(ru0.ru_stime));
			CHECK(ru.ru_maxrss > 0 && ru.ru_maxrss >= ru0.ru_maxrss);
			CHECK(ru.ru_minflt >= ru0.ru_minflt);
			ru0 = ru;
			struct rusage th;
			SYS(getrusage(RUSAGE_THREAD, &th));
			SYS(getrusage(RUSAGE_SELF, &ru));
			CHECK(tv_us(th.ru_utime) + tv_us(th.ru_stime) <= tv_us(ru.ru_utime) + tv_us(ru.ru_stime));
			clock_t c = times(&tm);
			CHECK(c != (clock_t)-1);
			CHECK(tm.tms_utime + tm.tms_stime >= tm0.tms_utime + tm0.tms_stime);
			tm0 = tm;
		}
		same_rlimit(k % RLIM_NLIMITS, pid);
		if (k % 100 == 0) {
			struct rlimit nl = {256 + k % 512, orig.rlim_max}, back;
			SYS(setrlimit(RLIMIT_NOFILE, &nl));
			SYS(prlimit(pid, RLIMIT_NOFILE, NULL, &back));
			CHECKV(back.rlim_cur, nl.rlim_cur);
			CHECKV(back.rlim_max, orig.rlim_max);
		}
	}
	SYS(setrlimit(RLIMIT_NOFILE, &orig));
	long long ph1 = now_us();

	/* The refusals. */
	struct rlimit rl;
	ERRNO(syscall(SYS_getrlimit, 99, &rl), EINVAL);
	ERRNO(syscall(SYS_prlimit64, 0, 99, NULL, &rl), EINVAL);
	struct rlimit bad = {orig.rlim_max, orig.rlim_max - 1};
	ERRNO(setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
	ERRNO(getrusage(99, &ru), EINVAL);
	pid_t gone = SYS(fork());
	if (gone == 0)
		_exit(0);
	WAIT_EXIT(gone, 0);
	ERRNO(prlimit(gone, RLIMIT_NOFILE, NULL, &rl), ESRCH);
	ERRNO(getpgid(gone), ESRCH);
	ERRNO(getsid(gone), ESRCH);

	/* Children: their CPU time lands in RUSAGE_CHILDREN once reaped; a
	 * limit set on a child with prlimit is the one it sees. */
	long long ph2 = now_us();
	struct rusage ch0, ch;
	SYS(getrusage(RUSAGE_CHILDREN, &ch0));
	int go[2];
	SYS(pipe(go));
	pid_t kid = SYS(fork());
	if (kid == 0) {
		burn_ms(200);
		char c;
		CHECKV(read(go[0], &c, 1), 1);
		struct rlimit l;
		SYS(getrlimit(RLIMIT_NOFILE, &l));
		CHECKV(l.rlim_cur, 100);
		CHECKV(l.rlim_max, 200);
		_exit(0);
	}
	struct rlimit set = {100, 200}, old;
	SYS(prlimit(kid, RLIMIT_NOFILE, &set, &old));
	CHECKV(old.rlim_cur, orig.rlim_cur);
	CHECKV(old.rlim_max, orig.rlim_max);
	CHECKV(write(go[1], "g", 1), 1);
	WAIT_EXIT(kid, 0);
	SYS(getrusage(RUSAGE_CHILDREN, &ch));
	long long d = tv_us(ch.ru_utime) + tv_us(ch.ru_stime) - tv_us(ch0.ru_utime) - tv_us(ch0.ru_stime);
	if (d < 150000)
		FAIL("RUSAGE_CHILDREN grew by %lld us after a child burnt 200 ms", d);

	long long ph3 = now_us();
	/* Unprivileged: the hard limit only goes down. */
	kid = SYS(fork());
	if (kid == 0) {
		become_nobody();
		struct rlimit l;
		SYS(getrlimit(RLIMIT_NOFILE, &l));
		struct rlimit up = {l.rlim_cur, l.rlim_max + 1};
		ERRNO(setrlimit(RLIMIT_NOFILE, &up), EPERM);
		struct rlimit down = {64, 128};
		SYS(setrlimit(RLIMIT_NOFILE, &down));
		struct rlimit soft = {128, 128};
		SYS(setrlimit(RLIMIT_NOFILE, &soft));
		struct rlimit back = {128, 129};
		ERRNO(setrlimit(RLIMIT_NOFILE, &back), EPERM);
		ERRNO(prlimit(1, RLIMIT_NOFILE, NULL, &l), EPERM);
		_exit(0);
	}
	WAIT_EXIT(kid, 0);
	long long ph4 = now_us();
	/* What each call costs here, for the record (and to see which is slow). */
	char costs[512];
	int cl = 0;
#define COST(name, call)                                                                           \
	do {                                                                                       \
		long long c0 = now_us();                                                           \
		for (int i = 0; i < 1000; i++)                                                     \
			call;                                                                      \
		cl += snprintf(costs + cl, sizeof costs - cl, " %s=%lld", name, now_us() - c0);    \
	} while (0)
	uid_t r_, e_, s_;
	COST("getppid", getppid());
	COST("getpgid", getpgid(0));
	COST("getsid", getsid(0));
	COST("getresuid", getresuid(&r_, &e_, &s_));
	COST("getrusage", getrusage(RUSAGE_SELF, &ru));
	COST("times", times(&tm));
	COST("getrlimit", getrlimit(RLIMIT_NOFILE, &rl));
	COST("prlimit_pid", prlimit(pid, RLIMIT_NOFILE, NULL, &rl));
	sayf("getters: %d rounds of get*/getrusage/getrlimit/prlimit checks, refusals and child limits checked;"
	     " us per 1000 calls:%s; phases loop %lld refusals %lld children %lld nobody %lld ms\n", N, costs,
	     (ph1 - ph0) / 1000, (ph2 - ph1) / 1000, (ph3 - ph2) / 1000, (ph4 - ph3) / 1000);
}

/* ---- limits hit on purpose -------------------------------------------- */

static void nofile_worker(void)
{
	struct rlimit l = {32, 32};
	SYS(setrlimit(RLIMIT_NOFILE, &l));
	int last = -1, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	CHECKV(errno, EMFILE);
	CHECKV(last, 31);
	int p[2];
	ERRNO(pipe(p), EMFILE);
	ERRNO(epoll_create1(0), EMFILE);
	ERRNO(dup(0), EMFILE);
	ERRNO(dup2(0, 32), EBADF);
	ERRNO(fcntl(0, F_DUPFD, 32), EINVAL);
	SYS(close(31));
	ERRNO(pipe(p), EMFILE);
	SYS(close(30));
	SYS(pipe(p));
	CHECK((p[0] == 30 && p[1] == 31) || (p[0] == 31 && p[1] == 30));
}

/* fsize_worker writes past RLIMIT_FSIZE; mode 0 leaves SIGXFSZ at its
 * default (the process dies), 1 ignores it, 2 catches it. */
static volatile int xfsz_caught;
static void on_xfsz(int sig)
{
	xfsz_caught++;
}

static void fsize_worker(int mode)
{
	if (mode == 1)
		signal(SIGXFSZ, SIG_IGN);
	if (mode == 2)
		signal(SIGXFSZ, on_xfsz);
	char name[32];
	snprintf(name, sizeof name, "fsize%d", mode);
	int fd = SYS(open(name, O_CREAT | O_RDWR | O_TRUNC, 0600));
	struct rlimit l = {10000, 10000};
	SYS(setrlimit(RLIMIT_FSIZE, &l));
	static char buf[8192];
	CHECKV(write(fd, buf, sizeof buf), 8192);
	CHECKV(write(fd, buf, sizeof buf), 10000 - 8192);
	ERRNO(write(fd, buf, 1), EFBIG); /* mode 0 dies here */
	ERRNO(pwrite(fd, buf, 1, 20000), EFBIG);
	ERRNO(ftruncate(fd, 20000), EFBIG);
	SYS(ftruncate(fd, 100));
	struct stat st;
	SYS(fstat(fd, &st));
	CHECKV(st.st_size, 100);
	if (mode == 2)
		CHECKV(xfsz_caught, 3);
}

static int recurse(int depth)
{
	volatile char frame[1024];
	frame[0] = (char)depth;
	if (depth == 0)
		return frame[0];
	return recurse(depth - 1) + frame[0];
}

static void stack_worker(void)
{
	struct rlimit l = {256 << 10, 256 << 10};
	SYS(setrlimit(RLIMIT_STACK, &l));
	recurse(4096); /* 4 MiB of frames: SIGSEGV long before the end */
	_exit(3);
}

static void as_worker(void)
{
	struct rlimit l = {64 << 20, 64 << 20};
	SYS(setrlimit(RLIMIT_AS, &l));
	CHECK(mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		      MAP_FAILED &&
	      errno == ENOMEM);
	void *m = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK(mremap(m, 16 << 20, 100 << 20, MREMAP_MAYMOVE) == MAP_FAILED && errno == ENOMEM);
	errno = 0;
	CHECK(malloc(100 << 20) == NULL);
	unsigned long cur = syscall(SYS_brk, 0);
	CHECKV(syscall(SYS_brk, cur + (100 << 20)), cur);
	SYS(munmap(m, 16 << 20));
	m = mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
}

static void *idle_thread(void *arg)
{
	return arg;
}

static void nproc_worker(void)
{
	become_nobody();
	struct rlimit l = {5, 5};
	SYS(setrlimit(RLIMIT_NPROC, &l));
	int hold[2];
	SYS(pipe(hold));
	pid_t kids[16];
	int n = 0;
	for (; n < 16; n++) {
		pid_t p = fork();
		if (p < 0) {
			CHECKV(errno, EAGAIN);
			break;
		}
		if (p == 0) {
			char c;
			close(hold[1]);
			read(hold[0], &c, 1);
			_exit(0);
		}
		kids[n] = p;
	}
	CHECKV(n, 4);
	pthread_t th;
	int e = pthread_create(&th, NULL, idle_thread, NULL);
	CHECKV(e, EAGAIN);
	close(hold[1]);
	for (int i = 0; i < n; i++)
		WAIT_EXIT(kids[i], 0);
	pid_t p = SYS(fork());
	if (p == 0)
		_exit(0);
	WAIT_EXIT(p, 0);
}

static void memlock_worker(void)
{
	become_nobody();
	struct rlimit l = {64 << 10, 64 << 10};
	SYS(setrlimit(RLIMIT_MEMLOCK, &l));
	char *b = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b != MAP_FAILED);
	SYS(mlock(b, 32 << 10));
	ERRNO(mlock(b + (32 << 10), 64 << 10), ENOMEM);
	SYS(munlock(b, 32 << 10));
	SYS(mlock(b, 64 << 10));
	SYS(munlock(b, 64 << 10));
	CHECK(mmap(NULL, 128 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1,
		   0) == MAP_FAILED &&
	      errno == EAGAIN);
	ERRNO(mlockall(MCL_CURRENT), ENOMEM);
}

void w_rlimits(int argc, char **argv)
{
	static const struct {
		const char *name;
		int mode;
		int sig; /* the signal that must end the worker, or 0 for exit 0 */
	} workers[] = {
		{"RLIMIT_NOFILE", 0, 0},   {"RLIMIT_FSIZE (SIGXFSZ default)", 1, SIGXFSZ},
		{"RLIMIT_FSIZE (SIGXFSZ ignored)", 2, 0}, {"RLIMIT_FSIZE (SIGXFSZ caught)", 3, 0},
		{"RLIMIT_STACK", 4, SIGSEGV}, {"RLIMIT_AS", 5, 0},
		{"RLIMIT_NPROC", 6, 0},    {"RLIMIT_MEMLOCK", 7, 0},
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof workers / sizeof workers[0]; i++) {
		pid_t p = SYS(fork());
		if (p == 0) {
			switch (workers[i].mode) {
			case 0:
				nofile_worker();
				break;
			case 1:
			case 2:
			case 3:
				fsize_worker(workers[i].mode - 1);
				break;
			case 4:
				stack_worker();
				break;
			case 5:
				as_worker();
				break;
			case 6:
				nproc_worker();
				break;
			case 7:
				memlock_worker();
				break;
			}
			_exit(0);
		}
		int st;
		CHECKV(waitpid(p, &st, 0), p);
		int ok = workers[i].sig ? WIFSIGNALED(st) && WTERMSIG(st) == workers[i].sig
					: WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (!ok) {
			failed++;
			sayf("rlimits: %s: FAIL: worker %s %d, want %s %d\n", workers[i].name,
			     WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
			     workers[i].sig ? "signal" : "exit", workers[i].sig);
		} else {
			sayf("rlimits: %s: ok\n", workers[i].name);
		}
	}
	if (failed)
		FAIL("%d of %zu limit workers did not see what Linux gives", failed,
		     sizeof workers / sizeof workers[0]);
}
