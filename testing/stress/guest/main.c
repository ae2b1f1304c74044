/*
 * main.c: the stress suite's PID 1 and its workload dispatcher.
 *
 * Installed as /init and as /bin/stress. As PID 1 it mounts the usual
 * filesystems, reads the workload names from /list and runs each one, from
 * the index given by stress_start=N on the kernel command line, as
 * "/bin/stress <name>" in its own process group, printing
 *     @@BEGIN <index> <name>
 *     @@END <index> <name> <exit N|signal N|timeout> ms=<guest wall time>
 * A workload that outlives stress_timeout=S seconds (default 60) is killed
 * with its group. Everything a workload leaves behind is killed and reaped
 * before the next begins. At the end: @@DONE, then power-off.
 *
 * Run as anything but PID 1, "stress <name> [args]" runs one workload (or a
 * helper such as exec-child) and exits 0 when its checks held.
 */
#include "stress.h"
#include "workloads.h"

#include <sys/mount.h>
#include <sys/reboot.h>

const char *wl = "runner";

static const struct {
	const char *name;
	void (*fn)(int argc, char **argv);
} table[] = {
	{"timerfd", w_timerfd},
	{"eventfd", w_eventfd},
	{"epoll", w_epoll},
	{"poll", w_poll},
	{"inotify", w_inotify},
	{"fork-storm", w_fork_storm},
	{"vfork-storm", w_vfork_storm},
	{"clone-storm", w_clone_storm},
	{"mmap-churn", w_mmap_churn},
	{"signal-flood", w_signal_flood},
	{"pipe-herd", w_pipe_herd},
	{"zombies", w_zombies},
	{"fs-churn", w_fs_churn},
	{"memory-hog", w_memory_hog},
	{"exec-storm", w_exec_storm},
	{"memfd-churn", w_memfd_churn},
	{"getters", w_getters},
	{"rlimits", w_rlimits},
	{"final", w_final},
	/* helpers, not workloads */
	{"exec-child", w_exec_child},
	{"true", w_true},
};

/* param finds key=value on the kernel command line. */
static long param(const char *key, long def)
{
	static char cmdline[4096];
	int fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return def;
	ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
	close(fd);
	if (n <= 0)
		return def;
	cmdline[n] = 0;
	size_t kl = strlen(key);
	for (char *p = cmdline; (p = strstr(p, key)) != NULL; p += kl)
		if ((p == cmdline || p[-1] == ' ') && p[kl] == '=')
			return atol(p + kl + 1);
	return def;
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
	mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

/* reap_all collects every child of PID 1 until none is left. */
static void reap_all(void)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

static void run(int idx, const char *name, long timeout_s)
{
	char status[64];
	sayf("@@BEGIN %d %s\n", idx, name);
	long long t0 = now_us();
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pid_t pid = fork();
	if (pid < 0) {
		sayf("@@END %d %s runner-error fork errno %d ms=0\n", idx, name, errno);
		return;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		setpgid(0, 0);
		chdir("/tmp");
		char *argv[] = {"stress", (char *)name, NULL};
		char *envp[] = {"PATH=/bin", "HOME=/", NULL};
		execve("/bin/stress", argv, envp);
		sayf("runner: exec /bin/stress %s: errno %d\n", name, errno);
		_exit(127);
	}
	setpgid(pid, pid);
	long long deadline = t0 + timeout_s * 1000000LL;
	int st = 0, timed_out = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		long long left = deadline - now_us();
		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		if (left > 100000)
			left = 100000;
		struct timespec ts = {0, (long)left * 1000};
		sigtimedwait(&chld, NULL, &ts);
	}
	long long ms = (now_us() - t0) / 1000;
	/* Whatever the workload left behind dies with it. */
	kill(-pid, SIGKILL);
	reap_all();
	if (timed_out)
		snprintf(status, sizeof status, "timeout");
	else if (WIFEXITED(st))
		snprintf(status, sizeof status, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(status, sizeof status, "signal %d", WTERMSIG(st));
	else
		snprintf(status, sizeof status, "status %#x", st);
	sayf("@@END %d %s %s ms=%lld\n", idx, name, status, ms);
}

__attribute__((noreturn)) static void runner(void)
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
	long start = param("stress_start", 0);
	long timeout = param("stress_timeout", 60);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	static char list[8192];
	long n = -1;
	int fd = open("/list", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, list, sizeof list - 1);
		close(fd);
	}
	if (n < 0) {
		sayf("@@RUNNER error cannot read /list (errno %d)\n", errno);
	} else {
		list[n] = 0;
		sayf("@@RUNNER start=%ld timeout=%ld\n", start, timeout);
		int idx = 0;
		for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n"), idx++)
			if (idx >= start)
				run(idx, line, timeout);
	}
	say("@@DONE\n");
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (getpid() == 1)
		runner();
	if (argc < 2) {
		sayf("usage: stress <workload> [args]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strcmp(table[i].name, argv[1]) == 0) {
			wl = table[i].name;
			table[i].fn(argc, argv);
			return 0;
		}
	}
	sayf("stress: unknown workload %s\n", argv[1]);
	return 2;
}
