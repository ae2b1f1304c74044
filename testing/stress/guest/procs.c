/*
 * procs.c: fork, vfork and clone storms, a signal flood, a pipe herd,
 * thousands of zombies, an exec storm as an unprivileged user, and the final
 * "does new work still start" check.
 */
#include "stress.h"
#include "workloads.h"

#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/timerfd.h>

extern char **environ;

/* ---- memory pressure shared by the storms ------------------------------ */

static uint64_t *hog;
static size_t hog_pages;

/* hog_fill maps mib MiB and writes each page's index into its words. */
static void hog_fill(size_t mib)
{
	hog_pages = mib * 256;
	hog = mmap(NULL, hog_pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hog != MAP_FAILED);
	for (size_t p = 0; p < hog_pages; p++)
		for (size_t w = 0; w < 512; w += 64)
			hog[p * 512 + w] = p * 7919 + w;
}

static void hog_check(size_t p, uint64_t delta)
{
	for (size_t w = 0; w < 512; w += 64)
		if (hog[p * 512 + w] != p * 7919 + w + delta)
			FAIL("page %zu word %zu: %#llx, want %#llx", p, w,
			     (unsigned long long)hog[p * 512 + w], (unsigned long long)(p * 7919 + w + delta));
}

/* ---- fork storm ------------------------------------------------------- */

enum { FS_N = 120, FS_PAR = 24, FS_COPY = 64 };

/* storm_child reads a sample of the inherited pages, writes FS_COPY of them
 * (copy-on-write) and checks the copies. */
static void storm_child(int i)
{
	for (int k = 0; k < 64; k++)
		hog_check((i * 131 + k * 977) % hog_pages, 0);
	size_t base = (size_t)i * FS_COPY % (hog_pages - FS_COPY);
	for (size_t p = base; p < base + FS_COPY; p++)
		for (size_t w = 0; w < 512; w += 64)
			hog[p * 512 + w] += i;
	for (size_t p = base; p < base + FS_COPY; p++)
		hog_check(p, i);
}

