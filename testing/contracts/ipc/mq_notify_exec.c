/* execve closes every mq_open descriptor (they are always close-on-exec),
 * and closing one drops the process's notification registration, even
 * while the process keeps another descriptor of the queue (here one opened
 * through the mount, without close-on-exec, that survives the exec). */
#include "mq.h"
#include <linux/close_range.h>
#include <sys/mount.h>

static const char *status(void)
{
	static char line[128];
	int fd = open("mqx/ct_nx", O_RDONLY);
	if (fd < 0)
		fail("open: %s", errname(errno));
	long n = read(fd, line, sizeof line - 1);
	line[n > 0 ? n : 0] = 0;
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	/* Closing this descriptor would flush; keep it for the exec. */
	return line;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		OUT("after_exec", "%s", status());
		return 0;
	}
	mkdir("mqx", 0755);
	SYS(mount("none", "mqx", "mqueue", 0, NULL));
	mqunlink("ct_nx");
	int q = SYS(mqopen("ct_nx", O_RDWR | O_CREAT, 0600, NULL));
	EQ("mq_open_cloexec", fcntl(q, F_GETFD), FD_CLOEXEC);
	struct sigevent none = {0};
	none.sigev_notify = SIGEV_NONE;
	pid_t c = SYS(fork());
	if (c == 0) {
		SYS(syscall(SYS_mq_notify, q, &none));
		const char *s = status();
		EQ("registered_before_exec", strstr(s, "NOTIFY:1") != NULL, 1);
		char *av[] = {argv[0], "exec", NULL};
		execv("/proc/self/exe", av);
		fail("execv: %s", errname(errno));
	}
	STREQ("child", wstatus(reap(c)), "exit 0");
	/* dup2 over a queue descriptor and close_range close it too. */
	SYS(syscall(SYS_mq_notify, q, &none));
	int q2 = SYS(dup(q));
	SYS(dup2(0, q2));
	EQ("dup2_flushes", strstr(status(), "NOTIFY:0") != NULL, 1);
	SYS(syscall(SYS_mq_notify, q, &none));
	q2 = SYS(dup(q));
	SYS(syscall(SYS_close_range, q2, q2, CLOSE_RANGE_CLOEXEC));
	EQ("close_range_cloexec_keeps", strstr(status(), "NOTIFY:1") != NULL, 1);
	SYS(syscall(SYS_close_range, q2, q2, 0));
	EQ("close_range_flushes", strstr(status(), "NOTIFY:0") != NULL, 1);
	SYS(mqunlink("ct_nx"));
	umount2("mqx", MNT_DETACH);
	pass();
}
