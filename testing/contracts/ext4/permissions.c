/* Permission checks on ext4 files as an unprivileged user (a child that
 * drops to uid 1000): reading and writing by mode bits, searching a
 * directory without x, the sticky bit stopping removal of another
 * user's file, and creating in a directory it owns. */
#include "ext4.h"

int main(void)
{
	fs_begin("permissions");
	SYS(chmod(".", 0777));
	SYS(write_file("secret", "s"));
	SYS(chmod("secret", 0600));
	SYS(write_file("public", "p"));
	SYS(chmod("public", 0644));
	SYS(mkdir("noexec", 0766));
	SYS(write_file("noexec/in", "i"));
	SYS(mkdir("sticky", 0777));
	SYS(chmod("sticky", 01777));
	SYS(write_file("sticky/roots", "r"));
	SYS(mkdir("mine", 0755));
	SYS(chown("mine", 1000, 1000));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		fs_mounted = 0; /* the parent unmounts */
		if (setgid(1000) < 0 || setuid(1000) < 0)
			_exit(99);
		ERR("read_secret", open("secret", O_RDONLY), EACCES);
		int fd = open("public", O_RDONLY);
		OUT("read_public", "%s", fd >= 0 ? "ok" : errname(errno));
		close(fd);
		ERR("write_public", open("public", O_WRONLY), EACCES);
		ERR("search_noexec", open("noexec/in", O_RDONLY), EACCES);
		ERR("unlink_sticky", unlink("sticky/roots"), EPERM);
		ERR("chmod_other", chmod("public", 0777), EPERM);
		fd = open("mine/own", O_CREAT | O_WRONLY, 0644);
		OUT("create_own", "%s", fd >= 0 ? "ok" : errname(errno));
		close(fd);
		ERR("create_in_root_dir", open("noexec/x", O_CREAT | O_WRONLY, 0644), EACCES);
		fflush(stdout);
		_exit(0);
	}
	EQ("child", reap(pid), 0);
	struct stat st = lstat_of("mine/own");
	OUT("own", "uid=%d gid=%d mode=%o", st.st_uid, st.st_gid, st.st_mode);
	fs_end();
}