/* reap_one waits for any child and checks it against the table. */
static void reap_one(pid_t *pids, int *codes, int n, int *alive)
{
	int st;
	pid_t w;
	while ((w = waitpid(-1, &st, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		FAIL("waitpid: errno %d with %d alive", errno, *alive);
	for (int i = 0; i < n; i++) {
		if (pids[i] == w) {
			if (!WIFEXITED(st) || WEXITSTATUS(st) != codes[i])
				FAIL("child %d (#%d): status %#x, want exit %d", w, i, st, codes[i]);
			pids[i] = 0;
			(*alive)--;
			return;
		}
	}
	FAIL("waitpid returned unknown pid %d", w);
}

void w_fork_storm(int argc, char **argv)
{
	static pid_t pids[FS_N];
	static int codes[FS_N];
	hog_fill(48);
	int alive = 0;
	for (int i = 0; i < FS_N; i++) {
		if (alive == FS_PAR)
			reap_one(pids, codes, i, &alive);
		codes[i] = i & 0x7f;
		pid_t p = SYS(fork());
		if (p == 0) {
			storm_child(i);
			_exit(i & 0x7f);
		}
		pids[i] = p;
		alive++;
	}
	while (alive > 0)
		reap_one(pids, codes, FS_N, &alive);
	for (size_t p = 0; p < hog_pages; p++)
		hog_check(p, 0);
	ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
	sayf("fork-storm: %d children (%d at a time) over a 48 MiB parent, each copying %d pages\n", FS_N,
	     FS_PAR, FS_COPY);
}

/* ---- vfork storm ------------------------------------------------------ */

void w_vfork_storm(int argc, char **argv)
{
	hog_fill(32);
	char *targv[] = {"stress", "true", NULL};
	for (int i = 0; i < 200; i++) {
		pid_t p = vfork();
		if (p == 0) {
			if (i % 4 == 0)
				execve("/bin/stress", targv, environ);
			_exit(i % 4 == 0 ? 126 : i & 0x7f);
		}
		CHECK(p > 0);
		WAIT_EXIT(p, i % 4 == 0 ? 0 : i & 0x7f);
	}
	for (int i = 0; i < 50; i++) {
		pid_t p;
		int e = posix_spawn(&p, "/bin/stress", NULL, NULL, targv, environ);
		if (e != 0)
			FAIL("posix_spawn: %d %s", e, strerror(e));
		WAIT_EXIT(p, 0);
	}
	char *nargv[] = {"nope", NULL};
	pid_t p;
	int e = posix_spawn(&p, "/nonexistent", NULL, NULL, nargv, environ);
	CHECKV(e, ENOENT);
	for (size_t q = 0; q < hog_pages; q++)
		hog_check(q, 0);
	sayf("vfork-storm: 200 vforks (50 exec), 50 posix_spawns, over a 32 MiB parent\n");
}

/* ---- clone storm (threads in many processes) --------------------------- */

static volatile long thread_sum;

static void *thread_body(void *arg)
{
	long i = (long)arg;
	char buf[8192];
	memset(buf, (int)i, sizeof buf);
	for (int k = 0; k < 200; k++)
		__atomic_fetch_add(&thread_sum, 1, __ATOMIC_RELAXED);
	return (void *)(i * 3 + buf[100]);
}

static void thread_rounds(int rounds, int n)
{
	pthread_t th[64];
	for (int r = 0; r < rounds; r++) {
		long before = thread_sum;
		for (long i = 0; i < n; i++) {
			int e = pthread_create(&th[i], NULL, thread_body, (void *)i);
			if (e)
				FAIL("pthread_create #%ld: %d %s", i, e, strerror(e));
		}
		for (long i = 0; i < n; i++) {
			void *ret;
			int e = pthread_join(th[i], &ret);
			if (e)
				FAIL("pthread_join: %d", e);
			CHECKV((long)ret, i * 3 + (char)i);
		}
		CHECKV(thread_sum - before, 200L * n);
	}
}

void w_clone_storm(int argc, char **argv)
{
	enum { PROCS = 8 };
	hog_fill(64);
	pid_t kids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		kids[p] = SYS(fork());
		if (kids[p] == 0) {
			storm_child(p);
			thread_rounds(5, 16);
			_exit(p);
		}
	}
	thread_rounds(5, 32);
	for (int p = 0; p < PROCS; p++)
		WAIT_EXIT(kids[p], p);
	for (size_t q = 0; q < hog_pages; q++)
		hog_check(q, 0);
	sayf("clone-storm: %d processes x 80 threads and 160 threads in the parent, over a 64 MiB parent\n",
	     PROCS);
}

/* ---- signal flood ----------------------------------------------------- */

static volatile long handled;
static volatile long handled_bad;

static void rt_handler(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code != SI_QUEUE || si->si_value.sival_int != 7)
		handled_bad++;
	handled++;
}

/* queue_retry sends an RT signal, waiting while the queue is full. */
static void queue_retry(pid_t to, int sig, int value)
{
	union sigval v = {.sival_int = value};
	while (sigqueue(to, sig, v) < 0) {
		CHECKV(errno, EAGAIN);
		sched_yield();
	}
}

void w_signal_flood(int argc, char **argv)
{
	enum { P = 8, K = 400, HP = 4, HK = 300 };
	int rt = SIGRTMIN + 1;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, rt);
	SYS(sigprocmask(SIG_BLOCK, &set, NULL));
	pid_t me = getpid(), kids[P];
	long long ph0 = now_us();
	for (int p = 0; p < P; p++) {
		kids[p] = SYS(fork());
		if (kids[p] == 0) {
			for (int k = 0; k < K; k++) {
				queue_retry(me, rt, p << 16 | k);
				if (k % 4 == 0)
					SYS(kill(me, SIGUSR1));
			}
			_exit(0);
		}
	}
	int next[P] = {0};
	long got = 0, usr1 = 0;
	while (got < P * K) {
		siginfo_t si;
		struct timespec ts = {5, 0};
		int s = sigtimedwait(&set, &si, &ts);
		if (s < 0 && errno == EINTR)
			continue;
		if (s < 0)
			FAIL("signal flood: stalled after %ld of %d queued signals (errno %d)", got, P * K, errno);
		if (s == SIGUSR1) {
			CHECKV(si.si_code, SI_USER);
			usr1++;
			continue;
		}
		CHECKV(s, rt);
		CHECKV(si.si_code, SI_QUEUE);
		int p = si.si_value.sival_int >> 16, k = si.si_value.sival_int & 0xffff;
		CHECK(p >= 0 && p < P);
		CHECKV(si.si_pid, kids[p]);
		if (k != next[p])
			FAIL("sender %d: value %d arrived, want %d (queued signals are FIFO)", p, k, next[p]);
		next[p]++;
		got++;
	}
	for (int p = 0; p < P; p++)
		WAIT_EXIT(kids[p], 0);
	siginfo_t si;
	struct timespec zero = {0, 0};
	while (sigtimedwait(&set, &si, &zero) == SIGUSR1)
		usr1++;
	if (usr1 < 1 || usr1 > P * K / 4)
		FAIL("SIGUSR1 received %ld times, want 1..%d", usr1, P * K / 4);

	long long ph1 = now_us();
	/* Handler phase: the same flood delivered to a handler. */
	struct sigaction sa = {.sa_sigaction = rt_handler, .sa_flags = SA_SIGINFO | SA_RESTART};
	int rt2 = SIGRTMIN + 2;
	SYS(sigaction(rt2, &sa, NULL));
	for (int p = 0; p < HP; p++) {
		kids[p] = SYS(fork());
		if (kids[p] == 0) {
			for (int k = 0; k < HK; k++)
				queue_retry(me, rt2, 7);
			_exit(0);
		}
	}
	long long deadline = now_us() + 10000000;
	while (handled < HP * HK && now_us() < deadline)
		sched_yield();
	for (int p = 0; p < HP; p++)
		WAIT_EXIT(kids[p], 0);
	CHECKV(handled, HP * HK);
	CHECKV(handled_bad, 0);
	long long ph2 = now_us();
	sayf("signal-flood: %d queued signals in order from %d senders, SIGUSR1 coalesced to %ld, %d handled"
	     " (phases %lld and %lld ms)\n",
	     P * K, P, usr1, HP * HK, (ph1 - ph0) / 1000, (ph2 - ph1) / 1000);
}

