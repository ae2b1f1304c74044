/* /proc/<pid>/ns and the NS_GET_* ioctls on the initial namespaces and an
 * unshared UTS namespace: link text, inode numbers, types, owners,
 * parents, and the errors for what has no owner or parent. */
#include "sec.h"
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>

static const char *lnk(const char *name)
{
	static char buf[64];
	char path[64];
	snprintf(path, sizeof path, "/proc/self/ns/%s", name);
	long n = readlink(path, buf, sizeof buf - 1);
	if (n < 0)
		return errname(errno);
	buf[n] = 0;
	return buf;
}

static int nsopen(const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/ns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static unsigned long ino_of(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		fail("fstat: %s", errname(errno));
	return st.st_ino;
}

int main(void)
{
	const char *fixed[] = {"cgroup", "ipc", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"};
	for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		OUT(fixed[i], "%s", lnk(fixed[i]));
	EQ("mnt_form", strncmp(lnk("mnt"), "mnt:[", 5), 0);
	EQ("net_form", strncmp(lnk("net"), "net:[", 5), 0);
	int uts = SYS(nsopen("uts"));
	struct stat st;
	SYS(fstat(uts, &st));
	EQ("uts_ino", st.st_ino, 4026531838UL);
	EQ("uts_regular", S_ISREG(st.st_mode), 1);
	struct statfs sf;
	SYS(fstatfs(uts, &sf));
	EQ("nsfs_magic", sf.f_type, 0x6e736673);
	EQ("type_uts", ioctl(uts, NS_GET_NSTYPE), CLONE_NEWUTS);
	int user = SYS(nsopen("user"));
	EQ("type_user", ioctl(user, NS_GET_NSTYPE), CLONE_NEWUSER);
	int pid = SYS(nsopen("pid"));
	EQ("type_pid", ioctl(pid, NS_GET_NSTYPE), CLONE_NEWPID);
	int ipc = SYS(nsopen("ipc"));
	EQ("type_ipc", ioctl(ipc, NS_GET_NSTYPE), CLONE_NEWIPC);
	int owner = SYS(ioctl(uts, NS_GET_USERNS));
	EQ("uts_owner_is_init_user", ino_of(owner) == ino_of(user), 1);
	EQ("owner_fd_cloexec", fcntl(owner, F_GETFD), FD_CLOEXEC);
	char path[64], l[64] = {0};
	snprintf(path, sizeof path, "/proc/self/fd/%d", owner);
	SYS(readlink(path, l, sizeof l - 1));
	STREQ("owner_fd_link", l, "user:[4026531837]");
	ERR("init_user_owner", ioctl(user, NS_GET_USERNS), EPERM);
	ERR("init_user_parent", ioctl(user, NS_GET_PARENT), EPERM);
	ERR("init_pid_parent", ioctl(pid, NS_GET_PARENT), EPERM);
	ERR("uts_parent", ioctl(uts, NS_GET_PARENT), EINVAL);
	uid_t uid = 99;
	EQ("owner_uid", ioctl(user, NS_GET_OWNER_UID, &uid), 0);
	EQ("owner_uid_value", uid, 0);
	ERR("owner_uid_not_user", ioctl(uts, NS_GET_OWNER_UID, &uid), EINVAL);
	ERR("unknown_ioctl", ioctl(uts, _IO(0xb7, 0x7f)), ENOTTY);
	pid_t c = SYS(fork());
	if (c == 0) {
		SYS(unshare(CLONE_NEWUTS));
		int nu = SYS(nsopen("uts"));
		EQ("new_uts_differs", ino_of(nu) != 4026531838UL, 1);
		EQ("new_uts_link_matches", strcmp(lnk("uts"), "uts:[4026531838]") != 0, 1);
		EQ("new_uts_type", ioctl(nu, NS_GET_NSTYPE), CLONE_NEWUTS);
		int o = SYS(ioctl(nu, NS_GET_USERNS));
		EQ("new_uts_owner_init_user", ino_of(o), 4026531837UL);
		_exit(0);
	}
	STREQ("unshared_child", wstatus(reap(c)), "exit 0");
	pass();
}
