/* clone3 with CLONE_INTO_CGROUP: the child starts in the cgroup whose
 * directory fd is given (its first look at /proc/self/cgroup shows it),
 * the parent stays where it was; a non-cgroup directory fd is EBADF. */
#include "contract.h"
#include <sched.h>
#include <sys/mount.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define CLONE_INTO_CGROUP 0x200000000ULL

struct cargs {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static void first_line(const char *path, char *buf, size_t n)
{
	if (read_file(path, buf, n) < 0)
		fail("read %s", path);
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
}

int main(void)
{
	SYS(mkdir("cg", 0755));
	SYS(mount("cgroup2", "cg", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	SYS(mkdir("cg/into.slice", 0755));
	char before[256];
	first_line("/proc/self/cgroup", before, sizeof before);
	int dfd = SYS(open("cg/into.slice", O_RDONLY | O_DIRECTORY));
	int p[2];
	SYS(pipe(p));
	struct cargs a;
	memset(&a, 0, sizeof a);
	a.flags = CLONE_INTO_CGROUP;
	a.exit_signal = SIGCHLD;
	a.cgroup = dfd;
	long pid = syscall(SYS_clone3, &a, sizeof a);
	if (pid == 0) {
		char buf[256];
		first_line("/proc/self/cgroup", buf, sizeof buf);
		dprintf(p[1], "%s\n", buf);
		_exit(0);
	}
	CHECK(pid > 0);
	STREQ("child", wstatus(reap(pid)), "exit 0");
	char got[256] = {0};
	SYS(read(p[0], got, sizeof got - 1));
	*strchr(got, '\n') = 0;
	STREQ("child_cgroup", got, "0::/into.slice");
	char after[256];
	first_line("/proc/self/cgroup", after, sizeof after);
	EQ("parent_unchanged", strcmp(before, after), 0);
	int plain = SYS(open(".", O_RDONLY | O_DIRECTORY));
	a.cgroup = plain;
	ERR("plain_dir", syscall(SYS_clone3, &a, sizeof a), EBADF);
	close(dfd);
	SYS(rmdir("cg/into.slice"));
	SYS(umount("cg"));
	pass();
}
