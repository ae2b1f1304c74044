/* clone3: struct clone_args size rules (too small EINVAL, beyond a page or
 * a non-zero tail E2BIG), exit_signal and set_tid validation, stack and
 * stack_size together, CLONE_INTO_CGROUP needing the larger struct and a
 * cgroup fd, and a working fork-like clone3 with CLONE_PARENT_SETTID and a
 * chosen pid. */
#include "contract.h"
#include <sched.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

struct cargs {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
	uint64_t tail[4];
};

#define CLONE_INTO_CGROUP 0x200000000ULL
#define CLONE_CLEAR_SIGHAND 0x100000000ULL

static long c3(struct cargs *a, size_t size) { return syscall(SYS_clone3, a, size); }

int main(void)
{
	struct cargs a;
	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	ERR("size0", c3(&a, 0), EINVAL);
	ERR("size63", c3(&a, 63), EINVAL);
	ERR("size_page", c3(&a, 4097), E2BIG);
	a.tail[1] = 1;
	ERR("tail", c3(&a, sizeof a), E2BIG);
	a.tail[1] = 0;
	ERR("fault", c3((void *)8, 64), EFAULT);
	a.exit_signal = 65;
	ERR("exit_signal65", c3(&a, 64), EINVAL);
	a.exit_signal = 0x100 | SIGCHLD;
	ERR("exit_signal_high", c3(&a, 64), EINVAL);
	a.exit_signal = SIGCHLD;
	a.stack = 0x10000;
	ERR("stack_no_size", c3(&a, 64), EINVAL);
	a.stack = 0;
	a.stack_size = 4096;
	ERR("size_no_stack", c3(&a, 64), EINVAL);
	a.stack_size = 0;
	a.set_tid_size = 1;
	ERR("set_tid_size_no_array", c3(&a, 80), EINVAL);
	pid_t want = 4321;
	a.set_tid = (uintptr_t)&want;
	a.set_tid_size = 0;
	ERR("set_tid_no_size", c3(&a, 80), EINVAL);
	a.set_tid_size = 40;
	ERR("set_tid_size_big", c3(&a, 80), EINVAL);
	a.set_tid_size = 2;
	ERR("set_tid_size_2", c3(&a, 80), EINVAL);
	a.set_tid = 0;
	a.set_tid_size = 0;
	a.flags = CLONE_INTO_CGROUP;
	ERR("cgroup_small", c3(&a, 80), EINVAL);
	a.cgroup = SYS(open("/dev/null", O_RDONLY));
	ERR("cgroup_not_cgroup", c3(&a, 88), EBADF);
	a.cgroup = 1000;
	ERR("cgroup_badfd", c3(&a, 88), EBADF);
	a.cgroup = 0;
	a.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
	ERR("clear_sighand_with_sighand", c3(&a, 64), EINVAL);
	a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	ERR("thread_with_exit_signal", c3(&a, 64), EINVAL);
	a.flags = 0x400000; /* CLONE_DETACHED */
	ERR("detached", c3(&a, 64), EINVAL);

	/* a fork-like clone3 with a zero tail beyond the known size */
	memset(&a, 0, sizeof a);
	pid_t ptid = 0;
	a.flags = CLONE_PARENT_SETTID;
	a.parent_tid = (uintptr_t)&ptid;
	a.exit_signal = SIGCHLD;
	long pid = c3(&a, sizeof a);
	if (pid == 0)
		_exit(7);
	CHECK(pid > 0);
	EQ("parent_settid", ptid == pid, 1);
	STREQ("child", wstatus(reap(pid)), "exit 7");

	/* set_tid picks the child's pid; a pid in use is EEXIST */
	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	a.set_tid = (uintptr_t)&want;
	a.set_tid_size = 1;
	pid = c3(&a, 80);
	if (pid == 0)
		_exit(getpid() == 4321 ? 0 : 1);
	EQ("set_tid_pid", pid, 4321);
	STREQ("set_tid_child", wstatus(reap(pid)), "exit 0");
	want = getpid();
	ERR("set_tid_in_use", c3(&a, 80), EEXIST);
	want = -3;
	ERR("set_tid_negative", c3(&a, 80), EINVAL);
	want = 4322;
	pid = fork();
	if (pid == 0) {
		setresuid(1000, 1000, 1000);
		long r = c3(&a, 80);
		if (r == 0)
			_exit(5);
		_exit(r == -1 && errno == EPERM ? 0 : 1);
	}
	STREQ("set_tid_unprivileged", wstatus(reap(pid)), "exit 0");

	/* exit_signal 0: no SIGCHLD, reaped with __WALL */
	memset(&a, 0, sizeof a);
	pid = c3(&a, 64);
	if (pid == 0)
		_exit(3);
	int st;
	ERR("wait_plain", waitpid(pid, &st, WNOHANG), ECHILD);
	EQ("wait_wall", waitpid(pid, &st, __WALL) == pid, 1);
	STREQ("wall_status", wstatus(st), "exit 3");
	pass();
}
