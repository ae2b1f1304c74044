/*
 * fuzz.c: Aramid's random-system-call fuzzer, run as PID 1 (/init) on both
 * kernels by testing/fuzz.
 *
 * PID 1 mounts the usual filesystems, then runs each phase (root, then an
 * unprivileged uid) with fuzz.procs worker processes of fuzz.threads
 * threads each. Every thread makes fuzz.n/(procs*threads) random system
 * calls with typed argument generators: descriptors from a pool of real
 * objects, pointers good, unmapped, kernel-half and misaligned, flags with
 * random bits, sizes at the boundaries. Each thread has its own
 * deterministic random stream derived from the seed, the phase, the worker,
 * the thread and the worker's generation (a worker that dies is started
 * again as the next generation and goes on with its quota), so a recorded
 * seed replays the same call sequence.
 *
 * After each phase PID 1 runs a health check (fork, exec, file I/O, a
 * timer). It reports on the console:
 *     FUZZ start seed=S n=N procs=P threads=T
 *     FUZZ progress phase=root calls=C
 *     FUZZ stuck phase=... w=W t=T last=<call>        (a thread made no call for fuzz.stuck s)
 *     FUZZ HANG ...                                   (a stuck worker could not be killed)
 *     FUZZ phase root calls=C seconds=S rate=R deaths=D stuck=K
 *     FUZZ health ok phase=root | FUZZ HEALTH FAIL ...
 *     FUZZ DONE
 * and powers off. The driver (testing/fuzz) watches for kernel panics and
 * for silence.
 *
 * Calls that would legitimately end or wreck the run are excluded or have
 * their arguments confined; each exclusion is listed in the table below
 * ("excluded:") or at the fixup that confines it. In short: no reboot,
 * kexec, module loading, exit/exit_group, rt_sigreturn, pivot_root,
 * move_mount/mount_setattr, seccomp, fanotify_mark, open_by_handle_at,
 * PTRACE_TRACEME, ARCH_SET_FS, PR_SET_SECCOMP/PR_SET_MM, syslog's console
 * switches; no signals to PID 1, to other workers or to -1; no realtime scheduling;
 * memory-management calls only on the fuzzer's own mappings; paths that
 * modify the filesystem only inside the worker's directory; SIGALRM (each
 * thread's watchdog that interrupts blocking calls) is never blocked or
 * re-handled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <asm/unistd.h>

#define MAXW 16
#define MAXT 8
#define SCRATCH (64 << 10)
#define GUARD (64 << 10)
#define ARENA (16 << 20)
#define UNPRIV_UID 65534

/* ---- shared state (MAP_SHARED, made by PID 1 before the workers) ---- */

struct slot {
	volatile uint64_t calls;  /* calls made so far */
	volatile uint64_t nr;     /* the call in progress (or last made) */
	volatile uint64_t args[6];
	volatile uint64_t gen;
};

struct shared {
	struct slot s[MAXW][MAXT];
};

static struct shared *sh;

/* ---- parameters ---- */

static uint64_t seed;
static uint64_t ncalls = 100000;
static int nprocs = 8, nthreads = 4, trace, stuck_secs = 30;
static char only[1024];
static char phases[64] = "root,user";
static int console = 1;

/* ---- output ---- */

static void say(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t r = write(fd, s, n);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return;
		}
		s += r;
		n -= r;
	}
}

static void sayf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sayf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	say(console, buf);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- random numbers: splitmix64, one stream per thread ---- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct th;
static __thread struct th *cur;

struct th {
	uint64_t rng;
	int w, t, phase;
	uint8_t *scr;      /* SCRATCH bytes, then GUARD bytes of PROT_NONE */
	uint64_t lastaddr; /* the address the last 'a' argument chose */
	uint64_t lastlen;  /* the size of the mapping it is in */
	pid_t tid;
	int watchdog;      /* kernel timer id of the SIGALRM watchdog */
};

