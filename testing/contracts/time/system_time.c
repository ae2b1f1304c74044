/* System time is accounted: a loop of cheap system calls runs mostly in
 * the kernel for a good share of the time (ru_stime, times' tms_stime and /proc/self/stat's stime grow,
 * ITIMER_PROF fires) while a user-space loop does not; sleeping costs
 * almost no CPU time of either kind; CLOCK_PROCESS_CPUTIME_ID is the sum of
 * user and system time; a reaped child's system time reaches
 * RUSAGE_CHILDREN. Thresholds are loose: only the split is checked. */
#include "contract.h"
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(int who, double *u, double *s)
{
	struct rusage r;
	SYS(getrusage(who, &r));
	*u = tv(r.ru_utime);
	*s = tv(r.ru_stime);
}

/* syscalls spends about secs of wall time in cheap system calls. */
static void syscalls(double secs)
{
	double end = now(CLOCK_MONOTONIC) + secs;
	char b[64];
	int fd = SYS(open("/dev/null", O_RDWR));
	while (now(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 200; i++) {
			syscall(SYS_getppid);
			write(fd, b, sizeof b);
			read(fd, b, sizeof b);
		}
	close(fd);
}

static volatile unsigned long sink;

static void spin(double secs)
{
	double end = now(CLOCK_MONOTONIC) + secs;
	while (now(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

static volatile sig_atomic_t profs;
static void onprof(int s) { (void)s; profs++; }

int main(void)
{
	double u0, s0, u1, s1;
	usage(RUSAGE_SELF, &u0, &s0);
	double w0 = now(CLOCK_MONOTONIC);
	syscalls(0.4);
	double wall = now(CLOCK_MONOTONIC) - w0;
	usage(RUSAGE_SELF, &u1, &s1);
	EQ("syscall_loop_stime_share", (s1 - s0) > 0.15 * wall, 1);

	struct tms tm;
	SYS(times(&tm));
	EQ("times_stime_positive", tm.tms_stime > 0, 1);
	char stat[1024];
	int fd = SYS(open("/proc/self/stat", O_RDONLY));
	ssize_t n = SYS(read(fd, stat, sizeof stat - 1));
	stat[n] = 0;
	close(fd);
	char *p = strrchr(stat, ')');
	long utime = 0, stime = 0;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime, &stime);
	EQ("proc_stat_stime_positive", stime > 0, 1);

	usage(RUSAGE_SELF, &u0, &s0);
	w0 = now(CLOCK_MONOTONIC);
	spin(0.4);
	wall = now(CLOCK_MONOTONIC) - w0;
	usage(RUSAGE_SELF, &u1, &s1);
	EQ("spin_utime_majority", u1 - u0 > (s1 - s0), 1);
	EQ("spin_utime_share", (u1 - u0) > 0.25 * wall, 1);

	usage(RUSAGE_SELF, &u0, &s0);
	struct timespec nap = {0, 300000000};
	SYS(nanosleep(&nap, NULL));
	usage(RUSAGE_SELF, &u1, &s1);
	EQ("sleep_costs_little", (u1 - u0) + (s1 - s0) < 0.1, 1);

	/* The process CPU clock is user + system time. */
	usage(RUSAGE_SELF, &u0, &s0);
	double c = now(CLOCK_PROCESS_CPUTIME_ID);
	usage(RUSAGE_SELF, &u1, &s1);
	double lo = u0 + s0, hi = u1 + s1;
	EQ("cpu_clock_is_user_plus_system", c > lo - 0.02 - 0.05 * lo && c < hi + 0.02 + 0.05 * hi, 1);

	/* ITIMER_PROF counts system time: it fires in a system-call loop. */
	signal(SIGPROF, onprof);
	struct itimerval it = {{0, 20000}, {0, 20000}};
	SYS(setitimer(ITIMER_PROF, &it, NULL));
	syscalls(0.4);
	struct itimerval off = {{0, 0}, {0, 0}};
	SYS(setitimer(ITIMER_PROF, &off, NULL));
	EQ("itimer_prof_fires_in_syscalls", profs >= 3, 1);

	pid_t pid = SYS(fork());
	if (pid == 0) {
		syscalls(0.3);
		_exit(0);
	}
	int st;
	SYS(waitpid(pid, &st, 0));
	usage(RUSAGE_CHILDREN, &u1, &s1);
	EQ("children_stime", s1 > 0.03, 1);
	pass();
}
