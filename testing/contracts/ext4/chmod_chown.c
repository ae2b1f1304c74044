/* chmod, chown and their variants on ext4: modes with setuid, setgid
 * and sticky bits, owners and groups, lchown on a symlink leaving the
 * target, a write by root keeping setuid, chown clearing setuid, a
 * setgid directory passing its group and bit to new entries; all after
 * a remount. */
#include "ext4.h"

static void show(const char *k, const char *p)
{
	struct stat st = lstat_of(p);
	OUT(k, "mode=%o uid=%d gid=%d", st.st_mode, st.st_uid, st.st_gid);
}

int main(void)
{
	fs_begin("chmod_chown");
	SYS(write_file("f", "x"));
	SYS(chmod("f", 07755));
	show("all_bits", "f");
	SYS(chown("f", 1000, 2000));
	show("chown_clears_suid", "f");
	SYS(chmod("f", 06755));
	int fd = SYS(open("f", O_WRONLY));
	writeall(fd, "y", 1);
	SYS(fchmod(fd, 0640));
	SYS(fchown(fd, -1, 3000));
	close(fd);
	show("fchmod_fchown", "f");
	SYS(symlink("f", "link"));
	SYS(lchown("link", 42, 43));
	show("link", "link");
	show("target_kept", "f");
	SYS(fchmodat(AT_FDCWD, "link", 0600, 0));
	show("chmod_follows", "f");
	SYS(mkdir("sg", 0755));
	SYS(chown("sg", 0, 777));
	SYS(chmod("sg", 02775));
	SYS(write_file("sg/file", "z"));
	SYS(mkdir("sg/sub", 0755));
	show("sg_file", "sg/file");
	show("sg_sub", "sg/sub");
	ERR("missing", chmod("none", 0644), ENOENT);
	fs_remount("chmod_chown", 0);
	show("f_remount", "f");
	show("link_remount", "link");
	show("sg_remount", "sg");
	show("sg_sub_remount", "sg/sub");
	fs_end();
}
