/* Resource-limit permissions: lowering works for anyone, raising a hard
 * limit needs privilege (EPERM), soft above hard is EINVAL; prlimit on a
 * process of another user is EPERM, on a missing one ESRCH; a bad resource
 * is EINVAL; /proc/<pid>/limits shows the values. */
#include "contract.h"
#include <sys/resource.h>

static void limits_line(pid_t pid, const char *name)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
	if (read_file(path, buf, sizeof buf) < 0)
		fail("read %s", path);
	char *p = strstr(buf, name);
	if (!p)
		fail("no %s", name);
	char *e = strchr(p, '\n');
	if (e)
		*e = 0;
	printf("limits: %s\n", p);
}

int main(void)
{
	char buf[4096];
	SYS(read_file("/proc/self/limits", buf, sizeof buf));
	char *nl = strchr(buf, '\n');
	*nl = 0;
	printf("header: %s\n", buf);
	struct rlimit r = {100, 200};
	SYS(setrlimit(RLIMIT_NOFILE, &r));
	limits_line(getpid(), "Max open files");
	r.rlim_cur = 7 << 20;
	r.rlim_max = RLIM_INFINITY;
	SYS(setrlimit(RLIMIT_STACK, &r));
	limits_line(getpid(), "Max stack size");
	r.rlim_cur = 5;
	r.rlim_max = 10;
	SYS(setrlimit(RLIMIT_CPU, &r));
	limits_line(getpid(), "Max cpu time");
	r.rlim_cur = RLIM_INFINITY;
	r.rlim_max = RLIM_INFINITY;
	SYS(setrlimit(RLIMIT_CPU, &r));
	ERR("bad_resource", syscall(SYS_prlimit64, 0, 16, NULL, &r), EINVAL);
	ERR("bad_resource_get", getrlimit(99, &r), EINVAL);
	ERR("nopid", syscall(SYS_prlimit64, 999999, RLIMIT_NOFILE, NULL, &r), ESRCH);
	ERR("negpid", syscall(SYS_prlimit64, -1, RLIMIT_NOFILE, NULL, &r), ESRCH);
	ERR("get_fault", syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)8), EFAULT);
	ERR("set_fault", syscall(SYS_setrlimit, RLIMIT_NOFILE, (void *)8), EFAULT);
	struct rlimit huge = {2000000, 2000000};
	ERR("nofile_over_nr_open", setrlimit(RLIMIT_NOFILE, &huge), EPERM);
	/* root may raise the hard limit */
	struct rlimit up = {300, 400};
	EQ("root_raise", setrlimit(RLIMIT_NOFILE, &up), 0);

	pid_t victim = SYS(fork());
	if (victim == 0) {
		pause();
		_exit(0);
	}
	int pfd[2];
	SYS(pipe(pfd));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(20);
		struct rlimit x = {50, 100};
		printf("user_lower: %s\n", setrlimit(RLIMIT_NOFILE, &x) ? errname(errno) : "OK");
		x.rlim_max = 150;
		printf("user_raise_hard: %s\n", setrlimit(RLIMIT_NOFILE, &x) ? errname(errno) : "OK");
		x.rlim_cur = 120;
		x.rlim_max = 100;
		printf("user_soft_over_hard: %s\n", setrlimit(RLIMIT_NOFILE, &x) ? errname(errno) : "OK");
		x.rlim_cur = 100;
		printf("user_soft_to_hard: %s\n", setrlimit(RLIMIT_NOFILE, &x) ? errname(errno) : "OK");
		struct rlimit got;
		printf("user_get_other: %s\n", syscall(SYS_prlimit64, victim, RLIMIT_NOFILE, NULL, &got) ? errname(errno) : "OK");
		printf("user_set_other: %s\n", syscall(SYS_prlimit64, victim, RLIMIT_NOFILE, &x, NULL) ? errname(errno) : "OK");
		pid_t own = fork();
		if (own == 0) {
			pause();
			_exit(0);
		}
		struct rlimit y = {10, 20};
		printf("user_set_own_child: %s\n", syscall(SYS_prlimit64, own, RLIMIT_NOFILE, &y, &got) ? errname(errno) : "OK");
		printf("user_old_of_child: %llu %llu\n", (unsigned long long)got.rlim_cur, (unsigned long long)got.rlim_max);
		fflush(stdout);
		limits_line(own, "Max open files");
		kill(own, SIGKILL);
		waitpid(own, NULL, 0);
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	kill(victim, SIGKILL);
	reap(victim);
	pass();
}
