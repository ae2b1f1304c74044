/* MS_REMOUNT to read-only is refused with EBUSY while a file of the
 * filesystem is open for writing, and allowed once it is closed. */
#include "ext4.h"

int main(void)
{
	fs_begin("remount_ro_busy");
	char top[600];
	snprintf(top, sizeof top, "%s/mnt", fs_top);
	int fd = SYS(open("f", O_CREAT | O_WRONLY, 0644));
	writeall(fd, "open for writing", 16);
	ERR("remount_busy", mount(NULL, top, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
	close(fd);
	SYS(mount(NULL, top, NULL, MS_REMOUNT | MS_RDONLY, NULL));
	ERR("ro", open("g", O_CREAT | O_WRONLY, 0644), EROFS);
	SYS(mount(NULL, top, NULL, MS_REMOUNT, NULL));
	fs_end();
}