static uint64_t rnd(struct th *t)
{
	t->rng += 0x9e3779b97f4a7c15ULL;
	uint64_t x = t->rng;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rn(struct th *t, uint64_t n) { return n ? rnd(t) % n : 0; }

/* The program image (static, at 0x400000) is in reach of small random
 * numbers: a number passed where the kernel expects a pointer (ioctl,
 * fcntl and prctl arguments, words inside structures) would let the kernel
 * write into our own variables. safe() moves such a number out of the
 * image (and the first MiB after it); the calls are the same, only that
 * address is avoided. */
extern char __executable_start[], _end[];
static uint64_t safe(uint64_t v)
{
	if (v >= (uint64_t)__executable_start && v < (uint64_t)_end + (1 << 20))
		return v ^ 0x40000000;
	return v;
}
static int one_in(struct th *t, int n) { return rn(t, n) == 0; }

/* ---- per-worker state ---- */

#define NPOOL 96
static volatile int fds[NPOOL];
static volatile int nfds;
static volatile int dirfds[8];
static int ndirfds;
struct mapping {
	volatile uint64_t addr, len;
};
#define NMAP 32
static struct mapping maps[NMAP];
static uint64_t arena;
static uint8_t *ropage;
static pid_t child_pid, self_pid;
static volatile pid_t tids[MAXT];
static char wdir[64];
static int watchdogs[MAXT];

static void pool_add(int fd)
{
	if (fd < 0)
		return;
	int n = nfds;
	if (n < NPOOL) {
		fds[n] = fd;
		nfds = n + 1;
	} else {
		/* replace a slot past the initial objects */
		fds[32 + (fd * 7919u) % (NPOOL - 32)] = fd;
	}
}

static void map_add(struct th *t, uint64_t addr, uint64_t len)
{
	int i = 4 + rn(t, NMAP - 4); /* 0..3 are the initial ones */
	maps[i].addr = addr;
	maps[i].len = len;
}

/* ---- argument generators ---- */

static const uint64_t sizes[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, 128, 255, 256, 511, 512, 1023, 1024,
	4095, 4096, 4097, 8192, 65535, 65536, 65537, 1 << 20, (1 << 20) + 1, 16 << 20, 0x7fffffff,
	0x80000000, 0xffffffff, 0x100000000ULL, 1ULL << 40, 1ULL << 47, 1ULL << 62, 1ULL << 63,
	~0ULL, ~0ULL - 1, ~0ULL - 4095, (uint64_t)-4096, 0x7ffff000, 1ULL << 31 | 1,
};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static uint64_t gen_len(struct th *t)
{
	switch (rn(t, 4)) {
	case 0:
		return rn(t, 64);
	case 1:
		return rn(t, 8192);
	default:
		return safe(sizes[rn(t, NSIZES)]);
	}
}

static uint64_t gen_int(struct th *t)
{
	static const int64_t v[] = {0, 1, 2, 3, 4, 5, 8, 16, 32, 64, 100, 255, 256, 1024, 4096, -1, -2,
				    0x7fffffff, (int32_t)0x80000000, 65535, 65536, 1000000};
	switch (rn(t, 3)) {
	case 0:
		return rn(t, 16);
	case 1:
		return (uint64_t)v[rn(t, sizeof v / sizeof v[0])];
	default:
		return safe(rn(t, 4) == 0 ? rnd(t) : (uint32_t)rnd(t) >> rn(t, 32));
	}
}

static uint64_t gen_flags(struct th *t)
{
	switch (rn(t, 5)) {
	case 0:
		return 0;
	case 1:
		return safe(1ULL << rn(t, 32));
	case 2:
		return safe((1ULL << rn(t, 32)) | (1ULL << rn(t, 32)) | (1ULL << rn(t, 12)));
	case 3:
		return safe((uint32_t)rnd(t) & (uint32_t)rnd(t));
	default:
		return safe(rnd(t));
	}
}

/* bad_ptr returns an address no system call may use. */
static uint64_t bad_ptr(struct th *t)
{
	static const uint64_t v[] = {
		0, 1, 8, 0x1000, 0x10000, 0xfff, 0x7fffffffe000ULL, 0x7ffffffff000ULL, 0x800000000000ULL,
		0x8000000000000000ULL, 0xffff800000000000ULL, 0xffffffff80000000ULL,
		0xffffffff80201000ULL, 0xfffffffffffff000ULL, ~0ULL, ~0ULL - 7, 0xdead0000ULL,
	};
	switch (rn(t, 4)) {
	case 0: /* the guard after this thread's scratch */
		return (uint64_t)(t->scr + SCRATCH + rn(t, GUARD));
	case 1: /* read-only memory (only bad for writes) */
		return (uint64_t)ropage + rn(t, 4096);
	default:
		return v[rn(t, sizeof v / sizeof v[0])];
	}
}

static uint64_t gen_fd(struct th *t);

/* word makes one 8-byte value for a structure in memory: a mixture of
 * small numbers, sizes, descriptors and pointers into scratch. */
static uint64_t word(struct th *t)
{
	switch (rn(t, 8)) {
	case 0:
		return 0;
	case 1:
		return rn(t, 16);
	case 2:
		return gen_len(t);
	case 3:
		return (uint64_t)(t->scr + rn(t, SCRATCH));
	case 4:
		return safe((uint32_t)gen_fd(t) | ((uint64_t)(uint32_t)gen_fd(t) << 32));
	case 5:
		return rn(t, 8) == 0 ? bad_ptr(t) : gen_int(t);
	case 6:
		return gen_flags(t);
	default:
		return safe(rnd(t));
	}
}

/* scratch_ptr returns a pointer into this thread's scratch, usually with
 * the structure room after it, sometimes straddling the guard. */
static uint64_t scratch_ptr(struct th *t)
{
	uint64_t off;
	switch (rn(t, 6)) {
	case 0: /* right before the guard: the object runs into it */
		off = SCRATCH - 1 - rn(t, 64);
		break;
	case 1: /* misaligned */
		off = rn(t, SCRATCH - 8192) | (1 + rn(t, 7));
		break;
	default:
		off = rn(t, SCRATCH - 8192) & ~7ULL;
	}
	return (uint64_t)(t->scr + off);
}

/* in_ptr: memory the kernel reads, filled with typed words. */
static uint64_t in_ptr(struct th *t)
{
	if (one_in(t, 12))
		return bad_ptr(t);
	uint64_t p = scratch_ptr(t);
	uint64_t end = (uint64_t)t->scr + SCRATCH;
	uint64_t a = p & ~7ULL;
	int n = 4 + rn(t, 60);
	for (int i = 0; i < n && a + 8 <= end; i++, a += 8)
		*(uint64_t *)a = word(t);
	return p;
}

/* out_ptr: memory the kernel writes. */
static uint64_t out_ptr(struct th *t)
{
	if (one_in(t, 10))
		return bad_ptr(t);
	return scratch_ptr(t);
}

static uint64_t gen_fd(struct th *t)
{
	int n = nfds;
	if (n > 0 && rn(t, 10) < 8)
		return fds[rn(t, n)];
	static const int64_t v[] = {-1, -100, 0, 1, 2, 3, 1023, 1024, 65535, 0x7fffffff, (int32_t)0x80000000};
	return (uint64_t)v[rn(t, sizeof v / sizeof v[0])];
}

static uint64_t gen_dirfd(struct th *t)
{
	switch (rn(t, 4)) {
	case 0:
	case 1:
		return (uint64_t)(int64_t)AT_FDCWD;
	case 2:
		return dirfds[rn(t, ndirfds)];
	default:
		return gen_fd(t);
	}
}

/* Paths. Paths that modify (W) stay inside the worker's directory: plain
 * names relative to it (the cwd) or absolute under it. Paths only read (P)
 * may be anywhere; /dev/kmsg, /dev/console and /proc/sysrq-trigger are
 * left out (a write there would reach the console or the machine). */
static const char *wnames[] = {
	"a", "b", "c", "d", "d/e", "d/f", "file", "dir", "dir/x", "fifo", "s", "sock", "m", ".",
	"", "a/", "dir/", "file/", "nonexistent/x", "dir/x/y/z",
};
#define NWNAMES (sizeof wnames / sizeof wnames[0])
static const char *rpaths[] = {
	"/", "/proc", "/proc/self", "/proc/self/status", "/proc/self/maps", "/proc/self/stat",
	"/proc/meminfo", "/proc/self/fd", "/proc/self/fd/3", "/proc/self/fdinfo/3", "/proc/mounts",
	"/proc/self/mountinfo", "/proc/1", "/proc/self/task", "/sys", "/sys/kernel", "/sys/fs/cgroup",
	"/dev/null", "/dev/zero", "/dev/ptmx", "/dev/pts/0", "/dev/pts", "/dev/urandom", "/dev/shm",
	"/tmp/fuzz", "/nonexistent", "/dev/null/x", "/proc/self/exe/x", "/proc/cpuinfo", "/proc/uptime",
};
#define NRPATHS (sizeof rpaths / sizeof rpaths[0])
static char longpath[6000], longname[600];

static uint64_t str_in_scratch(struct th *t, const char *s)
{
	size_t n = strlen(s);
	uint64_t off = rn(t, SCRATCH - 8192);
	memcpy(t->scr + off, s, n + 1);
	return (uint64_t)(t->scr + off);
}

static uint64_t gen_wpath(struct th *t)
{
	char b[128];
	switch (rn(t, 12)) {
	case 0:
		return bad_ptr(t);
	case 1:
		snprintf(b, sizeof b, "%s/%s", wdir, wnames[rn(t, NWNAMES)]);
		return str_in_scratch(t, b);
	case 2:
		if (one_in(t, 2))
			return (uint64_t)longname;
		return (uint64_t)longpath;
	default:
		return str_in_scratch(t, wnames[rn(t, NWNAMES)]);
	}
}

static uint64_t gen_rpath(struct th *t)
{
	if (one_in(t, 3))
		return gen_wpath(t);
	return str_in_scratch(t, rpaths[rn(t, NRPATHS)]);
}

static uint64_t gen_xname(struct th *t)
{
	static const char *v[] = {"user.a", "trusted.a", "security.a", "system.posix_acl_access",
				  "user.", "bogus", "", "trusted.overlay.x", "security.capability"};
	if (one_in(t, 10))
		return bad_ptr(t);
	if (one_in(t, 10))
		return (uint64_t)longname;
	return str_in_scratch(t, v[rn(t, sizeof v / sizeof v[0])]);
}

/* gen_pid: only this process, its threads, its own child, its own group
 * (0) and pids that do not exist: never PID 1, another worker or -1. */
static uint64_t gen_pid(struct th *t)
{
	switch (rn(t, 9)) {
	case 0:
		return 0;
	case 1:
		return self_pid;
	case 2:
		return tids[rn(t, nthreads)];
	case 3:
		return child_pid;
	case 4:
		return t->tid;
	case 5:
		return 999999;
	case 6:
		return (uint32_t)0x80000000; /* INT_MIN */
	case 7:
		return 0x7fffffff;
	default:
		return (uint64_t)(int64_t)-self_pid; /* kill: our own group */
	}
}

static uint64_t gen_sig(struct th *t)
{
	/* SIGKILL and SIGSTOP sometimes: a killed worker is started again,
	 * a stopped one is continued by PID 1. */
	if (one_in(t, 64))
		return rn(t, 2) ? SIGKILL : SIGSTOP;
	static const int64_t v[] = {0, SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH, SIGURG, SIGCONT, SIGALRM, SIGHUP,
				    SIGINT, SIGTERM, SIGPIPE, 34, 40, 64, 65, -1, 1000};
	return (uint64_t)v[rn(t, sizeof v / sizeof v[0])];
}

static uint64_t gen_uid(struct th *t)
{
	static const int64_t v[] = {0, 1, 1000, UNPRIV_UID, -1, 0x7fffffff, 65535, 65536};
	return (uint64_t)(uint32_t)v[rn(t, sizeof v / sizeof v[0])];
}

static uint64_t gen_mode(struct th *t)
{
	static const uint64_t v[] = {0, 0644, 0755, 0777, 07777, 0170000, S_IFIFO | 0600, S_IFREG | 0600,
				     S_IFCHR | 0600, S_IFSOCK | 0600, S_IFDIR | 0755, S_IFBLK | 0600};
	if (one_in(t, 4))
		return rnd(t);
	return v[rn(t, sizeof v / sizeof v[0])];
}

/* gen_maddr: an address in one of this worker's own mappings or its
 * arena, or one that is bad; remembers the room after it for 'l'. */
static uint64_t gen_maddr(struct th *t)
{
	if (one_in(t, 8)) {
		t->lastaddr = bad_ptr(t);
		t->lastlen = 1 << 20; /* harmless: the address fails */
		if (t->lastaddr < 0x800000000000ULL && t->lastaddr >= 0x1000) {
			t->lastaddr = 0xffff800000000000ULL; /* never a user address */
		}
		return t->lastaddr;
	}
	uint64_t base, len;
	if (one_in(t, 3)) {
		base = arena;
		len = ARENA;
	} else {
		struct mapping *m = &maps[rn(t, NMAP)];
		base = m->addr;
		len = m->len;
		if (base == 0) {
			base = arena;
			len = ARENA;
		}
	}
	uint64_t off = rn(t, len) & ~4095ULL;
	if (one_in(t, 16))
		off |= 1 + rn(t, 4095); /* misaligned */
	t->lastaddr = base + off;
	t->lastlen = len - (off & ~4095ULL);
	return t->lastaddr;
}

/* gen_mlen: a length that stays within the mapping 'a' chose. */
static uint64_t gen_mlen(struct th *t)
{
	uint64_t room = t->lastlen;
	if (t->lastaddr >= 0x800000000000ULL)
		return gen_len(t);
	switch (rn(t, 5)) {
	case 0:
		return 0;
	case 1:
		return room;
	case 2:
		return 4096 < room ? 4096 : room;
	default:
		return rn(t, room + 1);
	}
}

static uint64_t gen_iov(struct th *t)
{
	if (one_in(t, 12))
		return bad_ptr(t);
	uint64_t p = (uint64_t)(t->scr + (rn(t, SCRATCH - 8192) & ~15ULL));
	uint64_t *v = (uint64_t *)p;
	int n = 1 + rn(t, 16);
	for (int i = 0; i < n; i++) {
		v[2 * i] = one_in(t, 8) ? bad_ptr(t) : scratch_ptr(t);
		v[2 * i + 1] = one_in(t, 3) ? gen_len(t) : rn(t, 512);
	}
	return p;
}

static uint64_t gen_iovcnt(struct th *t)
{
	static const int64_t v[] = {0, 1, 2, 3, 8, 16, 1024, 1025, 65536, -1, 0x7fffffff};
	return (uint64_t)v[rn(t, sizeof v / sizeof v[0])];
}

/* gen_sigset: a signal mask that never holds SIGALRM (the watchdog) or
 * the synchronous fault signals. */
static uint64_t gen_sigset(struct th *t)
{
	if (one_in(t, 10))
		return one_in(t, 2) ? 0 : bad_ptr(t);
	uint64_t p = (uint64_t)(t->scr + (rn(t, SCRATCH - 8192) & ~7ULL));
	uint64_t m = rnd(t) & rnd(t);
	if (one_in(t, 4))
		m = ~0ULL;
	m &= ~((1ULL << (SIGALRM - 1)) | (1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) |
	       (1ULL << (SIGILL - 1)) | (1ULL << (SIGFPE - 1)));
	*(uint64_t *)p = m;
	((uint64_t *)p)[1] = m; /* for a larger sigsetsize */
	return p;
}

static uint64_t gen_sigsetsize(struct th *t)
{
	return one_in(t, 8) ? gen_len(t) : 8;
}

/* gen_time: a timespec of at most about 50 ms, or a strange one. */
static uint64_t gen_time(struct th *t)
{
	if (one_in(t, 8))
		return one_in(t, 2) ? 0 : bad_ptr(t);
	uint64_t p = (uint64_t)(t->scr + (rn(t, SCRATCH - 8192) & ~7ULL));
	int64_t *v = (int64_t *)p;
	switch (rn(t, 6)) {
	case 0:
		v[0] = -1;
		v[1] = 0;
		break;
	case 1:
		v[0] = 0;
		v[1] = 1000000000;
		break;
	case 2:
		v[0] = 0x7fffffffffffffffLL;
		v[1] = 999999999;
		break;
	default:
		v[0] = 0;
		v[1] = rn(t, 50000000);
	}
	v[2] = 0;
	v[3] = rn(t, 20000000);
	return p;
}

static uint64_t gen_clock(struct th *t)
{
	static const int64_t v[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -1, -2, -6, 100, (int32_t)0x80000000};
	return (uint64_t)v[rn(t, sizeof v / sizeof v[0])];
}

static uint64_t gen_sockaddr(struct th *t)
{
	if (one_in(t, 8))
		return one_in(t, 2) ? 0 : bad_ptr(t);
	uint64_t p = (uint64_t)(t->scr + (rn(t, SCRATCH - 8192) & ~7ULL));
	struct sockaddr_un *u = (struct sockaddr_un *)p;
	memset(u, 0, sizeof *u);
	switch (rn(t, 6)) {
	case 0:
		u->sun_family = AF_UNIX;
		u->sun_path[0] = 0;
		snprintf(u->sun_path + 1, sizeof u->sun_path - 1, "fz%d", (int)rn(t, 4));
		break;
	case 1:
		for (size_t i = 0; i < sizeof *u; i++)
			((uint8_t *)u)[i] = rnd(t);
		if (one_in(t, 2))
			u->sun_family = AF_UNIX;
		break;
	case 2:
		u->sun_family = rn(t, 50);
		break;
	default:
		u->sun_family = AF_UNIX;
		snprintf(u->sun_path, sizeof u->sun_path, "%s", wnames[rn(t, NWNAMES)]);
	}
	return p;
}

static uint64_t gen_socklen(struct th *t)
{
	static const int64_t v[] = {0, 1, 2, 3, 16, 109, 110, 111, 128, 4096, -1, 0x7fffffff};
	return (uint64_t)v[rn(t, sizeof v / sizeof v[0])];
}

/* gen_msghdr: a struct msghdr, sometimes with SCM_RIGHTS or
 * SCM_CREDENTIALS control data. */
static uint64_t gen_msghdr(struct th *t)
{
	if (one_in(t, 12))
		return bad_ptr(t);
	uint64_t p = (uint64_t)(t->scr + (rn(t, SCRATCH - 16384) & ~15ULL));
	uint64_t *m = (uint64_t *)p;
	m[0] = one_in(t, 2) ? 0 : gen_sockaddr(t);
	m[1] = gen_socklen(t);
	m[2] = gen_iov(t);
	m[3] = one_in(t, 4) ? gen_iovcnt(t) : rn(t, 4);
	if (one_in(t, 2)) {
		uint64_t c = (uint64_t)(t->scr + (rn(t, SCRATCH - 8192) & ~7ULL));
		uint32_t *cm = (uint32_t *)c;
		int n = rn(t, 5);
		uint64_t len = 16 + 4 * n;
		*(uint64_t *)c = one_in(t, 8) ? gen_len(t) : len;
		cm[2] = one_in(t, 8) ? rn(t, 300) : SOL_SOCKET;
		cm[3] = one_in(t, 2) ? 1 /* SCM_RIGHTS */ : rn(t, 4);
		for (int i = 0; i < n; i++)
			cm[4 + i] = gen_fd(t);
		m[4] = c;
		m[5] = one_in(t, 4) ? gen_len(t) : ((len + 7) & ~7ULL);
	} else {
		m[4] = one_in(t, 3) ? out_ptr(t) : 0;
		m[5] = one_in(t, 3) ? gen_len(t) : 0;
	}
	m[6] = gen_flags(t);
	return p;
}

static uint64_t gen_timerid(struct th *t)
{
	uint64_t v = gen_int(t);
	for (int i = 0; i < nthreads; i++)
		if ((int)v == watchdogs[i])
			v = 12345;
	return v;
}

static uint64_t gen_off(struct th *t)
{
	switch (rn(t, 4)) {
	case 0:
		return 0;
	case 1:
		return rn(t, 65536);
	default:
		return sizes[rn(t, NSIZES)];
	}
}

/* ---- the table ---- */

/* Argument kinds:
 * F fd    D dirfd   P path (read)  W path (modify)  N xattr name
 * B in-ptr  O out-ptr  L length  f flags  n integer  p pid  s signal
 * u uid/gid  m mode  a mm address  l mm length  v iovec  c iov count
 * S sigset  z sigset size  t timespec  k clock  x sockaddr  y socklen
 * h msghdr  T timer id  o offset  r raw 64 bits  0 zero */
struct call {
	int nr;
	const char *name;
	const char *args;
};

#define C(n, a) {__NR_##n, #n, a}
static const struct call calls[] = {
	C(read, "FOL"), C(write, "FBL"), C(open, "Pfm"), C(close, "F"), C(stat, "PO"), C(fstat, "FO"),
	C(lstat, "PO"), C(poll, "Bnn"), C(lseek, "Fon"), C(mmap, "alnfFo"), C(mprotect, "aln"),
	C(munmap, "al"), C(brk, "r"), C(rt_sigaction, "sBOz"), C(rt_sigprocmask, "nSOz"),
	/* excluded: rt_sigreturn (would load a random register context) */
	C(ioctl, "FrB"), C(pread64, "FOLo"), C(pwrite64, "FBLo"), C(readv, "Fvc"), C(writev, "Fvc"),
	C(access, "Pn"), C(pipe, "O"), C(select, "nBBBt"), C(sched_yield, ""), C(mremap, "allfa"),
	C(msync, "alf"), C(mincore, "alO"), C(madvise, "aln"), C(shmget, "nLf"), C(shmat, "naf"),
	C(shmctl, "nnO"), C(dup, "F"), C(dup2, "FF"), C(pause, ""), C(nanosleep, "tO"),
	C(getitimer, "nO"), C(setitimer, "nBO"), C(alarm, "n"), C(getpid, ""), C(sendfile, "FFOL"),
	C(socket, "nnn"), C(connect, "Fxy"), C(accept, "FOO"), C(sendto, "FBLfxy"),
	C(recvfrom, "FOLfOO"), C(sendmsg, "Fhf"), C(recvmsg, "Fhf"), C(shutdown, "Fn"), C(bind, "Fxy"),
	C(listen, "Fn"), C(getsockname, "FOO"), C(getpeername, "FOO"), C(socketpair, "nnnO"),
	C(setsockopt, "FnnBy"), C(getsockopt, "FnnOO"), C(clone, "frOOr"), C(fork, ""), C(vfork, ""),
	C(execve, "WBB"),
	/* excluded: exit (a fuzzing thread must not end) */
	C(wait4, "pOfO"), C(kill, "ps"), C(uname, "O"), C(semget, "nnf"), C(semop, "nBn"),
	C(semctl, "nnnB"), C(shmdt, "a"), C(msgget, "nf"), C(msgsnd, "nBLf"), C(msgrcv, "nOLnf"),
	C(msgctl, "nnO"), C(fcntl, "Fnr"), C(flock, "Fn"), C(fsync, "F"), C(fdatasync, "F"),
	C(truncate, "Wo"), C(ftruncate, "Fo"), C(getdents, "FOL"), C(getcwd, "OL"), C(chdir, "P"),
	C(fchdir, "F"), C(rename, "WW"), C(mkdir, "Wm"), C(rmdir, "W"), C(creat, "Wm"), C(link, "WW"),
	C(unlink, "W"), C(symlink, "WW"), C(readlink, "POL"), C(chmod, "Wm"), C(fchmod, "Fm"),
	C(chown, "Wuu"), C(fchown, "Fuu"), C(lchown, "Wuu"), C(umask, "m"), C(gettimeofday, "OO"),
	C(getrlimit, "nO"), C(getrusage, "nO"), C(sysinfo, "O"), C(times, "O"), C(ptrace, "npBB"),
	C(getuid, ""), C(syslog, "nOL"), C(getgid, ""), C(setuid, "u"), C(setgid, "u"),
	C(geteuid, ""), C(getegid, ""), C(setpgid, "pp"), C(getppid, ""), C(getpgrp, ""),
	C(setsid, ""), C(setreuid, "uu"), C(setregid, "uu"), C(getgroups, "nO"), C(setgroups, "nB"),
	C(setresuid, "uuu"), C(getresuid, "OOO"), C(setresgid, "uuu"), C(getresgid, "OOO"),
	C(getpgid, "p"), C(setfsuid, "u"), C(setfsgid, "u"), C(getsid, "p"), C(capget, "BO"),
	C(capset, "BB"), C(rt_sigpending, "Oz"), C(rt_sigtimedwait, "SOtz"), C(rt_sigqueueinfo, "psB"),
	C(rt_sigsuspend, "Sz"), C(sigaltstack, "BO"), C(utime, "WB"), C(mknod, "Wmn"),
	C(personality, "r"), C(ustat, "nO"), C(statfs, "PO"), C(fstatfs, "FO"), C(sysfs, "nrO"),
	C(getpriority, "np"), C(setpriority, "npn"), C(sched_setparam, "pB"),
	C(sched_getparam, "pO"), C(sched_setscheduler, "pnB"), C(sched_getscheduler, "p"),
	C(sched_get_priority_max, "n"), C(sched_get_priority_min, "n"),
	C(sched_rr_get_interval, "pO"), C(mlock, "al"), C(munlock, "al"), C(mlockall, "f"),
	C(munlockall, ""), C(vhangup, ""), C(modify_ldt, "nOL"),
	/* excluded: pivot_root (moves the root of every process), _sysctl */
	C(prctl, "nrrrr"), C(arch_prctl, "nr"), C(adjtimex, "B"), C(setrlimit, "nB"),
	C(chroot, "W"), C(sync, ""), C(acct, "W"), C(settimeofday, "BB"), C(mount, "WWBfB"),
	C(umount2, "Wf"), C(swapon, "Wf"), C(swapoff, "W"),
	/* excluded: reboot (ends the run) */
	C(sethostname, "BL"), C(setdomainname, "BL"), C(iopl, "n"), C(ioperm, "rLn"),
	/* excluded: create_module, init_module, delete_module, finit_module (modules),
	 * kexec_load, kexec_file_load (replace the kernel) */
	C(quotactl, "nWnB"), C(gettid, ""), C(readahead, "FoL"), C(setxattr, "WNBLf"),
	C(lsetxattr, "WNBLf"), C(fsetxattr, "FNBLf"), C(getxattr, "PNOL"), C(lgetxattr, "PNOL"),
	C(fgetxattr, "FNOL"), C(listxattr, "POL"), C(llistxattr, "POL"), C(flistxattr, "FOL"),
	C(removexattr, "WN"), C(lremovexattr, "WN"), C(fremovexattr, "FN"), C(tkill, "ps"),
	C(time, "O"), C(futex, "Bnntrn"), C(sched_setaffinity, "pLB"), C(sched_getaffinity, "pLO"),
	C(io_setup, "nO"), C(io_destroy, "r"), C(io_getevents, "rnnOt"), C(io_submit, "rnB"),
	C(io_cancel, "rBO"), C(lookup_dcookie, "rOL"), C(epoll_create, "n"),
	C(remap_file_pages, "alnnf"), C(getdents64, "FOL"), C(set_tid_address, "B"),
	C(restart_syscall, ""), C(semtimedop, "nBnt"), C(fadvise64, "FoLn"),
	C(timer_create, "kBO"), C(timer_settime, "TfBO"), C(timer_gettime, "TO"),
	C(timer_getoverrun, "T"), C(timer_delete, "T"), C(clock_settime, "kB"),
	C(clock_gettime, "kO"), C(clock_getres, "kO"), C(clock_nanosleep, "kftO"),
	/* excluded: exit_group (ends the worker) */
	C(epoll_wait, "FOnn"), C(epoll_ctl, "FnFB"), C(tgkill, "pps"), C(utimes, "WB"),
	C(mbind, "alnBnf"), C(set_mempolicy, "nBn"), C(get_mempolicy, "OOnaf"), C(mq_open, "Bfmb"),
	C(mq_unlink, "B"), C(mq_timedsend, "FBLnt"), C(mq_timedreceive, "FOLOt"), C(mq_notify, "FB"),
	C(mq_getsetattr, "FBO"), C(waitid, "npOfO"), C(add_key, "BBBLn"), C(request_key, "BBBn"),
	C(keyctl, "nrrrr"), C(ioprio_set, "npn"), C(ioprio_get, "np"), C(inotify_init, ""),
	C(inotify_add_watch, "FPf"), C(inotify_rm_watch, "Fn"), C(migrate_pages, "pnBB"),
	C(openat, "DPfm"), C(mkdirat, "DWm"), C(mknodat, "DWmn"), C(fchownat, "DWuuf"),
	C(futimesat, "DWB"), C(newfstatat, "DPOf"), C(unlinkat, "DWf"), C(renameat, "DWDW"),
	C(linkat, "DWDWf"), C(symlinkat, "WDW"), C(readlinkat, "DPOL"), C(fchmodat, "DWm"),
	C(faccessat, "DPn"), C(pselect6, "nBBBtB"), C(ppoll, "BntSz"), C(unshare, "f"),
	C(set_robust_list, "BL"), C(get_robust_list, "pOO"), C(splice, "FBFBLf"), C(tee, "FFLf"),
	C(sync_file_range, "FoLf"), C(vmsplice, "Fvcf"), C(move_pages, "pnBBOf"),
	C(utimensat, "DWBf"), C(epoll_pwait, "FOnnSz"), C(signalfd, "FSz"), C(timerfd_create, "kf"),
	C(eventfd, "n"), C(fallocate, "FnoL"), C(timerfd_settime, "FfBO"), C(timerfd_gettime, "FO"),
	C(accept4, "FOOf"), C(signalfd4, "FSzf"), C(eventfd2, "nf"), C(epoll_create1, "f"),
	C(dup3, "FFf"), C(pipe2, "Of"), C(inotify_init1, "f"), C(preadv, "Fvcoo"),
	C(pwritev, "Fvcoo"), C(rt_tgsigqueueinfo, "ppsB"), C(perf_event_open, "BpnFf"),
	C(recvmmsg, "FBnft"), C(fanotify_init, "ff"),
	/* excluded: fanotify_mark (a permission mark blocks every open in the system) */
	C(prlimit64, "pnBO"), C(name_to_handle_at, "DPOOf"),
	/* excluded: open_by_handle_at (opens any file by a forged handle) */
	C(clock_adjtime, "kB"), C(syncfs, "F"), C(sendmmsg, "FBnf"), C(setns, "Ff"),
	C(getcpu, "OOO"), C(process_vm_readv, "pvcvcf"), C(process_vm_writev, "pvcvcf"),
	C(kcmp, "ppnrr"), C(sched_setattr, "pBf"), C(sched_getattr, "pOLf"),
	C(renameat2, "DWDWf"),
	/* excluded: seccomp (a filter may kill every later call) */
	C(getrandom, "OLf"), C(memfd_create, "Bf"), C(bpf, "nBL"), C(execveat, "DWBBf"),
	C(userfaultfd, "f"), C(membarrier, "nfn"), C(mlock2, "alf"), C(copy_file_range, "FBFBLf"),
	C(preadv2, "Fvcoof"), C(pwritev2, "Fvcoof"), C(pkey_mprotect, "alnn"), C(pkey_alloc, "fn"),
	C(pkey_free, "n"), C(statx, "DPfnO"), C(io_pgetevents, "rnnOtB"), C(rseq, "BLfn"),
	C(pidfd_send_signal, "FsBf"), C(io_uring_setup, "nB"), C(io_uring_enter, "FnnfBL"),
	C(io_uring_register, "FnBn"), C(open_tree, "DPf"),
	/* excluded: move_mount, mount_setattr (could move or make read-only the
	 * mounts PID 1 relies on), fsopen/fsconfig/fsmount/fspick */
	C(pidfd_open, "pf"), C(clone3, "BL"), C(close_range, "FFf"), C(openat2, "DPBL"),
	C(pidfd_getfd, "FFf"), C(faccessat2, "DPnf"), C(process_madvise, "Fvcnf"),
	C(epoll_pwait2, "FOntSz"), C(quotactl_fd, "FnnB"), C(landlock_create_ruleset, "BLf"),
	C(landlock_add_rule, "FnBf"), C(landlock_restrict_self, "Ff"), C(memfd_secret, "f"),
	C(process_mrelease, "Ff"), C(futex_waitv, "Bnftk"), C(set_mempolicy_home_node, "alnf"),
};
#define NCALLS (int)(sizeof calls / sizeof calls[0])

static int enabled[NCALLS];
static int enabled_list[NCALLS], nenabled;

static uint64_t gen_arg(struct th *t, char k)
{
	switch (k) {
	case 'F':
		return gen_fd(t);
	case 'D':
		return gen_dirfd(t);
	case 'P':
		return gen_rpath(t);
	case 'W':
		return gen_wpath(t);
	case 'N':
		return gen_xname(t);
	case 'B':
		return in_ptr(t);
	case 'O':
		return out_ptr(t);
	case 'L':
		return gen_len(t);
	case 'f':
		return gen_flags(t);
	case 'n':
		return gen_int(t);
	case 'p':
		return gen_pid(t);
	case 's':
		return gen_sig(t);
	case 'u':
		return gen_uid(t);
	case 'm':
		return gen_mode(t);
	case 'a':
		return gen_maddr(t);
	case 'l':
		return gen_mlen(t);
	case 'v':
		return gen_iov(t);
	case 'c':
		return gen_iovcnt(t);
	case 'S':
		return gen_sigset(t);
	case 'z':
		return gen_sigsetsize(t);
	case 't':
		return gen_time(t);
	case 'k':
		return gen_clock(t);
	case 'x':
		return gen_sockaddr(t);
	case 'y':
		return gen_socklen(t);
	case 'h':
		return gen_msghdr(t);
	case 'T':
		return gen_timerid(t);
	case 'o':
		return gen_off(t);
	case 'b':
		return one_in(t, 2) ? 0 : in_ptr(t);
	case '0':
		return 0;
	default:
		return safe(rnd(t));
	}
}

/* ---- fixups: confine the calls that could end or wreck the run ---- */

static int has_write_intent(uint64_t flags)
{
	return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) != 0 || (flags & 3) == 3;
}

