/*
 * init.c: the userland suite's PID 1 (static, musl).
 *
 * It reads /userland/list, one test a line:
 *     <category/name> <timeout-seconds> <argv0> [argv1 ...]
 * and runs each test from index contract_start=N on (taken from its own
 * arguments, which both kernels pass after "--" on the command line, then
 * from the environment, then from /proc/cmdline). It speaks the contract
 * suite's serial protocol so testing/contract's parser reads it:
 *     @@RUNNER start=N total=T timeout=S
 *     @@BEGIN <index> <name>
 *     | <a line the test printed>
 *     @@END <index> <name> <exit N|signal N|timeout>
 *     @@SUITE_DONE
 * A test runs in its own process group and session-less, stdin /dev/null,
 * stdout+stderr on a pipe, cwd a fresh /tmp/t<index>. When its time is up the
 * whole group is killed. At the end the runner powers off (Linux) or exits 0
 * (a kernel that powers off when PID 1 exits).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void out(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t r = write(1, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		n -= (size_t)r;
	}
}

static void outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void outf(const char *fmt, ...)
{
	char buf[4200];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	out(buf, (size_t)n);
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int g_argc;
static char **g_argv;

/* param looks key=value up in argv, the environment, then /proc/cmdline. */
static long param(const char *key, long def)
{
	size_t kl = strlen(key);
	for (int i = 1; i < g_argc; i++)
		if (strncmp(g_argv[i], key, kl) == 0 && g_argv[i][kl] == '=')
			return atol(g_argv[i] + kl + 1);
	const char *v = getenv(key);
	if (v)
		return atol(v);
	static char cmd[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return def;
	ssize_t n = read(fd, cmd, sizeof cmd - 1);
	close(fd);
	if (n <= 0)
		return def;
	cmd[n] = 0;
	for (char *p = cmd; (p = strstr(p, key)) != NULL; p += kl)
		if ((p == cmd || p[-1] == ' ') && p[kl] == '=')
			return atol(p + kl + 1);
	return def;
}

/* relay prints each complete line of buf[0:n] framed as "| line" and returns
 * the bytes used; with flush the unterminated tail is printed too. */
static size_t relay(char *buf, size_t n, int flush)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n')
			continue;
		buf[i] = 0;
		outf("| %s\n", buf + start);
		start = i + 1;
	}
	if (flush && start < n) {
		buf[n] = 0;
		outf("| %s\n", buf + start);
		start = n;
	}
	return start;
}

struct test {
	char *name;
	int timeout;
	char *argv[32];
};

static int parse_line(char *line, struct test *t)
{
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == 0)
			t->name = w;
		else if (n == 1)
			t->timeout = atoi(w);
		else if (n - 2 < 31)
			t->argv[n - 2] = w;
		n++;
	}
	if (n < 3)
		return -1;
	t->argv[n - 2 < 31 ? n - 2 : 31] = NULL;
	return 0;
}

static void run(int idx, struct test *t)
{
	char dir[64], status[64];
	snprintf(dir, sizeof dir, "/tmp/t%d", idx);
	mkdir(dir, 0755);
	outf("@@BEGIN %d %s\n", idx, t->name);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		outf("@@END %d %s runner-error pipe %d\n", idx, t->name, errno);
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		outf("@@END %d %s runner-error fork %d\n", idx, t->name, errno);
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0 && null != 0) {
			dup2(null, 0);
			close(null);
		}
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (chdir(dir) < 0)
			chdir("/tmp");
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char *envp[] = {"PATH=/bin:/usr/bin:/sbin", "HOME=/", "TERM=dumb", "LC_ALL=C", NULL};
		execve(t->argv[0], t->argv, envp);
		dprintf(2, "runner: exec %s: errno %d\n", t->argv[0], errno);
		_exit(127);
	}
	setpgid(pid, pid);
	close(p[1]);

	static char buf[16384];
	size_t have = 0;
	long long deadline = mono_ms() + (long long)t->timeout * 1000;
	int st = 0, done = 0, eof = 0, timed_out = 0;
	while (!done) {
		long long left = deadline - mono_ms();
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
					have += (size_t)n;
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
		if (waitpid(pid, &st, WNOHANG) == pid)
			done = 1;
	}
	/* Whatever the test wrote before it ended. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = read(p[0], buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t used = relay(buf, have, have == sizeof buf - 1);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	relay(buf, have, 1);
	close(p[0]);
	/* Leftovers of the test die with it; orphans reparented to us are reaped. */
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
		snprintf(status, sizeof status, "status %#x", st);
	outf("@@END %d %s %s\n", idx, t->name, status);
}

int main(int argc, char **argv)
{
	g_argc = argc;
	g_argv = argv;
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	/* The initramfs brings /proc and /tmp; mounting may fail on a kernel
	 * that lacks the filesystem, and the tests then run on the root. */
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	umask(022);

	long start = param("contract_start", 0);
	long deftimeout = param("contract_timeout", 30);
	static char list[1 << 16];
	ssize_t n = -1;
	int fd = open("/userland/list", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, list, sizeof list - 1);
		close(fd);
	}
	if (n < 0) {
		outf("@@RUNNER error cannot read /userland/list (errno %d)\n", errno);
	} else {
		list[n] = 0;
		int total = 0;
		for (char *c = list; *c; c++)
			total += *c == '\n';
		outf("@@RUNNER start=%ld total=%d timeout=%ld\n", start, total, deftimeout);
		int idx = 0;
		char *save = NULL;
		for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save), idx++) {
			struct test t = {0};
			if (parse_line(line, &t) < 0) {
				outf("@@BEGIN %d bad/line\n@@END %d bad/line runner-error\n", idx, idx);
				continue;
			}
			if (t.timeout <= 0)
				t.timeout = (int)deftimeout;
			if (idx >= start)
				run(idx, &t);
		}
	}
	out("@@SUITE_DONE\n", 13);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
