/* PID 1 of the SMP test (testing/smp), run unchanged on Linux and Aramid in
 * a guest with several CPUs. It prints what the kernel says about the CPUs
 * and what threads observe, one "smpprobe: key value" line each; the Go
 * test judges them.
 *
 *   ncpus      the CPU count as every interface reports it: sysconf
 *              (_SC_NPROCESSORS_ONLN and _CONF), sched_getaffinity,
 *              /proc/cpuinfo, /proc/stat cpuN lines, /sys/.../cpu/online;
 *              "disagree" if they differ
 *   spin       four threads each burn ~1 s of CPU: process CPU time over
 *              wall time (x100), and how many distinct CPUs sched_getcpu
 *              saw them on
 *   pinned     every CPU in the mask: a thread pinned there by
 *              sched_setaffinity reports that CPU from sched_getcpu, again
 *              after spinning
 *   pingpong   two threads pinned to the first and last CPU pass a token
 *              2000 times through a futex, then through pipes
 *   unmapped   after munmap returns in one thread, another thread (spinning
 *              on the page meanwhile, on another CPU when there is one)
 *              faults on it
 *   storm      four children fork/exec/mmap/munmap in a loop, each checking
 *              its memory; all must exit 0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
	char b[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	write(1, b, n);
}

static void die(const char *what) {
	say("smpprobe: FAIL %s: %s\n", what, strerror(errno));
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
	_exit(1);
}

static double now(clockid_t c) {
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_file(const char *path, char *buf, size_t n) {
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	buf[got] = 0;
	return (int)got;
}

static int count_prefix_lines(const char *text, const char *prefix, int digit_after) {
	int n = 0;
	size_t pl = strlen(prefix);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : 0) {
		if (strncmp(l, prefix, pl) == 0 && (!digit_after || (l[pl] >= '0' && l[pl] <= '9')))
			n++;
	}
	return n;
}

/* count_cpulist counts the CPUs of a list like "0-3" or "0,2-3\n". */
static int count_cpulist(const char *s) {
	int n = 0;
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s)
			return -1;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += (int)(b - a + 1);
		s = end;
		if (*s == ',')
			s++;
	}
	return n;
}

static cpu_set_t mask;
static int ncpus, cpu_first, cpu_last;

static void pin(int cpu) {
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof s, &s) < 0)
		die("sched_setaffinity");
}

static void burn(double seconds) {
	double end = now(CLOCK_THREAD_CPUTIME_ID) + seconds;
	volatile unsigned long x = 0;
	while (now(CLOCK_THREAD_CPUTIME_ID) < end)
		for (int i = 0; i < 10000; i++)
			x += i;
}

static void check_counts(void) {
	static char buf[65536];
	int onln = (int)sysconf(_SC_NPROCESSORS_ONLN), conf = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (sched_getaffinity(0, sizeof mask, &mask) < 0)
		die("sched_getaffinity");
	int aff = CPU_COUNT(&mask);
	if (read_file("/proc/cpuinfo", buf, sizeof buf) < 0)
		die("/proc/cpuinfo");
	int info = count_prefix_lines(buf, "processor\t:", 0);
	if (read_file("/proc/stat", buf, sizeof buf) < 0)
		die("/proc/stat");
	int stat = count_prefix_lines(buf, "cpu", 1);
	int online = -1;
	if (read_file("/sys/devices/system/cpu/online", buf, sizeof buf) > 0)
		online = count_cpulist(buf);
	say("smpprobe: counts onln %d conf %d affinity %d cpuinfo %d stat %d online %d\n", onln, conf, aff, info, stat,
	    online);
	if (onln == aff && aff == info && info == stat && stat == online)
		say("smpprobe: ncpus %d\n", aff);
	else
		say("smpprobe: ncpus disagree\n");
	ncpus = aff;
	cpu_first = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mask)) {
			if (cpu_first < 0)
				cpu_first = c;
			cpu_last = c;
		}
}

/* ---- spin: parallel CPU time ---- */

static _Atomic unsigned long seen_cpus; /* bit per CPU (< 64) */

static void *spinner(void *arg) {
	(void)arg;
	for (int i = 0; i < 20; i++) {
		burn(0.05);
		int c = sched_getcpu();
		if (c >= 0 && c < 64)
			atomic_fetch_or(&seen_cpus, 1UL << c);
	}
	return 0;
}

static void spin(void) {
	pthread_t t[4];
	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], 0, spinner, 0))
			die("pthread_create");
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], 0);
	double wall = now(CLOCK_MONOTONIC) - w0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	say("smpprobe: spin cpu/wall x100 %d rusage-cpu/wall x100 %d distinct-cpus %d\n", (int)(cpu / wall * 100),
	    (int)((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6) /
	          wall * 100),
	    __builtin_popcountl(seen_cpus));
}

/* ---- pinned ---- */

static void *pinned_thread(void *arg) {
	int cpu = (int)(long)arg, bad = 0;
	pin(cpu);
	for (int i = 0; i < 10; i++) {
		if (sched_getcpu() != cpu)
			bad++;
		burn(0.01);
	}
	return (void *)(long)bad;
}

static void pinned(void) {
	int bad = 0, tried = 0;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &mask))
			continue;
		pthread_t t;
		void *r;
		if (pthread_create(&t, 0, pinned_thread, (void *)(long)c))
			die("pthread_create");
		pthread_join(t, &r);
		bad += (int)(long)r;
		tried++;
	}
	say("smpprobe: pinned cpus %d wrong-cpu %d\n", tried, bad);
}

/* ---- pingpong ---- */

static _Atomic int token;
static int pfd[2][2];

static long futex(_Atomic int *addr, int op, int val) {
	return syscall(SYS_futex, addr, op, val, 0, 0, 0);
}