/* ---- pipe herd -------------------------------------------------------- */

struct token {
	uint64_t seq, inv;
};
struct tally {
	uint64_t count, sum, sumsq;
};

void w_pipe_herd(int argc, char **argv)
{
	enum { R = 32, T = R * 20, W = 16, WT = 50 };
	int p[2], res[2];
	SYS(pipe(p));
	SYS(pipe(res));
	pid_t kids[R];
	for (int r = 0; r < R; r++) {
		kids[r] = SYS(fork());
		if (kids[r] == 0) {
			close(p[1]);
			struct tally t = {0};
			for (;;) {
				if (r % 2) {
					/* Half the herd waits in poll first. */
					struct pollfd pf = {.fd = p[0], .events = POLLIN};
					SYS(poll(&pf, 1, -1));
				}
				struct token tok;
				ssize_t n = read(p[0], &tok, sizeof tok);
				if (n == 0)
					break;
				CHECKV(n, sizeof tok);
				CHECK(tok.inv == ~tok.seq);
				t.count++;
				t.sum += tok.seq;
				t.sumsq += tok.seq * tok.seq;
			}
			CHECKV(write(res[1], &t, sizeof t), sizeof t);
			_exit(0);
		}
	}
	close(p[0]);
	for (uint64_t s = 0; s < T; s++) {
		struct token tok = {s, ~s};
		CHECKV(write(p[1], &tok, sizeof tok), sizeof tok);
	}
	close(p[1]);
	struct tally all = {0};
	for (int r = 0; r < R; r++) {
		struct tally t;
		CHECKV(read(res[0], &t, sizeof t), sizeof t);
		all.count += t.count;
		all.sum += t.sum;
		all.sumsq += t.sumsq;
	}
	for (int r = 0; r < R; r++)
		WAIT_EXIT(kids[r], 0);
	uint64_t want_sum = 0, want_sq = 0;
	for (uint64_t s = 0; s < T; s++) {
		want_sum += s;
		want_sq += s * s;
	}
	CHECKV(all.count, T);
	CHECK(all.sum == want_sum && all.sumsq == want_sq);

	/* The other way round: many writers, one reader; writes of at most
	 * PIPE_BUF bytes are never interleaved. */
	SYS(pipe(p));
	pid_t wk[W];
	for (int w = 0; w < W; w++) {
		wk[w] = SYS(fork());
		if (wk[w] == 0) {
			close(p[0]);
			for (uint64_t k = 0; k < WT; k++) {
				uint64_t s = (uint64_t)w << 32 | k;
				struct token tok[8];
				for (int j = 0; j < 8; j++)
					tok[j] = (struct token){s, ~s};
				CHECKV(write(p[1], tok, sizeof tok), sizeof tok);
			}
			_exit(0);
		}
	}
	close(p[1]);
	uint64_t nextk[W] = {0};
	for (;;) {
		struct token tok[8];
		ssize_t n = read(p[0], tok, sizeof tok);
		if (n == 0)
			break;
		CHECKV(n, sizeof tok);
		for (int j = 0; j < 8; j++)
			CHECK(tok[j].seq == tok[0].seq && tok[j].inv == ~tok[0].seq);
		int w = tok[0].seq >> 32;
		CHECK(w >= 0 && w < W);
		CHECKV(tok[0].seq & 0xffffffff, nextk[w]);
		nextk[w]++;
	}
	for (int w = 0; w < W; w++) {
		WAIT_EXIT(wk[w], 0);
		CHECKV(nextk[w], WT);
	}
	sayf("pipe-herd: %d tokens shared by %d readers exactly once; %d writers x %d atomic writes\n", T, R,
	     W, WT);
}

