/* mount(2) of a new filesystem refuses the superblock already mounted at
 * the target itself: sysfs has one superblock, so mounting it on /sys (or
 * again on any sysfs mount's root) is EBUSY (Linux's do_add_mount), while
 * on a directory inside it, or as a bind mount, it is allowed. libselinux's
 * "make sure /sys is mounted" (mount("sysfs", "/sys", "sysfs", 0, 0) ==
 * 0 || errno == EBUSY), which systemd runs at boot, relies on it: a kernel
 * that stacks a second sysfs there leaves it in /proc/mounts. proc and
 * tmpfs make a new superblock on every mount. */
#include "contract.h"
#include <sys/mount.h>
#include <sys/stat.h>

static const char *res(int r) { return r == 0 ? "0" : errname(errno); }

int main(void)
{
	SYS(mkdir("s", 0755));
	SYS(mkdir("p", 0755));
	SYS(mkdir("t", 0755));

	ERR("sysfs_on_sys", mount("sysfs", "/sys", "sysfs", 0, NULL), EBUSY);
	ERR("sysfs_on_sys_flags", mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL), EBUSY);
	SYS(mount("sysfs", "s", "sysfs", 0, NULL));
	ERR("sysfs_again", mount("sysfs", "s", "sysfs", 0, NULL), EBUSY);
	OUT("sysfs_inside", "%s", res(mount("sysfs", "s/class", "sysfs", 0, NULL)));
	struct stat st;
	EQ("inside_has_class", stat("s/class/class", &st) == 0 && S_ISDIR(st.st_mode), 1);
	OUT("umount_inside", "%s", res(umount("s/class")));
	OUT("bind_onto_itself", "%s", res(mount("s", "s", NULL, MS_BIND, NULL)));
	OUT("umount_bind", "%s", res(umount("s")));
	OUT("umount_sysfs", "%s", res(umount("s")));

	SYS(mount("proc", "p", "proc", 0, NULL));
	OUT("proc_again", "%s", res(mount("proc", "p", "proc", 0, NULL)));
	while (umount2("p", MNT_DETACH) == 0)
		;
	SYS(mount("tmpfs", "t", "tmpfs", 0, NULL));
	OUT("tmpfs_again", "%s", res(mount("tmpfs", "t", "tmpfs", 0, NULL)));
	while (umount2("t", MNT_DETACH) == 0)
		;
	pass();
}
