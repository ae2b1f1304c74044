/*
 * contract.h: the shared helpers every contract program includes.
 *
 * A contract checks one behaviour of the kernel. It prints deterministic
 * "key: value" lines (never addresses, varying pids or timings) and ends with
 * exactly one of
 *     CONTRACT_PASS
 *     CONTRACT_FAIL <why>
 * The harness compares the whole output between Aramid and reference Linux,
 * so every printed value is part of the contract.
 *
 * Programs are built with musl-gcc -static; everything here is header-only.
 */
#ifndef ARAMID_CONTRACT_H
#define ARAMID_CONTRACT_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#include <unistd.h>

/* errname returns the symbolic name of an errno value (stable across libcs). */
static inline const char *errname(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{0, "OK"}, {EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"},
		{EINTR, "EINTR"}, {EIO, "EIO"}, {ENXIO, "ENXIO"}, {E2BIG, "E2BIG"},
		{ENOEXEC, "ENOEXEC"}, {EBADF, "EBADF"}, {ECHILD, "ECHILD"},
		{EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},
		{EFAULT, "EFAULT"}, {EBUSY, "EBUSY"}, {EEXIST, "EEXIST"},
		{EXDEV, "EXDEV"}, {ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"},
		{EISDIR, "EISDIR"}, {EINVAL, "EINVAL"}, {ENFILE, "ENFILE"},
		{EMFILE, "EMFILE"}, {ENOTTY, "ENOTTY"}, {ETXTBSY, "ETXTBSY"},
		{EFBIG, "EFBIG"}, {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"},
		{EROFS, "EROFS"}, {EMLINK, "EMLINK"}, {EPIPE, "EPIPE"},
		{ERANGE, "ERANGE"}, {EDEADLK, "EDEADLK"}, {ENAMETOOLONG, "ENAMETOOLONG"},
		{ENOSYS, "ENOSYS"}, {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"},
		{ENODATA, "ENODATA"}, {ETIME, "ETIME"}, {EOVERFLOW, "EOVERFLOW"},
		{ENOTSOCK, "ENOTSOCK"}, {EDESTADDRREQ, "EDESTADDRREQ"},
		{EMSGSIZE, "EMSGSIZE"}, {EPROTOTYPE, "EPROTOTYPE"},
		{ENOPROTOOPT, "ENOPROTOOPT"}, {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
		{EOPNOTSUPP, "EOPNOTSUPP"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
		{EADDRINUSE, "EADDRINUSE"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
		{ECONNRESET, "ECONNRESET"}, {EISCONN, "EISCONN"},
		{ENOTCONN, "ENOTCONN"}, {ETIMEDOUT, "ETIMEDOUT"},
		{ECONNREFUSED, "ECONNREFUSED"}, {EALREADY, "EALREADY"},
		{EINPROGRESS, "EINPROGRESS"}, {ESTALE, "ESTALE"},
		{EOWNERDEAD, "EOWNERDEAD"}, {ENOTSUP, "ENOTSUP"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].e == e)
			return t[i].n;
	static char buf[32];
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

/* Unbuffered stdout so fork() never duplicates pending output. */
__attribute__((constructor)) static void contract_init(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
}

/* fail ends the contract with CONTRACT_FAIL and a reason. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	printf("CONTRACT_FAIL %s\n", buf);
	exit(1);
}

/* pass ends the contract with CONTRACT_PASS. */
__attribute__((noreturn)) static inline void pass(void)
{
	printf("CONTRACT_PASS\n");
	exit(0);
}

/* OUT prints one "key: value" line. */
#define OUT(key, ...) do { printf("%s: ", key); printf(__VA_ARGS__); printf("\n"); } while (0)

/* CHECK fails the contract, naming the line, when cond is false. */
#define CHECK(cond) do { if (!(cond)) fail("line %d: %s", __LINE__, #cond); } while (0)

/* SYS evaluates a call that returns -1 on error; failure ends the contract. */
#define SYS(expr) ({ long _r = (long)(expr); if (_r == -1) \
	fail("line %d: %s: %s", __LINE__, #expr, errname(errno)); _r; })

/* ERR expects expr to fail with errno e; it prints "<key>: <ERRNAME>". */
#define ERR(key, expr, e) do { errno = 0; long _r = (long)(expr); int _e = errno; \
	OUT(key, "%s", _r == -1 ? errname(_e) : "success"); \
	if (_r != -1 || _e != (e)) fail("line %d: %s: want %s, got %ld/%s", __LINE__, \
		#expr, errname(e), _r, errname(_e)); } while (0)

/* EQ prints key and value and checks it equals want (integers). */
#define EQ(key, val, want) do { long long _v = (long long)(val), _w = (long long)(want); \
	OUT(key, "%lld", _v); if (_v != _w) fail("line %d: %s = %lld, want %lld", \
		__LINE__, #val, _v, _w); } while (0)

/* STREQ prints key and string value and checks it equals want. */
#define STREQ(key, val, want) do { const char *_v = (val), *_w = (want); \
	OUT(key, "%s", _v); if (strcmp(_v, _w) != 0) fail("line %d: %s = %s, want %s", \
		__LINE__, #val, _v, _w); } while (0)

/* child_status renders a wait status as "exit N" or "signal N". */
static inline const char *wstatus(int st)
{
	static char buf[32];
	if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "signal %d", WTERMSIG(st));
	else if (WIFSTOPPED(st))
		snprintf(buf, sizeof buf, "stopped %d", WSTOPSIG(st));
	else
		snprintf(buf, sizeof buf, "status %#x", st);
	return buf;
}

/* reap waits for pid and returns its wait status. */
static inline int reap(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		fail("waitpid %d: %s", (int)pid, errname(errno));
	return st;
}

/* read_file reads up to n-1 bytes of path into buf, NUL-terminated. */
static inline long read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r < 0) { close(fd); return -1; }
		if (r == 0 || got + r >= n - 1) { got += r; break; }
		got += r;
	}
	buf[got] = 0;
	close(fd);
	return (long)got;
}

/* write_file writes s to path (O_TRUNC|O_CREAT); returns 0 or -1. */
static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* writeall writes all of buf or fails the contract. */
static inline void writeall(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r <= 0)
			fail("write fd %d: %s", fd, errname(errno));
		p += r;
		n -= r;
	}
}

#endif
