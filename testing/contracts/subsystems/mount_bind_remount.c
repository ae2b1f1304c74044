/* A bind mount shows the same files; MS_REMOUNT|MS_BIND|MS_RDONLY makes
 * just that view read-only (EROFS), as systemd does for /dev and friends. */
#include "contract.h"
#include <sys/mount.h>

int main(void)
{
	SYS(mkdir("src", 0755));
	SYS(mkdir("dst", 0755));
	SYS(write_file("src/f", "bound"));
	SYS(mount("src", "dst", NULL, MS_BIND, NULL));
	char buf[8] = {0};
	SYS(read_file("dst/f", buf, sizeof buf));
	STREQ("via_bind", buf, "bound");
	SYS(write_file("dst/g", "new"));
	EQ("visible_in_src", access("src/g", F_OK), 0);
	SYS(mount(NULL, "dst", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	ERR("ro_write", open("dst/h", O_CREAT | O_WRONLY, 0644), EROFS);
	EQ("src_still_rw", write_file("src/h", "ok"), 0);
	SYS(mount(NULL, "dst", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID, NULL));
	EQ("rw_again", write_file("dst/i", "ok"), 0);
	SYS(umount("dst"));
	ERR("unbound", access("dst/f", F_OK), ENOENT);
	SYS(mount("/dev/console", "/dev/console", NULL, MS_BIND, NULL));
	SYS(umount("/dev/console"));
	pass();
}
