/* pidfd_open names a process: EINVAL for pid <= 0, bad flags or a thread
 * that is not a process, ESRCH for no such pid; the fd is close-on-exec and
 * becomes readable (poll POLLIN) when the process exits.
 * pidfd_send_signal signals through a pidfd or a /proc/<pid> directory
 * (EBADF for other files, EINVAL for flags or a si_signo that differs),
 * with siginfo too; after the process is reaped it is ESRCH. */
#include "contract.h"
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>

static volatile pid_t side_tid;
static volatile int stop;

static void *side(void *arg)
{
	(void)arg;
	side_tid = syscall(SYS_gettid);
	while (!stop)
		usleep(1000);
	return NULL;
}

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static short revents(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	poll(&p, 1, 0);
	return p.revents;
}

static volatile sig_atomic_t got, got_code, got_value;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	got++;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
}

int main(void)
{
	ERR("pid0", pidfd_open(0, 0), EINVAL);
	ERR("negative", pidfd_open(-1, 0), EINVAL);
	ERR("flags", pidfd_open(getpid(), 1), EINVAL);
	ERR("nosuchpid", pidfd_open(999999, 0), ESRCH);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, side, NULL) == 0);
	while (!side_tid)
		usleep(1000);
	ERR("thread", pidfd_open(side_tid, 0), EINVAL);
	stop = 1;
	pthread_join(th, NULL);

	int self = SYS(pidfd_open(getpid(), 0));
	EQ("cloexec", fcntl(self, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	EQ("accmode", fcntl(self, F_GETFL) & O_ACCMODE, O_RDWR);
	int nb = SYS(pidfd_open(getpid(), O_NONBLOCK));
	EQ("nonblock_flag", !!(fcntl(nb, F_GETFL) & O_NONBLOCK), 1);
	EQ("self_poll", revents(self), 0);

	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
	SYS(sigaction(SIGUSR1, &sa, NULL));
	SYS(pidfd_send(self, SIGUSR1, NULL, 0));
	EQ("delivered", got, 1);
	EQ("si_code_user", got_code, SI_USER);
	siginfo_t si = {0};
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 42;
	SYS(pidfd_send(self, SIGUSR1, &si, 0));
	EQ("queued", got, 2);
	EQ("si_code_queue", got_code, SI_QUEUE);
	EQ("si_value", got_value, 42);
	si.si_signo = SIGUSR2;
	ERR("signo_mismatch", pidfd_send(self, SIGUSR1, &si, 0), EINVAL);
	ERR("send_flags", pidfd_send(self, SIGUSR1, NULL, 1), EINVAL);
	ERR("not_pidfd", pidfd_send(0, SIGUSR1, NULL, 0), EBADF);
	ERR("bad_fd", pidfd_send(-1, SIGUSR1, NULL, 0), EBADF);
	ERR("bad_signal", pidfd_send(self, 1000, NULL, 0), EINVAL);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", getpid());
	int procdir = SYS(open(path, O_DIRECTORY | O_RDONLY));
	SYS(pidfd_send(procdir, SIGUSR1, NULL, 0));
	EQ("proc_dir_delivered", got, 3);
	int procfile = SYS(open("/proc/self/status", O_RDONLY));
	ERR("proc_file", pidfd_send(procfile, SIGUSR1, NULL, 0), EBADF);
	int taskdir = SYS(open("/proc/self/task", O_DIRECTORY | O_RDONLY));
	ERR("proc_task_dir", pidfd_send(taskdir, SIGUSR1, NULL, 0), EBADF);

	int p[2];
	SYS(pipe(p));
	pid_t child = SYS(fork());
	if (child == 0) {
		char c;
		read(p[0], &c, 1);
		_exit(3);
	}
	int cfd = SYS(pidfd_open(child, 0));
	EQ("child_running_poll", revents(cfd), 0);
	SYS(write(p[1], "x", 1));
	struct pollfd pf = {.fd = cfd, .events = POLLIN};
	EQ("child_exit_poll", poll(&pf, 1, 5000), 1);
	EQ("child_exit_revents", pf.revents, POLLIN);
	errno = 0;
	long r = pidfd_send(cfd, SIGTERM, NULL, 0);
	OUT("zombie_send", "%ld %s", r, r < 0 ? errname(errno) : "");
	STREQ("status", wstatus(reap(child)), "exit 3");
	ERR("reaped_send", pidfd_send(cfd, SIGTERM, NULL, 0), ESRCH);
	EQ("reaped_poll", revents(cfd), POLLIN);
	pass();
}
