/*
 * stress.h: helpers shared by the stress workloads (testing/stress/guest).
 *
 * A workload is a function that runs a fixed amount of work, checks every
 * result it gets (counts, values, errno, signals) and returns normally when
 * all checks held. A failed check prints
 *     <workload>: FAIL <file>:<line>: <why>
 * and exits 1, from whichever process of the workload saw it; parents check
 * their children's exit statuses, so a failure anywhere reaches the runner.
 */
#ifndef STRESS_H
#define STRESS_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* wl is the running workload's name, for messages. */
extern const char *wl;

/* say writes s to stdout (the console) with one write per call where it can. */
static void say(const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t r = write(1, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		n -= r;
	}
}

__attribute__((format(printf, 1, 2))) static void sayf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	say(buf);
}

__attribute__((noreturn, format(printf, 3, 4))) static void failat(const char *file, int line,
								     const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sayf("%s: FAIL %s:%d: %s\n", wl, file, line, msg);
	_exit(1);
}

#define FAIL(...) failat(__FILE__, __LINE__, __VA_ARGS__)
/* CHECK fails the workload when cond is false. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			FAIL("check failed: %s (errno %d %s)", #cond, errno, strerror(errno));     \
	} while (0)
/* CHECKV fails with the two values printed when a != b. */
#define CHECKV(a, b)                                                                               \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b)                                                                      \
			FAIL("%s = %lld, want %s = %lld", #a, _a, #b, _b);                         \
	} while (0)
/* SYS runs a call that must not return -1 and yields its result. */
#define SYS(x)                                                                                     \
	({                                                                                         \
		long _r = (long)(x);                                                               \
		if (_r == -1)                                                                      \
			FAIL("%s: errno %d %s", #x, errno, strerror(errno));                       \
		_r;                                                                                \
	})
/* ERRNO checks that x fails with errno e. */
#define ERRNO(x, e)                                                                                \
	do {                                                                                       \
		errno = 0;                                                                         \
		long _r = (long)(x);                                                               \
		if (_r != -1 || errno != (e))                                                      \
			FAIL("%s = %ld errno %d (%s), want -1 errno %d (%s)", #x, _r, errno,       \
			     strerror(errno), (int)(e), strerror(e));                              \
	} while (0)

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* rnd is a small deterministic generator (xorshift64*). */
static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

/* wait_exit waits for pid and fails unless it exited with code. */
#define WAIT_EXIT(pid, code)                                                                       \
	do {                                                                                       \
		int _st;                                                                           \
		pid_t _w;                                                                          \
		while ((_w = waitpid((pid), &_st, 0)) < 0 && errno == EINTR)                       \
			;                                                                          \
		if (_w != (pid))                                                                   \
			FAIL("waitpid(%d) = %d errno %d", (int)(pid), (int)_w, errno);             \
		if (!WIFEXITED(_st) || WEXITSTATUS(_st) != (code))                                 \
			FAIL("child %d: status %#x (%s %d), want exit %d", (int)(pid), _st,        \
			     WIFSIGNALED(_st) ? "signal" : "exit",                                 \
			     WIFSIGNALED(_st) ? WTERMSIG(_st) : WEXITSTATUS(_st), (int)(code));    \
	} while (0)

/* WAIT_SIGNAL waits for pid and fails unless signal sig killed it. */
#define WAIT_SIGNAL(pid, sig)                                                                      \
	do {                                                                                       \
		int _st;                                                                           \
		pid_t _w;                                                                          \
		while ((_w = waitpid((pid), &_st, 0)) < 0 && errno == EINTR)                       \
			;                                                                          \
		if (_w != (pid))                                                                   \
			FAIL("waitpid(%d) = %d errno %d", (int)(pid), (int)_w, errno);             \
		if (!WIFSIGNALED(_st) || WTERMSIG(_st) != (sig))                                   \
			FAIL("child %d: status %#x (%s %d), want signal %d", (int)(pid), _st,      \
			     WIFSIGNALED(_st) ? "signal" : "exit",                                 \
			     WIFSIGNALED(_st) ? WTERMSIG(_st) : WEXITSTATUS(_st), (int)(sig));     \
	} while (0)

/* NOBODY is the unprivileged user the exec storm and rlimit workers become. */
#define NOBODY 65534

static void become_nobody(void)
{
	SYS(setgroups(0, NULL));
	SYS(setresgid(NOBODY, NOBODY, NOBODY));
	SYS(setresuid(NOBODY, NOBODY, NOBODY));
	CHECKV(getuid(), NOBODY);
	CHECKV(geteuid(), NOBODY);
}

#endif
