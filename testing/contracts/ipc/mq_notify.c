/* mq_notify: SIGEV_SIGNAL fires once, when a message arrives in an empty
 * queue, with si_code SI_MESGQ and the sender's pid; one registration per
 * queue (EBUSY); removal; SIGEV_NONE; argument checks; SIGEV_THREAD's
 * netlink descriptor checks. The queue file shows the registration. */
#include "mq.h"
#include <sys/mount.h>
#include <sys/socket.h>

static int qfile(const char *name, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "mqdir/%s", name);
	return read_file(path, buf, n);
}

int main(void)
{
	mkdir("mqdir", 0755);
	SYS(mount("none", "mqdir", "mqueue", 0, NULL));
	mqunlink("ct_nt");
	int q = SYS(mqopen("ct_nt", O_RDWR | O_CREAT | O_NONBLOCK, 0600, NULL));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 77;
	SYS(syscall(SYS_mq_notify, q, &ev));
	char line[256];
	SYS(qfile("ct_nt", line, sizeof line));
	char want[128];
	snprintf(want, sizeof want, "QSIZE:%-10d NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", 0, 0, SIGUSR1, getpid());
	EQ("file_registered", strcmp(line, want), 0);
	/* Reading the file closed a descriptor of the queue: that dropped
	 * this process's registration (mqueue_flush_file). */
	SYS(qfile("ct_nt", line, sizeof line));
	snprintf(want, sizeof want, "QSIZE:%-10d NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", 0, 0, 0, 0);
	EQ("close_dropped_registration", strcmp(line, want), 0);
	SYS(syscall(SYS_mq_notify, q, &ev));
	ERR("busy", syscall(SYS_mq_notify, q, &ev), EBUSY);
	pid_t c = SYS(fork());
	if (c == 0) {
		ERR("busy_other_process", syscall(SYS_mq_notify, q, &ev), EBUSY);
		SYS(mqsend(q, "abc", 3, 0, NULL));
		_exit(0);
	}
	STREQ("sender", wstatus(reap(c)), "exit 0");
	siginfo_t si;
	struct timespec zero = {0, 0};
	EQ("signal", sigtimedwait(&set, &si, &zero), SIGUSR1);
	EQ("si_code", si.si_code, SI_MESGQ);
	EQ("si_pid_is_sender", si.si_pid == c, 1);
	EQ("si_value", si.si_value.sival_int, 77);
	SYS(qfile("ct_nt", line, sizeof line));
	snprintf(want, sizeof want, "QSIZE:%-10d NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", 3, 0, 0, 0);
	EQ("file_after_fire", strcmp(line, want), 0);
	/* One-shot, and only on empty -> non-empty. */
	SYS(syscall(SYS_mq_notify, q, &ev));
	SYS(mqsend(q, "d", 1, 0, NULL));
	ERR("not_on_nonempty", sigtimedwait(&set, &si, &zero), EAGAIN);
	/* Removal, then SIGEV_NONE registers without a signal. */
	SYS(syscall(SYS_mq_notify, q, NULL));
	struct sigevent none = {0};
	none.sigev_notify = SIGEV_NONE;
	SYS(syscall(SYS_mq_notify, q, &none));
	SYS(qfile("ct_nt", line, sizeof line));
	snprintf(want, sizeof want, "QSIZE:%-10d NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", 4, 1, 0, getpid());
	EQ("file_sigev_none", strcmp(line, want), 0);
	struct sigevent bad = {0};
	bad.sigev_notify = 99;
	ERR("bad_notify", syscall(SYS_mq_notify, q, &bad), EINVAL);
	bad.sigev_notify = SIGEV_SIGNAL;
	bad.sigev_signo = 65;
	ERR("bad_signo", syscall(SYS_mq_notify, q, &bad), EINVAL);
	ERR("not_queue", syscall(SYS_mq_notify, 0, &ev), EBADF);
	ERR("sigevent_fault", syscall(SYS_mq_notify, q, (void *)8), EFAULT);
	char cookie[32] = {0};
	struct sigevent th = {0};
	th.sigev_notify = SIGEV_THREAD;
	th.sigev_value.sival_ptr = cookie;
	int pfd[2];
	SYS(pipe(pfd));
	th.sigev_signo = pfd[0];
	ERR("thread_not_socket", syscall(SYS_mq_notify, q, &th), ENOTSOCK);
	int sv[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	th.sigev_signo = sv[0];
	ERR("thread_not_netlink", syscall(SYS_mq_notify, q, &th), EINVAL);
	th.sigev_signo = 999;
	ERR("thread_bad_fd", syscall(SYS_mq_notify, q, &th), EBADF);
	th.sigev_value.sival_ptr = (void *)8;
	ERR("thread_cookie_fault", syscall(SYS_mq_notify, q, &th), EFAULT);
	SYS(mqunlink("ct_nt"));
	umount("mqdir");
	pass();
}
