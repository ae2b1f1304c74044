/* PID 1 of the kernel-memory test (testing/oom): children fill pipes, whose
 * buffers are kernel memory no resident-set counts, until memory runs out.
 * The kernel must survive it: the OOM killer frees memory by killing
 * processes (their pipes go with them), and PID 1 carries on. Eight
 * children with 480 full pipes each would need 240 MiB; the test runs in
 * 128 MiB. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 8
#define PIPES 480

static void say(const char *fmt, ...) {
	char b[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	write(1, b, n);
}

int main(void) {
	mount("proc", "/proc", "proc", 0, 0);
	static char chunk[65536];
	memset(chunk, 'x', sizeof chunk);
	int status[2];
	pipe(status);
	for (int c = 0; c < CHILDREN; c++) {
		if (fork() == 0) {
			close(status[0]);
			for (int i = 0; i < PIPES; i++) {
				int p[2];
				if (pipe(p) < 0)
					break;
				fcntl(p[1], F_SETFL, O_NONBLOCK);
				while (write(p[1], chunk, sizeof chunk) > 0)
					;
			}
			write(status[1], "d", 1); /* filled what it could */
			for (;;)
				pause();
		}
	}
	close(status[1]);
	fcntl(status[0], F_SETFL, O_NONBLOCK);
	/* Wait until every child has either filled its pipes or died. */
	int killed = 0, other = 0, done = 0, st;
	while (done + killed + other < CHILDREN) {
		char c;
		while (read(status[0], &c, 1) == 1)
			done++;
		pid_t w;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			if (WIFSIGNALED(st) && WTERMSIG(st) == 9)
				killed++;
			else
				other++;
		}
		usleep(100000);
	}
	say("pipehog: killed_by_oom %s, other_exits %d\n", killed > 0 ? "some" : "none", other);
	kill(-1, 9);
	while (wait(&st) > 0)
		;
	say("pipehog: init alive\n");
	say("pipehog: done\n");
	reboot(RB_POWER_OFF);
	return 0;
}