static void noop_handler(int sig) { (void)sig; }

extern void fuzz_restorer(void);
__asm__(".text\n.global fuzz_restorer\nfuzz_restorer:\n\tmov $15, %eax\n\tsyscall\n\thlt\n");

/* fixup rewrites the generated arguments of call c; it returns 0 to skip
 * the call. */
static int fixup(struct th *t, const struct call *c, uint64_t *a)
{
	switch (c->nr) {
	case __NR_open:
		if (has_write_intent(a[1]))
			a[0] = gen_wpath(t);
		break;
	case __NR_openat:
		if (has_write_intent(a[2]))
			a[1] = gen_wpath(t), a[0] = (uint64_t)(int64_t)AT_FDCWD;
		break;
	case __NR_openat2: {
		/* struct open_how { u64 flags, mode, resolve } */
		uint64_t *how = (uint64_t *)a[2];
		if ((uint64_t)how >= (uint64_t)t->scr && (uint64_t)how + 24 <= (uint64_t)t->scr + SCRATCH) {
			if (one_in(t, 2))
				how[0] = gen_flags(t) & 0xffffffff;
			if (has_write_intent(how[0]))
				a[1] = gen_wpath(t), a[0] = (uint64_t)(int64_t)AT_FDCWD;
		}
		if (one_in(t, 2))
			a[3] = 24;
		break;
	}
	case __NR_name_to_handle_at:
		break;
	case __NR_mmap:
		/* MAP_FIXED (0x10) and MAP_FIXED_NOREPLACE (0x100000) only in the arena. */
		if (a[3] & (0x10 | 0x100000)) {
			a[0] = arena + (rn(t, ARENA) & ~4095ULL);
			if (a[1] > ARENA / 4 && a[1] < (1ULL << 40))
				a[1] = rn(t, ARENA / 4);
			if (a[0] + a[1] > arena + ARENA)
				a[1] = arena + ARENA - a[0];
		} else if (one_in(t, 2)) {
			a[0] = 0;
		}
		/* MAP_POPULATE and MAP_LOCKED of huge lengths just exhaust memory. */
		if (a[1] > (16 << 20))
			a[3] &= ~(uint64_t)(0x8000 | 0x2000);
		if (one_in(t, 2))
			a[3] = (a[3] & ~0x3ULL) | (one_in(t, 3) ? MAP_SHARED : MAP_PRIVATE);
		if (one_in(t, 2))
			a[3] |= MAP_ANONYMOUS;
		if (one_in(t, 2))
			a[2] &= 7;
		if (one_in(t, 2))
			a[5] &= ~4095ULL;
		break;
	case __NR_mremap:
		/* new length bounded; a fixed target only in the arena */
		if (a[2] > ARENA / 4 && a[2] < (1ULL << 40))
			a[2] = rn(t, ARENA / 4);
		if (a[3] & 2 /* MREMAP_FIXED */ || one_in(t, 4))
			a[4] = arena + (rn(t, ARENA / 2) & ~4095ULL);
		if (a[4] >= arena && a[4] + a[2] > arena + ARENA)
			a[2] = arena + ARENA - a[4];
		if (one_in(t, 2))
			a[3] &= 7;
		break;
	case __NR_shmat:
		if (a[2] & 040000 /* SHM_REMAP */ || one_in(t, 2))
			a[1] = arena + (rn(t, ARENA / 2) & ~4095ULL);
		break;
	case __NR_shmdt:
		break;
	case __NR_brk: {
		/* never below the current break (musl's heap), at most 1 MiB above */
		uint64_t curbrk = syscall(__NR_brk, 0);
		switch (rn(t, 3)) {
		case 0:
			a[0] = 0;
			break;
		case 1:
			a[0] = curbrk + rn(t, 1 << 20);
			break;
		default:
			a[0] = rn(t, 2) ? bad_ptr(t) : 1;
		}
		if (a[0] > 1 && a[0] < curbrk)
			a[0] = 0;
		break;
	}
	case __NR_rt_sigaction: {
		int sig = (int)a[0];
		if (sig == SIGALRM || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE)
			a[1] = 0; /* the watchdog and fault handlers stay */
		else if (a[1] && (uint64_t)a[1] >= (uint64_t)t->scr &&
			 a[1] + 32 <= (uint64_t)t->scr + SCRATCH) {
			uint64_t *act = (uint64_t *)a[1];
			static const uint64_t h[] = {(uint64_t)SIG_DFL, (uint64_t)SIG_IGN, 0};
			int i = rn(t, 4);
			act[0] = i < 2 ? h[i] : (uint64_t)noop_handler;
			if (one_in(t, 64))
				act[0] = bad_ptr(t);
			act[1] = (gen_flags(t) & 0xffffffff) | 0x04000000; /* SA_RESTORER */
			act[2] = (uint64_t)fuzz_restorer;
			act[3] &= ~((1ULL << (SIGALRM - 1)) | (1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)));
		}
		break;
	}
	case __NR_fork:
	case __NR_vfork:
	case __NR_clone:
	case __NR_clone3:
		break; /* handled by do_call: the child exits at once */
	case __NR_execve:
	case __NR_execveat:
		/* only paths in the worker's directory (never an executable of
		 * ours); argv/envp random */
		break;
	case __NR_ioctl: {
		static const uint64_t cmds[] = {
			0x5401 /* TCGETS */, 0x5402, 0x5403, 0x5404, 0x540e /* TIOCSCTTY */, 0x540f, 0x5410,
			0x5412 /* TIOCSTI */, 0x5413 /* TIOCGWINSZ */, 0x5414, 0x541b /* FIONREAD */,
			0x5421 /* FIONBIO */, 0x5422 /* TIOCNOTTY */, 0x5429 /* TIOCGSID */, 0x5450, 0x5451,
			0x5452, 0x80045430 /* TIOCGPTN */, 0x40045431 /* TIOCSPTLCK */, 0x5441 /* TIOCGPTPEER */,
			0x5425 /* TCSBRK */, 0x540b /* TCFLSH */, 0x5437 /* TIOCGEXCL */, 0x540c, 0x540d,
			0x5423 /* TIOCSETD */, 0x5424, 0x80086601 /* FS_IOC_GETFLAGS */, 0x40086602,
			0x8912 /* SIOCGIFCONF */, 0x8933, 0x894c, 0xc0185879, 0x40049409, 0x5409, 0x5411,
		};
		if (rn(t, 4) != 0)
			a[1] = cmds[rn(t, sizeof cmds / sizeof cmds[0])];
		if (one_in(t, 4))
			a[2] = gen_int(t);
		break;
	}
	case __NR_fcntl:
		if (rn(t, 4) != 0)
			a[1] = rn(t, 48);
		else if (one_in(t, 2))
			a[1] = 1024 + rn(t, 20); /* F_SETLEASE.. F_ADD_SEALS.. */
		if (one_in(t, 2))
			a[2] = in_ptr(t);
		else if (one_in(t, 2))
			a[2] = gen_int(t);
		break;
	case __NR_prctl:
		a[0] = rn(t, 72);
		if (a[0] == 22 /* PR_SET_SECCOMP */ || a[0] == 35 /* PR_SET_MM */)
			return 0;
		for (int i = 1; i < 5; i++)
			if (one_in(t, 2))
				a[i] = one_in(t, 2) ? gen_int(t) : out_ptr(t);
		break;
	case __NR_arch_prctl:
		/* ARCH_SET_FS (0x1002) would take away musl's thread pointer */
		a[0] = 0x1001 + rn(t, 4);
		if (one_in(t, 8))
			a[0] = 0x1011 + rn(t, 4); /* GET/SET_CPUID, ... */
		if (a[0] == 0x1002)
			a[0] = 0x1003;
		if (a[0] == 0x1003 || a[0] == 0x1004 || one_in(t, 2))
			a[1] = out_ptr(t);
		break;
	case __NR_syslog:
		/* 6, 7, 8 turn the console off or change its level: the run's
		 * panic detection reads the console */
		if (a[0] == 6 || a[0] == 7 || a[0] == 8)
			a[0] = 3;
		break;
	case __NR_setpriority:
		/* PRIO_USER (2) would reach PID 1 */
		if (a[0] == 2)
			a[0] = 0;
		break;
	case __NR_sched_setscheduler:
		/* no realtime or deadline policy: a spinning SCHED_FIFO worker
		 * would starve PID 1 */
		a[1] &= 0x40000000 | 0x7;
		if ((a[1] & 7) == 1 || (a[1] & 7) == 2 || (a[1] & 7) == 6)
			a[1] &= ~7ULL;
		break;
	case __NR_sched_setattr:
		if ((uint64_t)a[1] >= (uint64_t)t->scr && a[1] + 48 <= (uint64_t)t->scr + SCRATCH) {
			uint32_t *at = (uint32_t *)a[1];
			at[0] = one_in(t, 4) ? gen_int(t) : 48;
			at[1] &= 7;
			if (at[1] == 1 || at[1] == 2 || at[1] == 6)
				at[1] = 0;
		} else if (a[1] < 0x800000000000ULL && a[1] >= 0x1000) {
			a[1] = 0;
		}
		break;
	case __NR_ptrace:
		/* excluded: PTRACE_TRACEME (0) would make PID 1 the tracer of a
		 * worker thread, and PID 1 does not serve a tracee (it would stay
		 * stopped, and its zombie unreaped); attaching to our own child
		 * is allowed but not the requests that leave it stopped; to
		 * ourselves it fails. */
		a[0] = one_in(t, 4) ? gen_int(t) : rn(t, 0x4210);
		if (a[0] == 0)
			a[0] = 3; /* PTRACE_PEEKUSER */
		if (a[1] != (uint64_t)child_pid && a[1] != (uint64_t)self_pid && a[1] != (uint64_t)t->tid)
			a[1] = 999999;
		if (a[1] == (uint64_t)child_pid && (a[0] == 16 || a[0] == 0x4206 || a[0] == 0x4207))
			a[1] = 999999; /* an attached child would stay stopped */
		break;
	case __NR_mount:
		/* source and target inside our directory; a few real types */
		{
			static const char *types[] = {"tmpfs", "proc", "sysfs", "devpts", "ramfs", "cgroup2",
						      "devtmpfs", "bogus", "bind"};
			if (one_in(t, 4))
				a[2] = one_in(t, 2) ? 0 : bad_ptr(t);
			else
				a[2] = str_in_scratch(t, types[rn(t, sizeof types / sizeof types[0])]);
			if (one_in(t, 2))
				a[3] &= 0x1000 | 0x4000 | 0x20 | 0x1 | 0x2 | 0x4 | 0x8 | 0x2000 | 0x100000 | 0x40000 | 0x80000 | 0x20000;
			if (one_in(t, 3)) {
				static const char *opts[] = {"size=1k", "size=100%", "mode=0", "nr_inodes=1",
							     "size=16m", "ptmxmode=666,newinstance", "x=y,,=,size=",
							     "size=99999999999999999999"};
				a[4] = str_in_scratch(t, opts[rn(t, sizeof opts / sizeof opts[0])]);
			}
		}
		break;
	case __NR_kill:
	case __NR_tkill:
	case __NR_tgkill:
	case __NR_rt_sigqueueinfo:
	case __NR_rt_tgsigqueueinfo:
		break; /* pids from gen_pid */
	case __NR_perf_event_open:
		/* pid -1 with cpu -1 is EINVAL anyway; pid from gen_pid */
		break;
	case __NR_setrlimit:
	case __NR_prlimit64:
		break;
	case __NR_set_tid_address:
		break;
	case __NR_unshare:
	case __NR_setns:
		break;
	case __NR_userfaultfd:
		break;
	case __NR_sigaltstack:
		/* the alternate stack stays inside scratch: signal frames built
		 * on a random ss_sp+ss_size would land on our own memory */
		if (a[0] >= (uint64_t)t->scr && a[0] + 24 <= (uint64_t)t->scr + SCRATCH) {
			uint64_t *ss = (uint64_t *)a[0];
			uint64_t off = (16384 + rn(t, SCRATCH / 2)) & ~15ULL; /* room below for a frame that does not fit */
			ss[0] = (uint64_t)t->scr + off;
			ss[1] = (uint32_t)ss[1];
			if (ss[1] > SCRATCH - off || one_in(t, 2))
				ss[1] = one_in(t, 4) ? rn(t, 4096) : SCRATCH - off;
		} else if (a[0] && a[0] < 0x800000000000ULL) {
			a[0] = bad_ptr(t) | 0xffff800000000000ULL;
		}
		break;
	case __NR_close_range:
		/* keep descriptors 0..2 (/dev/null) so that nothing of ours
		 * lands on them */
		if (a[0] < 3)
			a[0] = 3;
		break;
	case __NR_dup2:
	case __NR_dup3:
		break;
	}
	return 1;
}

