/* close_range with CLOSE_RANGE_UNSHARE in a process that shares its
 * descriptor table (clone with CLONE_FILES) first takes a private copy, so
 * the other process keeps its descriptors; without the flag the close is
 * seen by both. */
#include "contract.h"
#include <sched.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

/* shared_child runs fn in a child sharing the caller's descriptor table. */
static int shared_child(int (*fn)(void))
{
	fflush(stdout);
	long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail("clone: %s", errname(errno));
	if (pid == 0)
		_exit(fn());
	return reap(pid);
}

static int close_shared(void)
{
	return syscall(SYS_close_range, 20, 20, 0) == 0 ? 0 : 1;
}

static int close_unshared(void)
{
	if (syscall(SYS_close_range, 10, 19, CLOSE_RANGE_UNSHARE) != 0)
		return 1;
	if (fcntl(10, F_GETFD) != -1 || fcntl(19, F_GETFD) != -1)
		return 2; /* not closed in the child's own table */
	/* The table is the child's own now: this close is not the parent's. */
	return syscall(SYS_close_range, 21, 21, 0) == 0 ? 0 : 3;
}

static int cloexec_unshared(void)
{
	if (syscall(SYS_close_range, 22, 22, CLOSE_RANGE_UNSHARE | (1U << 2)) != 0)
		return 1;
	return fcntl(22, F_GETFD) == FD_CLOEXEC ? 0 : 2;
}

int main(void)
{
	for (int i = 10; i < 23; i++)
		SYS(dup2(1, i));
	STREQ("shared_child", wstatus(shared_child(close_shared)), "exit 0");
	ERR("parent_20_closed_by_child", fcntl(20, F_GETFD), EBADF);
	STREQ("unshare_child", wstatus(shared_child(close_unshared)), "exit 0");
	EQ("parent_10_open", fcntl(10, F_GETFD), 0);
	EQ("parent_19_open", fcntl(19, F_GETFD), 0);
	EQ("parent_21_open", fcntl(21, F_GETFD), 0);
	STREQ("cloexec_unshare_child", wstatus(shared_child(cloexec_unshared)), "exit 0");
	EQ("parent_22_not_cloexec", fcntl(22, F_GETFD), 0);
	/* Not shared: the flag changes nothing. */
	EQ("unshare_alone", syscall(SYS_close_range, 12, 13, CLOSE_RANGE_UNSHARE), 0);
	ERR("closed_12", fcntl(12, F_GETFD), EBADF);
	ERR("badflag_unshare", syscall(SYS_close_range, 14, 15, CLOSE_RANGE_UNSHARE | 0x80), EINVAL);
	EQ("open_14", fcntl(14, F_GETFD), 0);
	pass();
}
