/* F_SETOWN_EX and F_GETOWN_EX: the owner as (type, pid) — a thread, a
 * process or a process group; F_GETOWN reads the same owner back; bad
 * types are EINVAL and a missing owner ESRCH; with F_OWNER_TID the SIGIO
 * of an O_ASYNC pipe goes to that thread. */
#define _GNU_SOURCE
#include "contract.h"
#include <pthread.h>
#include <sys/syscall.h>

static void show(const char *key, int fd)
{
	struct f_owner_ex o = {.type = 99, .pid = 99};
	if (fcntl(fd, F_GETOWN_EX, &o) < 0) {
		OUT(key, "error %s", errname(errno));
		return;
	}
	OUT(key, "type=%d pid_is=%s getown=%s", o.type,
	    o.pid == 0 ? "0" : o.pid == getpid() ? "self" : o.pid == getpgrp() ? "pgrp" : "other",
	    fcntl(fd, F_GETOWN) == 0 ? "0" : fcntl(fd, F_GETOWN) == getpid() ? "self" : fcntl(fd, F_GETOWN) == -getpgrp() ? "-pgrp" : "other");
}

static volatile pid_t got_tid;
static pid_t thread_tid;
static int rfd, wfd;
static volatile int stop;

static void on_io(int sig, siginfo_t *si, void *uc)
{
	got_tid = syscall(SYS_gettid);
}

static void *thread_main(void *arg)
{
	thread_tid = syscall(SYS_gettid);
	while (!stop)
		usleep(1000);
	return NULL;
}

int main(void)
{
	int p[2];
	SYS(pipe(p));
	rfd = p[0];
	wfd = p[1];
	show("default", rfd);
	SYS(fcntl(rfd, F_SETOWN, getpid()));
	show("after_setown_pid", rfd);
	SYS(setpgid(0, 0));
	SYS(fcntl(rfd, F_SETOWN, -getpgrp()));
	show("after_setown_pgrp", rfd);
	struct f_owner_ex o = {.type = F_OWNER_PID, .pid = getpid()};
	SYS(fcntl(rfd, F_SETOWN_EX, &o));
	show("ex_pid", rfd);
	o.type = F_OWNER_PGRP;
	o.pid = getpgrp();
	SYS(fcntl(rfd, F_SETOWN_EX, &o));
	show("ex_pgrp", rfd);
	o.type = F_OWNER_TID;
	o.pid = getpid();
	SYS(fcntl(rfd, F_SETOWN_EX, &o));
	show("ex_tid_self", rfd);
	o.type = 7;
	ERR("ex_bad_type", fcntl(rfd, F_SETOWN_EX, &o), EINVAL);
	o.type = F_OWNER_PID;
	o.pid = 999999;
	ERR("ex_missing_pid", fcntl(rfd, F_SETOWN_EX, &o), ESRCH);
	o.pid = 0;
	EQ("ex_pid_zero", fcntl(rfd, F_SETOWN_EX, &o), 0);
	show("ex_zero", rfd);
	ERR("getown_ex_bad_pointer", fcntl(rfd, F_GETOWN_EX, (void *)8), EFAULT);

	/* SIGIO to one thread: a handler records which thread ran it. */
	struct sigaction sa = {.sa_sigaction = on_io, .sa_flags = SA_SIGINFO};
	sigaction(SIGIO, &sa, NULL);
	pthread_t th;
	pthread_create(&th, NULL, thread_main, NULL);
	while (!thread_tid)
		usleep(1000);
	/* The main thread blocks SIGIO, so only a thread-directed signal to
	 * the other thread can run the handler there. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	o.type = F_OWNER_TID;
	o.pid = thread_tid;
	SYS(fcntl(rfd, F_SETOWN_EX, &o));
	SYS(fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_ASYNC));
	SYS(write(wfd, "x", 1));
	for (int i = 0; i < 2000 && !got_tid; i++)
		usleep(1000);
	EQ("handled_on_owner_thread", got_tid == thread_tid, 1);
	stop = 1;
	pthread_join(th, NULL);
	pass();
}
