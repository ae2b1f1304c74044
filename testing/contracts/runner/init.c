/*
 * init.c: the contract suite's PID 1.
 *
 * It mounts the filesystems contracts expect, reads the list of contracts
 * from /contracts/list and runs each one in turn, starting at the index given
 * by contract_start=N on the kernel command line (or in the environment).
 * Each contract runs in its own process group with stdout and stderr on a
 * pipe; the runner relays every output line prefixed with "| " between
 *     @@BEGIN <index> <name>
 *     @@END <index> <name> <exit N|signal N|timeout>
 * so the harness can ignore anything the kernel prints meanwhile. A contract
 * that outlives contract_timeout=S seconds (default 10) is killed with its
 * group. At the end the runner prints @@SUITE_DONE and powers off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t r = write(1, s, n);
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
	say(buf);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* param finds key=value in the environment or in /proc/cmdline. */
static long param(const char *key, long def)
{
	const char *v = getenv(key);
	static char cmdline[4096];
	if (v)
		return atol(v);
	int fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return def;
	ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
	close(fd);
	if (n <= 0)
		return def;
	cmdline[n] = 0;
	size_t kl = strlen(key);
	for (char *p = cmdline; (p = strstr(p, key)) != NULL; p += kl) {
		if ((p == cmdline || p[-1] == ' ') && p[kl] == '=')
			return atol(p + kl + 1);
	}
	return def;
}

static void mounts(void)
{
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mkdir("/run", 0755);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mkdir("/dev/shm", 01777);
	mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mkdir("/dev/pts", 0755);
	mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666");
}

/* load_modules loads the kernel modules listed in /lib/modules/contract/list
 * (the reference kernel's virtio-blk, for the test disk), in order. A kernel
 * without module loading (ENOSYS) or that refuses one goes on without it:
 * the contracts that need the disk then fail on that kernel. */
static void load_modules(void)
{
	static char list[4096];
	int fd = open("/lib/modules/contract/list", O_RDONLY);
	if (fd < 0)
		return;
	long n = read(fd, list, sizeof list - 1);
	close(fd);
	if (n <= 0)
		return;
	list[n] = 0;
	for (char *line = list, *next; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		int m = open(line, O_RDONLY | O_CLOEXEC);
		if (m < 0)
			continue;
		syscall(SYS_finit_module, m, "", 0);
		close(m);
	}
}

/* relay copies complete lines from buf to the console with the "| " prefix
 * and returns how many bytes it consumed. */
static size_t relay(char *buf, size_t n, int flush)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			buf[i] = 0;
			sayf("| %s\n", buf + start);
			start = i + 1;
		}
	}
	if (flush && start < n) {
		buf[n] = 0;
		sayf("| %s\n", buf + start);
		start = n;
	}
	return start;
}

/* run executes one contract and returns its result word. */
static void run(int idx, const char *name, int timeout_s)
{
	char path[512], dir[512], status[64];
	snprintf(path, sizeof path, "/contracts/%s", name);
	snprintf(dir, sizeof dir, "/tmp/work%d", idx);
	mkdir(dir, 0755);
	sayf("@@BEGIN %d %s\n", idx, name);

	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		sayf("@@END %d %s runner-error pipe %d\n", idx, name, errno);
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		sayf("@@END %d %s runner-error fork %d\n", idx, name, errno);
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (chdir(dir) < 0)
			chdir("/tmp");
		char *argv[] = {path, NULL};
		char *envp[] = {"PATH=/bin:/sbin", "HOME=/", "TERM=dumb", NULL};
		execve(path, argv, envp);
		dprintf(2, "runner: exec %s: errno %d\n", path, errno);
		_exit(127);
	}
	setpgid(pid, pid);
	close(p[1]);

	char buf[8192];
	size_t have = 0;
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	int st = 0, done = 0, eof = 0, timed_out = 0;
	while (!done) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		if (!eof) {
			struct pollfd pf = {.fd = p[0], .events = POLLIN};
			int r = poll(&pf, 1, left < 50 ? (int)left : 50);
			if (r > 0) {
				ssize_t n = read(p[0], buf + have, sizeof buf - 1 - have);
				if (n > 0) {
					have += n;
					size_t used = relay(buf, have, have == sizeof buf - 1);
					memmove(buf, buf + used, have - used);
					have -= used;
				} else if (n == 0) {
					eof = 1;
				}
			}
		} else {
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			done = 1;
	}
	/* Drain what the contract wrote before it ended. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = read(p[0], buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			break;
		have += n;
		size_t used = relay(buf, have, have == sizeof buf - 1);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	relay(buf, have, 1);
	close(p[0]);
	/* Leftover processes of the contract die with it; orphans are reaped. */
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (timed_out)
		snprintf(status, sizeof status, "timeout");
	else if (WIFEXITED(st))
		snprintf(status, sizeof status, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(status, sizeof status, "signal %d", WTERMSIG(st));
	else
		snprintf(status, sizeof status, "status %d", st);
	sayf("@@END %d %s %s\n", idx, name, status);
}

int main(void)
{
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	mounts();
	load_modules();
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	long start = param("contract_start", 0);
	long timeout = param("contract_timeout", 10);

	static char list[1 << 16];
	long n = -1;
	int fd = open("/contracts/list", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, list, sizeof list - 1);
		close(fd);
	}
	if (n < 0) {
		sayf("@@RUNNER error cannot read /contracts/list (errno %d)\n", errno);
	} else {
		list[n] = 0;
		int total = 0;
		for (char *c = list; *c; c++)
			total += *c == '\n';
		sayf("@@RUNNER start=%ld total=%d timeout=%ld\n", start, total, timeout);
		int idx = 0;
		for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n"), idx++) {
			if (idx >= start)
				run(idx, line, (int)timeout);
		}
	}
	say("@@SUITE_DONE\n");
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