/* ---- zombies ---------------------------------------------------------- */

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

void w_zombies(int argc, char **argv)
{
	enum { Z = 1500 };
	static pid_t pids[Z], sorted[Z];
	static int seen[Z];
	for (int i = 0; i < Z; i++) {
		pid_t p = fork();
		if (p < 0)
			FAIL("fork #%d: errno %d %s", i, errno, strerror(errno));
		if (p == 0)
			_exit(i & 0xff);
		pids[i] = p;
	}
	/* All are zombies now or soon; a peek does not reap. */
	siginfo_t si = {0};
	SYS(waitid(P_PID, pids[0], &si, WEXITED | WNOWAIT));
	CHECKV(si.si_pid, pids[0]);
	CHECKV(si.si_status, 0);
	memcpy(sorted, pids, sizeof pids);
	qsort(sorted, Z, sizeof sorted[0], cmp_pid);
	for (int k = 0; k < Z; k++) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0)
			FAIL("waitpid after %d of %d: errno %d", k, Z, errno);
		pid_t *f = bsearch(&w, sorted, Z, sizeof sorted[0], cmp_pid);
		CHECK(f != NULL);
		int i = -1;
		for (int j = 0; j < Z; j++)
			if (pids[j] == w) {
				i = j;
				break;
			}
		CHECK(i >= 0 && !seen[i]);
		seen[i] = 1;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != (i & 0xff))
			FAIL("zombie #%d: status %#x, want exit %d", i, st, i & 0xff);
	}
	ERRNO(waitpid(-1, NULL, 0), ECHILD);
	sayf("zombies: %d children left as zombies, then reaped with their statuses\n", Z);
}

/* ---- exec storm as an unprivileged user -------------------------------- */

void w_exec_child(int argc, char **argv)
{
	CHECKV(argc, 3);
	CHECKV(getuid(), NOBODY);
	CHECKV(geteuid(), NOBODY);
	CHECKV(getgid(), NOBODY);
	CHECKV(getegid(), NOBODY);
	const char *e = getenv("STRESS_I");
	CHECK(e != NULL && strcmp(e, argv[2]) == 0);
	_exit(atoi(argv[2]) % 100);
}

void w_true(int argc, char **argv)
{
}

