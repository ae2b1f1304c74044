/* PID 1 of the OOM killer test (testing/oom): run unchanged on Linux and
 * Aramid in a 256 MiB guest. It sets up processes whose fate the OOM killer
 * decides and prints what became of them; the kernels' own "Killed process"
 * lines are judged by the Go test.
 *
 *   init     PID 1, holds 24 MiB: never chosen while anything else can be
 *   keeper   oom_score_adj -1000, holds 128 MiB (more than any hog reaches):
 *            never chosen
 *   adj1000  oom_score_adj 1000, holds 1 MiB: chosen first
 *   hog      allocates until killed: chosen second
 *   hog2     oom_score_adj -500, allocates until killed: its badness stays
 *            below init's, yet init is spared and hog2 goes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1UL << 20)

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
	say("oomtest: FAIL %s: %s\n", what, strerror(errno));
	reboot(RB_POWER_OFF);
	_exit(1);
}

/* touch allocates n bytes and writes every page. */
static void touch(size_t n) {
	char *p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
}

static void set_adj(int adj) {
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0)
		die("open oom_score_adj");
	char b[16];
	int n = snprintf(b, sizeof b, "%d", adj);
	if (write(fd, b, n) != n)
		die("write oom_score_adj");
	close(fd);
}

/* spawn starts a child named name with oom_score_adj adj that holds hold
 * bytes (or, when hold is 0, allocates until it is killed), and waits
 * until it has its memory. */
static pid_t spawn(const char *name, int adj, size_t hold) {
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_NAME, name);
		set_adj(adj);
		if (hold) {
			touch(hold);
			write(p[1], "r", 1);
			for (;;)
				pause();
		}
		write(p[1], "r", 1);
		for (;;)
			touch(MiB);
	}
	close(p[1]);
	char c;
	if (read(p[0], &c, 1) != 1)
		die("child ready");
	close(p[0]);
	return pid;
}

static const char *how(int st) {
	static char b[64];
	if (WIFSIGNALED(st))
		snprintf(b, sizeof b, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(b, sizeof b, "exited %d", WEXITSTATUS(st));
	return b;
}

int main(void) {
	if (mount("proc", "/proc", "proc", 0, 0) < 0)
		die("mount /proc");
	touch(24 * MiB);
	pid_t keeper = spawn("keeper", -1000, 128 * MiB);
	pid_t adj1000 = spawn("adj1000", 1000, 1 * MiB);
	pid_t hog = spawn("hog", 0, 0);
	int st;
	/* The first child to die must be adj1000, then the hog. */
	const char *order[2];
	for (int i = 0; i < 2; i++) {
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0)
			die("wait");
		order[i] = w == adj1000 ? "adj1000" : w == hog ? "hog" : w == keeper ? "keeper" : "?";
		say("oomtest: %s %s\n", order[i], how(st));
	}
	pid_t hog2 = spawn("hog2", -500, 0);
	if (waitpid(-1, &st, 0) != hog2)
		die("wait hog2");
	say("oomtest: hog2 %s\n", how(st));
	say("oomtest: keeper %s\n", kill(keeper, 0) == 0 && waitpid(keeper, &st, WNOHANG) == 0 ? "alive" : "gone");
	say("oomtest: init alive\n");
	kill(keeper, SIGKILL);
	waitpid(keeper, &st, 0);
	say("oomtest: done\n");
	reboot(RB_POWER_OFF);
	return 0;
}