/* clone_child: fork/vfork/clone/clone3 whose child exits at once without
 * touching memory (so CLONE_VM and a shared stack are harmless). */
static long clone_child(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	long ret;
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

static long do_call(struct th *t, const struct call *c, uint64_t *a)
{
	switch (c->nr) {
	case __NR_fork:
	case __NR_vfork:
		return clone_child(c->nr, 0, 0, 0, 0, 0);
	case __NR_clone: {
		/* stack 0 (shared, the child does not use it); no CLONE_SETTLS of
		 * garbage would matter either, but keep tls a scratch address */
		uint64_t flags = a[0];
		if (one_in(t, 2))
			flags &= 0xff | 0x100 | 0x200 | 0x400 | 0x800 | 0x2000 | 0x4000 | 0x8000 | 0x10000 |
				 0x100000 | 0x200000 | 0x1000000 | 0x400000;
		return clone_child(__NR_clone, flags, 0, a[2], a[3], (uint64_t)t->scr);
	}
	case __NR_clone3: {
		/* struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal,
		 * stack, stack_size, tls, set_tid, set_tid_size, cgroup */
		uint64_t *ca = (uint64_t *)(t->scr + (rn(t, SCRATCH - 8192) & ~7ULL));
		ca[0] = gen_flags(t);
		if (one_in(t, 2))
			ca[0] &= 0x100 | 0x200 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 |
				 0x100000 | 0x200000 | 0x1000000 | 0x400000 | 0x200000000ULL;
		ca[1] = out_ptr(t);
		ca[2] = out_ptr(t);
		ca[3] = out_ptr(t);
		ca[4] = one_in(t, 2) ? SIGCHLD : gen_int(t);
		ca[5] = one_in(t, 2) ? 0 : (uint64_t)t->scr;
		ca[6] = ca[5] ? SCRATCH / 2 : (one_in(t, 4) ? gen_len(t) : 0);
		ca[7] = one_in(t, 2) ? 0 : (uint64_t)t->scr;
		ca[8] = one_in(t, 4) ? in_ptr(t) : 0;
		ca[9] = one_in(t, 4) ? gen_int(t) : 0;
		ca[10] = one_in(t, 4) ? gen_fd(t) : 0;
		uint64_t size = one_in(t, 4) ? gen_len(t) : 88;
		return clone_child(__NR_clone3, (uint64_t)ca, size, 0, 0, 0);
	}
	case __NR_pselect6: {
		/* the sixth argument points at { sigset ptr, size } */
		uint64_t *d = (uint64_t *)(t->scr + (rn(t, SCRATCH - 8192) & ~7ULL));
		d[0] = gen_sigset(t);
		d[1] = gen_sigsetsize(t);
		if (one_in(t, 8))
			a[5] = bad_ptr(t);
		else if (one_in(t, 4))
			a[5] = 0;
		else
			a[5] = (uint64_t)d;
		break;
	}
	}
	return syscall(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* after records the objects a successful call created. */
static void after(struct th *t, const struct call *c, uint64_t *a, long r)
{
	if (r < 0)
		return;
	switch (c->nr) {
	case __NR_open:
	case __NR_openat:
	case __NR_openat2:
	case __NR_creat:
	case __NR_dup:
	case __NR_socket:
	case __NR_accept:
	case __NR_accept4:
	case __NR_epoll_create:
	case __NR_epoll_create1:
	case __NR_eventfd:
	case __NR_eventfd2:
	case __NR_timerfd_create:
	case __NR_signalfd:
	case __NR_signalfd4:
	case __NR_inotify_init:
	case __NR_inotify_init1:
	case __NR_memfd_create:
	case __NR_pidfd_open:
	case __NR_pidfd_getfd:
	case __NR_userfaultfd:
	case __NR_fanotify_init:
	case __NR_perf_event_open:
	case __NR_io_uring_setup:
	case __NR_open_tree:
	case __NR_mq_open:
	case __NR_memfd_secret:
	case __NR_fcntl:
		if (c->nr != __NR_fcntl || a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
			pool_add((int)r);
		break;
	case __NR_mmap:
		map_add(t, (uint64_t)r, a[1] > ARENA ? ARENA : a[1]);
		break;
	case __NR_mremap:
		map_add(t, (uint64_t)r, a[2] > ARENA ? ARENA : a[2]);
		break;
	case __NR_shmat:
		map_add(t, (uint64_t)r, 4096);
		break;
	}
	/* descriptors beyond 200 are closed now and then so that the table
	 * does not fill */
	if (r > 200 && r < 1024 && (c->nr == __NR_open || c->nr == __NR_dup || c->nr == __NR_socket))
		syscall(__NR_close_range, 200, ~0U, 0);
}

/* ---- a fuzzing thread ---- */

static void fmt_call(char *b, size_t n, uint64_t nr, volatile uint64_t *a)
{
	const char *name = "?";
	for (int i = 0; i < NCALLS; i++)
		if ((uint64_t)calls[i].nr == nr)
			name = calls[i].name;
	snprintf(b, n, "%s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)", name, (unsigned long long)a[0],
		 (unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3],
		 (unsigned long long)a[4], (unsigned long long)a[5]);
}

static uint64_t quota;
static int trace_fd = -1;

static void fuzz_loop(struct th *t)
{
	struct slot *s = &sh->s[t->w][t->t];
	uint64_t a[6];
	while (s->calls < quota) {
		const struct call *c = &calls[enabled_list[rn(t, nenabled)]];
		for (int i = 0; i < 6; i++)
			a[i] = c->args[0] && i < (int)strlen(c->args) ? gen_arg(t, c->args[i]) : safe(rnd(t));
		if (!fixup(t, c, a)) {
			s->calls++;
			continue;
		}
		s->nr = c->nr;
		for (int i = 0; i < 6; i++)
			s->args[i] = a[i];
		if (trace) {
			char b[300];
			fmt_call(b, sizeof b - 40, c->nr, s->args);
			char l[400];
			snprintf(l, sizeof l, "T %d.%d.%llu %s\n", t->w, t->t, (unsigned long long)s->calls, b);
			say(trace_fd, l);
		}
		long r = do_call(t, c, a);
		if (r == -1)
			r = -errno;
		after(t, c, a, r);
		s->calls++;
		if ((s->calls & 255) == 0 && t->t == 0) {
			/* reap our fuzzed children, whatever their exit signal */
			while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
				;
		}
	}
}

struct thread_arg {
	struct th th;
	volatile int done;
};
static struct thread_arg targs[MAXT];

static void *thread_main(void *p)
{
	struct thread_arg *ta = p;
	struct th *t = &ta->th;
	cur = t;
	t->tid = syscall(__NR_gettid);
	tids[t->t] = t->tid;
	/* the watchdog: SIGALRM to this thread every 100 ms interrupts any
	 * blocking call (more often, 32 threads' signals starve a guest on a
	 * loaded host) */
	struct {
		uint64_t value;
		int signo, notify, tid, pad;
		uint64_t rest[6];
	} sev = {0, SIGALRM, 4 /* SIGEV_THREAD_ID */, t->tid, 0, {0}};
	int id = -1;
	if (syscall(__NR_timer_create, CLOCK_MONOTONIC, &sev, &id) == 0) {
		watchdogs[t->t] = id;
		struct itimerspec its = {{0, 100000000}, {0, 100000000}};
		syscall(__NR_timer_settime, id, 0, &its, NULL);
	}
	fuzz_loop(t);
	ta->done = 1;
	return NULL;
}

static void fault_handler(int sig)
{
	/* a fuzzed call wrecked our own memory: the worker is started again */
	syscall(__NR_exit_group, 100 + sig);
}

static void setup_pool(int w, int phase)
{
	nfds = 0;
	snprintf(wdir, sizeof wdir, "/tmp/fuzz/%c%d", phase ? 'u' : 'r', w);
	mkdir(wdir, 0777);
	if (chdir(wdir) != 0)
		return;
	int fd = open("file", O_RDWR | O_CREAT, 0644);
	if (fd >= 0 && write(fd, "hello, fuzz\n", 12) < 0)
		;
	pool_add(fd);
	mkdir("dir", 0755);
	mkfifo("fifo", 0644);
	symlink("file", "s");
	int d = open(".", O_RDONLY | O_DIRECTORY);
	pool_add(d);
	dirfds[ndirfds++] = d;
	d = open("dir", O_RDONLY | O_DIRECTORY);
	pool_add(d);
	dirfds[ndirfds++] = d;
	d = open("/", O_RDONLY | O_DIRECTORY);
	pool_add(d);
	dirfds[ndirfds++] = d;
	d = open("/proc/self", O_RDONLY | O_DIRECTORY);
	pool_add(d);
	dirfds[ndirfds++] = d;
	int p[2];
	for (int i = 0; i < 2; i++)
		if (pipe2(p, i ? O_NONBLOCK : 0) == 0)
			pool_add(p[0]), pool_add(p[1]);
	int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
	for (int i = 0; i < 3; i++)
		if (socketpair(AF_UNIX, types[i], 0, p) == 0)
			pool_add(p[0]), pool_add(p[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	strcpy(un.sun_path, "sock");
	unlink("sock");
	if (ls >= 0 && bind(ls, (struct sockaddr *)&un, sizeof un) == 0)
		listen(ls, 4);
	pool_add(ls);
	int ep = syscall(__NR_epoll_create1, 0);
	pool_add(ep);
	struct {
		uint32_t events;
		uint64_t data;
	} __attribute__((packed)) ev = {1 | 4, 0};
	for (int i = 0; i < nfds; i++)
		syscall(__NR_epoll_ctl, ep, 1, fds[i], &ev);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = {{0, 5000000}, {0, 5000000}};
	timerfd_settime(tfd, 0, &its, NULL);
	pool_add(tfd);
	pool_add(syscall(__NR_eventfd2, 3, 0));
	uint64_t mask = (1 << (SIGUSR1 - 1)) | (1 << (SIGUSR2 - 1));
	pool_add(syscall(__NR_signalfd4, -1, &mask, 8, 0));
	int in = syscall(__NR_inotify_init1, 0);
	if (in >= 0)
		syscall(__NR_inotify_add_watch, in, ".", 0xfff);
	pool_add(in);
	int mf = syscall(__NR_memfd_create, "fuzz", 3 /* CLOEXEC|ALLOW_SEALING */);
	if (mf >= 0)
		ftruncate(mf, 8192);
	pool_add(mf);
	pool_add(syscall(__NR_pidfd_open, getpid(), 0));
	int pm = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	pool_add(pm);
	if (pm >= 0) {
		int z = 0;
		ioctl(pm, 0x40045431 /* TIOCSPTLCK */, &z);
		pool_add(ioctl(pm, 0x5441 /* TIOCGPTPEER */, O_RDWR | O_NOCTTY));
	}
	pool_add(open("/dev/null", O_RDWR));
	pool_add(open("/dev/zero", O_RDONLY));
	pool_add(open("/proc/self/status", O_RDONLY));
	pool_add(open("/dev/urandom", O_RDONLY));
	pool_add(open("dir", O_PATH));
	if (child_pid > 0)
		pool_add(syscall(__NR_pidfd_open, child_pid, 0));
	/* mappings: the arena (PROT_NONE until fuzzed), anonymous, file-backed */
	void *ar = mmap(NULL, ARENA, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	arena = ar == MAP_FAILED ? 0x10000000 : (uint64_t)ar;
	maps[0].addr = arena, maps[0].len = ARENA;
	void *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED)
		maps[1].addr = (uint64_t)m, maps[1].len = 65536;
	if (fd >= 0) {
		ftruncate(fd, 8192);
		m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED)
			maps[2].addr = (uint64_t)m, maps[2].len = 8192;
	}
	m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED)
		maps[3].addr = (uint64_t)m, maps[3].len = 65536;
	ropage = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* worker is one fuzzing process: w is its index, gen its generation. */
static void worker(int w, int phase, uint64_t gen)
{
	/* descriptors: 0..2 on /dev/null; nothing of PID 1's */
	int keep = -1;
	if (trace)
		keep = dup2(console, 1000);
	for (int fd = 0; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
	open("/dev/null", O_RDWR);
	dup(0);
	dup(0);
	trace_fd = keep;
	setsid();
	self_pid = getpid();
	syscall(__NR_prctl, 1 /* PR_SET_PDEATHSIG */, SIGKILL);

	struct sigaction sa = {0};
	sa.sa_handler = noop_handler;
	for (int s = 1; s < 65; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sa.sa_handler = fault_handler;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGSYS, &sa, NULL);

	if (phase == 1) {
		if (setgroups(0, NULL) || setresgid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) ||
		    setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID))
			syscall(__NR_exit_group, 99);
	}
	/* a child to signal, ptrace and pidfd_open: it sleeps until we go */
	child_pid = fork();
	if (child_pid == 0) {
		syscall(__NR_prctl, 1, SIGKILL);
		for (;;)
			pause();
	}
	setup_pool(w, phase);

	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 << 10);
	for (int i = 0; i < nthreads; i++) {
		struct th *t = &targs[i].th;
		t->w = w;
		t->t = i;
		t->phase = phase;
		t->rng = mix(mix(mix(mix(seed) ^ (uint64_t)phase) ^ (uint64_t)w << 8 ^ (uint64_t)i) ^ gen << 20);
		uint8_t *sc = mmap(NULL, SCRATCH + GUARD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (sc == MAP_FAILED)
			syscall(__NR_exit_group, 98);
		mprotect(sc + SCRATCH, GUARD, PROT_NONE);
		t->scr = sc;
		watchdogs[i] = -1000;
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_t pt;
		if (pthread_create(&pt, &at, thread_main, &targs[i]) != 0)
			syscall(__NR_exit_group, 97);
	}
	/* wait for the threads (not pthread_join: a fuzzed set_tid_address
	 * may have moved the word it waits on) */
	for (;;) {
		int all = 1;
		for (int i = 0; i < nthreads; i++)
			if (!targs[i].done)
				all = 0;
		if (all)
			break;
		struct timespec ts = {0, 20000000};
		syscall(__NR_nanosleep, &ts, NULL);
	}
	kill(child_pid, SIGKILL);
	syscall(__NR_exit_group, 0);
}

/* ---- PID 1 ---- */

static char cmdline[4096];

static const char *param_str(const char *key)
{
	size_t kl = strlen(key);
	for (char *p = cmdline; (p = strstr(p, key)) != NULL; p += kl) {
		if ((p == cmdline || p[-1] == ' ') && p[kl] == '=')
			return p + kl + 1;
	}
	return NULL;
}

static uint64_t param(const char *key, uint64_t def)
{
	const char *v = param_str(key);
	return v ? strtoull(v, NULL, 0) : def;
}

static void word_of(const char *v, char *out, size_t n)
{
	size_t i = 0;
	while (v && v[i] && v[i] != ' ' && v[i] != '\n' && i + 1 < n) {
		out[i] = v[i];
		i++;
	}
	out[i] = 0;
}

static void mounts(void)
{
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mkdir("/dev/shm", 01777);
	mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=16m");
	mkdir("/dev/pts", 0755);
	mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666");
	mkdir("/tmp/fuzz", 01777);
	mount("tmpfs", "/tmp/fuzz", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=32m");
	chmod("/tmp/fuzz", 01777);
}

static pid_t wpid[MAXW];
static uint64_t wgen[MAXW];
static int wdone[MAXW];
static long long wfail[MAXW]; /* when the worker's respawn first failed, or 0 */

static pid_t spawn(int w, int phase)
{
	uint64_t g = wgen[w]++;
	for (int i = 0; i < nthreads; i++)
		sh->s[w][i].gen = g;
	pid_t p = fork();
	if (p == 0)
		worker(w, phase, g);
	return p;
}

static uint64_t total_calls(void)
{
	uint64_t n = 0;
	for (int w = 0; w < nprocs; w++)
		for (int t = 0; t < nthreads; t++)
			n += sh->s[w][t].calls;
	return n;
}

static int wait_gone(pid_t p, int secs)
{
	for (int i = 0; i < secs * 50; i++) {
		int st;
		pid_t r = waitpid(p, &st, WNOHANG | __WALL);
		if (r == p || (r < 0 && errno == ECHILD))
			return 1;

		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int run_phase(int phase)
{
	const char *pname = phase ? "user" : "root";
	memset(sh, 0, sizeof *sh);
	for (int w = 0; w < nprocs; w++) {
		wgen[w] = 0;
		wdone[w] = 0;
		wfail[w] = 0;
		wpid[w] = spawn(w, phase);
	}
	long long t0 = now_ms(), last_print = t0;
	uint64_t lastcalls[MAXW][MAXT];
	long long lastmove[MAXW][MAXT];
	for (int w = 0; w < MAXW; w++)
		for (int t = 0; t < MAXT; t++)
			lastcalls[w][t] = 0, lastmove[w][t] = t0;
	int deaths = 0, stuck = 0, stops = 0, hang = 0;
	char why[64] = "";
	for (;;) {
		int st;
		pid_t r;
		while ((r = waitpid(-1, &st, WNOHANG | __WALL | WUNTRACED)) > 0) {
			int w;
			for (w = 0; w < nprocs; w++)
				if (wpid[w] == r)
					break;
			if (w == nprocs)
				continue; /* a fuzzed child that became ours */
			if (WIFSTOPPED(st)) {
				stops++;
				kill(r, SIGCONT);
				continue;
			}
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
				wdone[w] = 1;
				wpid[w] = 0;
				continue;
			}
			deaths++;
			if (WIFSIGNALED(st))
				snprintf(why, sizeof why, "signal %d", WTERMSIG(st));
			else
				snprintf(why, sizeof why, "exit %d", WEXITSTATUS(st));
			if (trace)
				sayf("FUZZ death w=%d %s\n", w, why);
			wpid[w] = spawn(w, phase);
		}
		/* a worker whose respawn failed (fork's error) is tried again;
		 * one that cannot be started for stuck_secs is a hang of the
		 * kernel's process creation */
		for (int w = 0; w < nprocs; w++) {
			if (wdone[w] || wpid[w] > 0)
				continue;
			if (wfail[w] == 0)
				wfail[w] = now_ms();
			wpid[w] = spawn(w, phase);
			if (wpid[w] > 0) {
				wfail[w] = 0;
				for (int u = 0; u < nthreads; u++)
					lastmove[w][u] = now_ms();
			} else if (now_ms() - wfail[w] >= stuck_secs * 1000LL) {
				sayf("FUZZ HANG phase=%s w=%d: fork fails (%s) for %d s\n", pname, w, strerror(errno),
				     stuck_secs);
				hang = 1;
				wdone[w] = 1;
			}
		}
		if (hang)
			break;
		int all = 1;
		for (int w = 0; w < nprocs; w++)
			if (!wdone[w])
				all = 0;
		if (all)
			break;
		long long now = now_ms();
		/* a thread that made no call for stuck_secs: report every
		 * thread that has not moved for half that (the culprit may be
		 * one that holds what the others wait for), then kill and
		 * restart the workers it belongs to */
		int any = 0;
		for (int w = 0; w < nprocs; w++) {
			if (wdone[w] || wpid[w] <= 0)
				continue;
			for (int t = 0; t < nthreads; t++) {
				struct slot *s = &sh->s[w][t];
				if (s->calls != lastcalls[w][t] || s->calls >= quota) {
					lastcalls[w][t] = s->calls;
					lastmove[w][t] = now;
				} else if (now - lastmove[w][t] >= stuck_secs * 1000LL) {
					any = 1;
				}
			}
		}
		if (any) {
			int kill_w[MAXW] = {0};
			for (int w = 0; w < nprocs; w++) {
				if (wdone[w] || wpid[w] <= 0)
					continue;
				for (int t = 0; t < nthreads; t++) {
					struct slot *s = &sh->s[w][t];
					long long idle = now - lastmove[w][t];
					if (s->calls >= quota || idle < stuck_secs * 500LL)
						continue;
					char b[300];
					fmt_call(b, sizeof b, s->nr, s->args);
					sayf("FUZZ stuck phase=%s w=%d t=%d gen=%llu calls=%llu idle=%llds last=%s\n", pname, w,
					     t, (unsigned long long)s->gen, (unsigned long long)s->calls, idle / 1000, b);
					stuck++;
					kill_w[w] = 1;
				}
			}
			for (int w = 0; w < nprocs; w++) {
				if (!kill_w[w])
					continue;
				pid_t p = wpid[w];
				kill(p, SIGKILL);
				if (!wait_gone(p, 30)) {
					sayf("FUZZ HANG phase=%s w=%d pid=%d: SIGKILL did not end it within 30 s\n",
					     pname, w, p);
					hang = 1;
					wpid[w] = 0;
					wdone[w] = 1;
					continue;
				}
				for (int u = 0; u < nthreads; u++)
					lastmove[w][u] = now_ms();
				wpid[w] = spawn(w, phase);
			}
			if (hang)
				break;
		}
		if (now - last_print >= 1000) {
			sayf("FUZZ progress phase=%s calls=%llu\n", pname, (unsigned long long)total_calls());
			last_print = now;
		}
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
	}
	/* whatever the workers left: their children are reparented to us */
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
	long long ms = now_ms() - t0;
	uint64_t n = total_calls();
	sayf("FUZZ phase %s calls=%llu seconds=%.1f rate=%.0f deaths=%d (last: %s) stops=%d stuck=%d\n", pname,
	     (unsigned long long)n, ms / 1000.0, ms ? n * 1000.0 / ms : 0.0, deaths, why[0] ? why : "none", stops,
	     stuck);
	return hang ? -1 : 0;
}

/* health: fork, exec, file I/O, a timer. */
static int health(const char *pname)
{
	pid_t p = fork();
	if (p < 0) {
		sayf("FUZZ HEALTH FAIL phase=%s fork errno=%d\n", pname, errno);
		return -1;
	}
	if (p == 0) {
		char *argv[] = {"/init", "health-child", NULL};
		char *envp[] = {NULL};
		execve("/init", argv, envp);
		_exit(127);
	}
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 42) {
		sayf("FUZZ HEALTH FAIL phase=%s fork/exec status=%#x\n", pname, st);
		return -1;
	}
	static char buf[1 << 20], back[1 << 20];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 31 + (i >> 12));
	int fd = open("/health.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fsync(fd) != 0 || close(fd) != 0) {
		sayf("FUZZ HEALTH FAIL phase=%s write errno=%d\n", pname, errno);
		return -1;
	}
	fd = open("/health.dat", O_RDONLY);
	ssize_t got = 0, r;
	while (fd >= 0 && got < (ssize_t)sizeof back && (r = read(fd, back + got, sizeof back - got)) > 0)
		got += r;
	if (fd < 0 || got != (ssize_t)sizeof back || memcmp(buf, back, sizeof buf) != 0) {
		sayf("FUZZ HEALTH FAIL phase=%s read back %zd bytes errno=%d\n", pname, got, errno);
		return -1;
	}
	close(fd);
	unlink("/health.dat");
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = {{0, 0}, {0, 50000000}};
	long long t0 = now_ms();
	uint64_t exp = 0;
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) != 0 || read(tfd, &exp, 8) != 8 || exp != 1) {
		sayf("FUZZ HEALTH FAIL phase=%s timerfd errno=%d\n", pname, errno);
		return -1;
	}
	long long dt = now_ms() - t0;
	close(tfd);
	if (dt < 50 || dt > 5000) {
		sayf("FUZZ HEALTH FAIL phase=%s timer fired after %lld ms (want 50)\n", pname, dt);
		return -1;
	}
	sayf("FUZZ health ok phase=%s\n", pname);
	return 0;
}

static void finish(int status)
{
	sayf("FUZZ %s\n", status ? "FAILED" : "DONE");
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (getpid() != 1) {
		if (argc > 1 && strcmp(argv[1], "health-child") == 0)
			return 42;
		return 1;
	}
	memset(longpath, 'a', sizeof longpath - 1);
	for (size_t i = 100; i < sizeof longpath - 1; i += 100)
		longpath[i] = '/';
	memset(longname, 'n', sizeof longname - 1);
	mounts();
	int fd = open("/dev/console", O_WRONLY);
	if (fd >= 0)
		console = fd;
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
		cmdline[n > 0 ? n : 0] = 0;
		close(fd);
	}
	seed = param("fuzz.seed", 1);
	ncalls = param("fuzz.n", 100000);
	nprocs = param("fuzz.procs", 8);
	nthreads = param("fuzz.threads", 4);
	trace = param("fuzz.trace", 0);
	stuck_secs = param("fuzz.stuck", 30);
	word_of(param_str("fuzz.calls"), only, sizeof only);
	if (param_str("fuzz.phases"))
		word_of(param_str("fuzz.phases"), phases, sizeof phases);
	if (nprocs < 1 || nprocs > MAXW)
		nprocs = 8;
	if (nthreads < 1 || nthreads > MAXT)
		nthreads = 4;
	quota = (ncalls + nprocs * nthreads - 1) / (nprocs * nthreads);
	for (int i = 0; i < NCALLS; i++) {
		enabled[i] = 1;
		if (only[0]) {
			char key[64];
			snprintf(key, sizeof key, ",%s,", calls[i].name);
			char list[1100];
			snprintf(list, sizeof list, ",%s,", only);
			enabled[i] = strstr(list, key) != NULL;
		}
		if (enabled[i])
			enabled_list[nenabled++] = i;
	}
	if (nenabled == 0) {
		sayf("FUZZ ERROR no call matches fuzz.calls=%s\n", only);
		finish(1);
	}
	setpriority(PRIO_PROCESS, 0, -20);
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		sayf("FUZZ ERROR mmap shared: errno %d\n", errno);
		finish(1);
	}
	signal(SIGPIPE, SIG_IGN);
	sayf("FUZZ start seed=%llu n=%llu procs=%d threads=%d calls=%d phases=%s\n", (unsigned long long)seed,
	     (unsigned long long)ncalls, nprocs, nthreads, nenabled, phases);
	int status = 0;
	for (int phase = 0; phase < 2 && status == 0; phase++) {
		const char *pname = phase ? "user" : "root";
		if (!strstr(phases, pname))
			continue;
		if (run_phase(phase) != 0)
			status = 1;
		else if (health(pname) != 0)
			status = 1;
	}
	finish(status);
	return 0;
}
