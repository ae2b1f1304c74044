/* pidfd_open: flags, bad pids, threads, the descriptor's flags (always
 * close-on-exec), its /proc fd link and fdinfo Pid: line. */
#include "pidfd.h"
#include <pthread.h>

static volatile pid_t tid;
static void *thr(void *a)
{
	(void)a;
	tid = syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

static int fdinfo_pid(int fd)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	if (read_file(path, buf, sizeof buf) < 0)
		fail("fdinfo: %s", errname(errno));
	char *p = strstr(buf, "\nPid:\t");
	return p ? atoi(p + 6) : -100;
}

int main(void)
{
	pid_t c = sleeper();
	ERR("flags", pidfd_open(c, 1), EINVAL);
	ERR("pid0", pidfd_open(0, 0), EINVAL);
	ERR("negative", pidfd_open(-1, 0), EINVAL);
	ERR("nonexistent", pidfd_open(999999, 0), ESRCH);
	int fd = SYS(pidfd_open(c, 0));
	EQ("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EQ("flags_rdwr", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	int nb = SYS(pidfd_open(c, PIDFD_NONBLOCK));
	EQ("nonblock_flag", fcntl(nb, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	char path[64], link[64] = {0};
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	SYS(readlink(path, link, sizeof link - 1));
	STREQ("link", link, "anon_inode:[pidfd]");
	EQ("fdinfo_pid_matches", fdinfo_pid(fd) == c, 1);
	char b[8];
	ERR("read", read(fd, b, sizeof b), EINVAL);
	pthread_t th;
	pthread_create(&th, NULL, thr, NULL);
	while (!tid)
		;
	ERR("thread_id", pidfd_open(tid, 0), EINVAL);
	int self = SYS(pidfd_open(getpid(), 0));
	EQ("self_pid", fdinfo_pid(self) == getpid(), 1);
	kill(c, SIGKILL);
	reap(c);
	EQ("fdinfo_after_reap", fdinfo_pid(fd), -1);
	ERR("reaped", pidfd_open(c, 0), ESRCH);
	pass();
}