#define ROUNDS 2000

static void *pong(void *arg) {
	int mode = (int)(long)arg, cpu_ok = 1;
	pin(cpu_last);
	for (int i = 0; i < ROUNDS; i++) {
		if (mode == 0) {
			while (atomic_load(&token) != 1)
				futex(&token, FUTEX_WAIT_PRIVATE, 0);
			atomic_store(&token, 0);
			futex(&token, FUTEX_WAKE_PRIVATE, 1);
		} else {
			char c;
			if (read(pfd[0][0], &c, 1) != 1 || write(pfd[1][1], &c, 1) != 1)
				return (void *)1L;
		}
		if (sched_getcpu() != cpu_last)
			cpu_ok = 0;
	}
	return (void *)(long)(cpu_ok ? 0 : 2);
}

static void pingpong(int mode) {
	pthread_t t;
	int cpu_ok = 1;
	if (mode == 1 && (pipe(pfd[0]) < 0 || pipe(pfd[1]) < 0))
		die("pipe");
	pin(cpu_first);
	if (pthread_create(&t, 0, pong, (void *)(long)mode))
		die("pthread_create");
	for (int i = 0; i < ROUNDS; i++) {
		if (mode == 0) {
			atomic_store(&token, 1);
			futex(&token, FUTEX_WAKE_PRIVATE, 1);
			while (atomic_load(&token) != 0)
				futex(&token, FUTEX_WAIT_PRIVATE, 1);
		} else {
			char c = 'x';
			if (write(pfd[0][1], &c, 1) != 1 || read(pfd[1][0], &c, 1) != 1)
				die("pipe ping");
		}
		if (sched_getcpu() != cpu_first)
			cpu_ok = 0;
	}
	void *r;
	pthread_join(t, &r);
	say("smpprobe: pingpong %s rounds %d result %ld on-own-cpus %s\n", mode ? "pipe" : "futex", ROUNDS, (long)r,
	    cpu_ok && r == 0 ? "yes" : "no");
	sched_setaffinity(0, sizeof mask, &mask);
}

/* ---- unmapped: a munmap seen by a thread on another CPU ---- */

static _Atomic int phase;
static volatile char *page;
static sigjmp_buf jb;

static void on_segv(int sig) {
	(void)sig;
	siglongjmp(jb, 1);
}

static void *toucher(void *arg) {
	(void)arg;
	pin(cpu_last);
	atomic_store(&phase, 1);
	if (sigsetjmp(jb, 1))
		return (void *)1L; /* faulted: the mapping is gone here too */
	for (;;) {
		int ph = atomic_load(&phase);
		(void)page[0];
		if (ph == 2)
			return (void *)0L; /* read after munmap returned, and no fault */
	}
}

static void unmapped(void) {
	struct sigaction sa = {.sa_handler = on_segv};
	sigaction(SIGSEGV, &sa, 0);
	int faulted = 0, rounds = 20;
	for (int r = 0; r < rounds; r++) {
		page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			die("mmap");
		page[0] = 1;
		atomic_store(&phase, 0);
		pthread_t t;
		pin(cpu_first);
		if (pthread_create(&t, 0, toucher, 0))
			die("pthread_create");
		while (atomic_load(&phase) != 1)
			sched_yield();
		burn(0.005);
		munmap((void *)page, 4096);
		atomic_store(&phase, 2);
		void *r;
		pthread_join(t, &r);
		faulted += (int)(long)r;
	}
	sched_setaffinity(0, sizeof mask, &mask);
	signal(SIGSEGV, SIG_DFL);
	say("smpprobe: unmapped rounds %d faulted %d\n", rounds, faulted);
}

/* ---- storm: fork, exec and munmap across CPUs ---- */

static int storm_child(int id) {
	for (int i = 0; i < 30; i++) {
		size_t n = (size_t)(1 + (i * 7 + id) % 16) * 4096;
		unsigned char *p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		for (size_t j = 0; j < n; j += 512)
			p[j] = (unsigned char)(id + i + j / 512);
		pid_t c = fork();
		if (c < 0)
			return 3;
		if (c == 0) {
			for (size_t j = 0; j < n; j += 512)
				if (p[j] != (unsigned char)(id + i + j / 512))
					_exit(4);
			p[0] ^= 0xff; /* copy-on-write break in the child */
			if (i % 3 == 0) {
				execl("/init", "/init", "exec-check", (char *)0);
				_exit(5);
			}
			_exit(0);
		}
		int st;
		if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return 6;
		if (p[0] != (unsigned char)(id + i))
			return 7; /* the child's write leaked into the parent */
		if (munmap(p, n) < 0)
			return 8;
	}
	return 0;
}

static void storm(void) {
	pid_t kids[4];
	for (int i = 0; i < 4; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die("fork");
		if (kids[i] == 0)
			_exit(storm_child(i));
	}
	int ok = 0, statuses = 0;
	for (int i = 0; i < 4; i++) {
		int st;
		if (waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st)) {
			if (WEXITSTATUS(st) == 0)
				ok++;
			statuses = statuses * 10 + WEXITSTATUS(st);
		}
	}
	say("smpprobe: storm children-ok %d of 4 (statuses %04d)\n", ok, statuses);
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "exec-check") == 0)
		return 0;
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	if (mount("proc", "/proc", "proc", 0, 0) < 0)
		die("mount /proc");
	if (mount("sysfs", "/sys", "sysfs", 0, 0) < 0)
		die("mount /sys");
	check_counts();
	spin();
	pinned();
	pingpong(0);
	pingpong(1);
	unmapped();
	storm();
	say("smpprobe: done\n");
	reboot(RB_POWER_OFF);
	return 0;
}
