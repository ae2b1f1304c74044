/* pivot_root(2): the caller's root mount moves to put_old and new_root's
 * mount takes its place; processes whose root or working directory was
 * the old root follow. Errors: EPERM without CAP_SYS_ADMIN, ENOTDIR,
 * EINVAL from a root that is the namespace's first mount (an initramfs),
 * EBUSY when new_root is on the root mount, EINVAL when new_root is not a
 * mount's root or put_old is not under new_root. The success path runs in
 * a child chrooted into a tmpfs mount, so the suite's root is untouched. */
#include "contract.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static long pivot(const char *n, const char *o) { return syscall(SYS_pivot_root, n, o); }

int main(void)
{
	char cwd[256];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	SYS(write_file("file", "f"));
	SYS(mkdir("t", 0755));
	SYS(mount("tmpfs", "t", "tmpfs", 0, "mode=0755"));
	ERR("new_root_file", pivot("file", "t"), ENOTDIR);
	ERR("put_old_file", pivot("t", "file"), ENOTDIR);
	ERR("missing", pivot("nope", "t"), ENOENT);
	/* The suite's root is the initramfs, the namespace's first mount. */
	ERR("initramfs_root", pivot("t", "t"), EINVAL);

	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(setresuid(1000, 1000, 1000));
		ERR("unprivileged", pivot("t", "t"), EPERM);
		_exit(0);
	}
	int st;
	SYS(waitpid(pid, &st, 0));
	EQ("unprivileged_child_ok", st, 0);

	/* t becomes a root: a tmpfs with its own mounts. */
	SYS(write_file("t/marker_old", "old"));
	SYS(mkdir("t/new", 0755));
	SYS(mkdir("t/third", 0755));
	SYS(mkdir("t/plain", 0755));
	pid = SYS(fork());
	if (pid == 0) {
		SYS(chroot("t"));
		SYS(chdir("/"));
		SYS(mount("tmpfs", "/new", "tmpfs", 0, "mode=0755"));
		SYS(mount("tmpfs", "/third", "tmpfs", 0, "mode=0755"));
		SYS(mkdir("/new/old", 0755));
		SYS(mkdir("/new/sub", 0755));
		SYS(write_file("/new/marker_new", "new"));
		ERR("busy_same_mount", pivot("/plain", "/plain"), EBUSY);
		ERR("busy_put_old_on_root", pivot("/new", "/plain"), EBUSY);
		ERR("not_mount_root", pivot("/new/sub", "/new/old"), EINVAL);
		ERR("put_old_not_under", pivot("/new", "/third"), EINVAL);
		SYS(pivot("/new", "/new/old"));
		char here[256];
		CHECK(getcwd(here, sizeof here) != NULL);
		STREQ("cwd_follows", here, "/");
		char buf[16] = {0};
		EQ("new_marker", read_file("/marker_new", buf, sizeof buf), 3);
		STREQ("new_marker_text", buf, "new");
		memset(buf, 0, sizeof buf);
		EQ("old_marker", read_file("/old/marker_old", buf, sizeof buf), 3);
		STREQ("old_marker_text", buf, "old");
		ERR("old_root_mounts_move_along", access("/old/new/marker_new", F_OK), ENOENT);
		EQ("third_under_old", access("/old/third", F_OK), 0);
		SYS(umount2("/old/third", 0));
		SYS(umount2("/old", MNT_DETACH));
		ERR("old_gone", access("/old/marker_old", F_OK), ENOENT);
		_exit(0);
	}
	SYS(waitpid(pid, &st, 0));
	EQ("pivot_child_ok", WIFEXITED(st) && WEXITSTATUS(st) == 0, 1);
	/* The suite's view: new_root's mount took the old root's place, on t. */
	EQ("parent_sees_new_on_t", access("t/marker_new", F_OK), 0);
	ERR("parent_old_gone_from_t", access("t/marker_old", F_OK), ENOENT);
	SYS(umount2("t", MNT_DETACH));
	pass();
}
