/* sched_getaffinity reports the online CPUs (one here); setting an empty or
 * offline-only mask is EINVAL; the mask is inherited by children; a pid no
 * task has, negative ones included, is ESRCH for both calls. */
#include "contract.h"
#include <sched.h>

int main(void)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	long n = syscall(SYS_sched_getaffinity, 0, sizeof s, &s);
	EQ("bytes", n, 8);
	EQ("count", CPU_COUNT(&s), sysconf(_SC_NPROCESSORS_ONLN));
	EQ("cpu0", CPU_ISSET(0, &s), 1);
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	SYS(sched_setaffinity(0, sizeof one, &one));
	cpu_set_t empty;
	CPU_ZERO(&empty);
	ERR("empty", sched_setaffinity(0, sizeof empty, &empty), EINVAL);
	cpu_set_t off;
	CPU_ZERO(&off);
	CPU_SET(1000, &off);
	ERR("offline", sched_setaffinity(0, sizeof off, &off), EINVAL);
	ERR("small_buf", syscall(SYS_sched_getaffinity, 0, 4, &s), EINVAL);
	ERR("nosuchpid", sched_getaffinity(999999, sizeof s, &s), ESRCH);
	ERR("negative_pid", syscall(SYS_sched_getaffinity, -1, sizeof s, &s), ESRCH);
	ERR("set_nosuchpid", sched_setaffinity(999999, sizeof one, &one), ESRCH);
	ERR("set_negative_pid", sched_setaffinity(-1, sizeof one, &one), ESRCH);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		cpu_set_t c;
		sched_getaffinity(0, sizeof c, &c);
		_exit(CPU_COUNT(&c));
	}
	STREQ("child_count", wstatus(reap(pid)), "exit 1");
	EQ("getcpu", sched_getcpu(), 0);
	pass();
}
