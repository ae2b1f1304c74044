/* epoll on procfs files follows their poll methods on Linux: the files of
 * /proc itself (proc_reg_poll), /proc/sys (proc_sys_poll), /proc/swaps and
 * /proc/<pid>/mounts|mountinfo have one and epoll_ctl accepts them; the
 * other files of /proc/<pid> have none (EPERM), as regular files and
 * directories elsewhere. mountinfo reports POLLPRI|POLLERR once after each
 * mount-table change, and a waiter blocked in epoll_wait wakes for it
 * (what systemd's and libmount's mount monitors use). */
#include "contract.h"
#include <sys/epoll.h>
#include <sys/mount.h>

static void try_add(const char *path, int flags)
{
	int ep = SYS(epoll_create1(0));
	int fd = SYS(open(path, flags));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT};
	errno = 0;
	long r = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	char key[128];
	snprintf(key, sizeof key, "add %s", path);
	if (r == 0) {
		struct epoll_event out;
		int n = epoll_wait(ep, &out, 1, 0);
		OUT(key, "ok n=%d events=%#x", n, n == 1 ? out.events : 0);
	} else {
		OUT(key, "%s", errname(errno));
	}
	close(fd);
	close(ep);
}

static const char *describe(int n, struct epoll_event *ev)
{
	static char buf[64];
	if (n < 0)
		snprintf(buf, sizeof buf, "error %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "n=%d events=%#x", n, n > 0 ? ev->events : 0);
	return buf;
}

int main(void)
{
	const char *files[] = {"/proc/swaps", "/proc/self/mounts", "/proc/self/mountinfo", "/proc/mounts",
		"/proc/meminfo", "/proc/uptime", "/proc/stat", "/proc/cmdline", "/proc/sys/kernel/hostname",
		"/proc/sys/kernel/pid_max", "/proc/self/status", "/proc/self/stat", "/proc/self/cmdline",
		"/proc/self/cgroup", "/proc/net/unix"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		try_add(files[i], O_RDONLY);
	SYS(write_file("plain", "x"));
	try_add("plain", O_RDONLY);
	try_add("/proc", O_RDONLY | O_DIRECTORY);

	/* Mount-table changes on mountinfo, watched for EPOLLPRI alone. */
	SYS(mkdir("mnt", 0755));
	int ep = SYS(epoll_create1(0));
	int fd = SYS(open("/proc/self/mountinfo", O_RDONLY));
	struct epoll_event ev = {.events = EPOLLPRI}, out;
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	OUT("before_mount", "%s", describe(epoll_wait(ep, &out, 1, 0), &out));
	SYS(mount("none", "mnt", "tmpfs", 0, NULL));
	OUT("after_mount", "%s", describe(epoll_wait(ep, &out, 1, 0), &out));
	OUT("again", "%s", describe(epoll_wait(ep, &out, 1, 0), &out));
	SYS(umount("mnt"));
	OUT("after_umount", "%s", describe(epoll_wait(ep, &out, 1, 0), &out));
	OUT("again2", "%s", describe(epoll_wait(ep, &out, 1, 0), &out));

	/* A blocked waiter wakes when another process mounts. */
	pid_t pid = SYS(fork());
	if (pid == 0) {
		usleep(100 * 1000);
		SYS(mount("none", "mnt", "tmpfs", 0, NULL));
		exit(0);
	}
	OUT("blocked_wait", "%s", describe(epoll_wait(ep, &out, 1, 5000), &out));
	STREQ("child", wstatus(reap(pid)), "exit 0");
	SYS(umount("mnt"));

	pass();
}