void w_exec_storm(int argc, char **argv)
{
	enum { E = 100, PAR = 4 };
	int fd = SYS(open("/tmp/root-only", O_CREAT | O_WRONLY | O_TRUNC, 0700));
	CHECKV(write(fd, "#!/bin/stress\n", 14), 14);
	close(fd);
	pid_t kid = SYS(fork());
	if (kid == 0) {
		become_nobody();
		long long e0 = now_us();
		static pid_t pids[E];
		static int codes[E];
		int alive = 0;
		for (int i = 0; i < E; i++) {
			if (alive == PAR)
				reap_one(pids, codes, i, &alive);
			codes[i] = i % 100;
			pid_t p = SYS(fork());
			if (p == 0) {
				char num[16], env[32];
				snprintf(num, sizeof num, "%d", i);
				snprintf(env, sizeof env, "STRESS_I=%d", i);
				char *av[] = {"stress", "exec-child", num, NULL};
				char *ev[] = {env, "PATH=/bin", NULL};
				execve("/bin/stress", av, ev);
				FAIL("execve as nobody: errno %d %s", errno, strerror(errno));
			}
			pids[i] = p;
			alive++;
		}
		while (alive > 0)
			reap_one(pids, codes, E, &alive);
		long long e1 = now_us();
		char *av[] = {"x", NULL};
		ERRNO(execve("/nonexistent", av, environ), ENOENT);
		ERRNO(execve("/tmp/root-only", av, environ), EACCES);
		ERRNO(execve("/tmp", av, environ), EACCES);
		int nx = SYS(open("/tmp/noexec-by-nobody", O_CREAT | O_WRONLY | O_TRUNC, 0644));
		close(nx);
		ERRNO(execve("/tmp/noexec-by-nobody", av, environ), EACCES);
		for (int i = 0; i < 25; i++) {
			pid_t p;
			char num[16], env[32];
			snprintf(num, sizeof num, "%d", i);
			snprintf(env, sizeof env, "STRESS_I=%d", i);
			char *sav[] = {"stress", "exec-child", num, NULL};
			char *sev[] = {env, NULL};
			int e = posix_spawn(&p, "/bin/stress", NULL, NULL, sav, sev);
			if (e)
				FAIL("posix_spawn as nobody: %d %s", e, strerror(e));
			WAIT_EXIT(p, i % 100);
		}
		sayf("exec-storm: fork+exec loop %lld ms, refusals and spawns %lld ms\n", (e1 - e0) / 1000,
		     (now_us() - e1) / 1000);
		_exit(0);
	}
	WAIT_EXIT(kid, 0);
	sayf("exec-storm: %d execs (%d at a time) and 25 posix_spawns as uid %d, refusals checked\n", E, PAR,
	     NOBODY);
}

/* ---- final: new work still starts promptly ------------------------------ */

void w_final(int argc, char **argv)
{
	long long worst = 0;
	char *av[] = {"stress", "true", NULL};
	for (int i = 0; i < 5; i++) {
		long long t0 = now_us();
		pid_t p = SYS(fork());
		if (p == 0) {
			execve("/bin/stress", av, environ);
			_exit(127);
		}
		WAIT_EXIT(p, 0);
		long long dt = now_us() - t0;
		if (dt > worst)
			worst = dt;
	}
	if (worst > 1000000)
		FAIL("fork+exec+exit took %lld us (bound 1 s)", worst);
	int fd = SYS(timerfd_create(CLOCK_MONOTONIC, 0));
	struct itimerspec its = {.it_value = {0, 20000000}};
	long long t0 = now_us();
	SYS(timerfd_settime(fd, 0, &its, NULL));
	uint64_t v;
	CHECKV(read(fd, &v, 8), 8);
	long long dt = now_us() - t0;
	if (dt < 20000 || dt > 1000000)
		FAIL("a 20 ms timerfd fired after %lld us (bound 1 s)", dt);
	t0 = now_us();
	sleep_ms(10);
	long long ds = now_us() - t0;
	if (ds < 10000 || ds > 1000000)
		FAIL("a 10 ms sleep took %lld us (bound 1 s)", ds);
	sayf("final: fork+exec+exit worst %lld us, 20 ms timer %lld us, 10 ms sleep %lld us\n", worst, dt, ds);
}
