/* Read-only ext4: a read-only mount refuses creating, writing, unlinking,
 * renaming, truncating, setting times and attributes (EROFS) but reads;
 * MS_REMOUNT to read-only and back to read-write (remount_ro_busy checks
 * the EBUSY while a file is open for writing). */
#include "ext4.h"
#include <sys/xattr.h>

int main(void)
{
	char b[32];
	fs_begin("remount_ro");
	SYS(write_file("f", "content"));
	SYS(mkdir("d", 0755));
	fs_remount("remount_ro", MS_RDONLY);
	read_file("f", b, sizeof b);
	STREQ("read", b, "content");
	ERR("create", open("g", O_CREAT | O_WRONLY, 0644), EROFS);
	ERR("open_write", open("f", O_WRONLY), EROFS);
	ERR("unlink", unlink("f"), EROFS);
	ERR("rename", rename("f", "h"), EROFS);
	ERR("mkdir", mkdir("e", 0755), EROFS);
	ERR("rmdir", rmdir("d"), EROFS);
	ERR("truncate", truncate("f", 0), EROFS);
	ERR("chmod", chmod("f", 0600), EROFS);
	ERR("utimes", utimensat(AT_FDCWD, "f", NULL, 0), EROFS);
	ERR("setxattr", setxattr("f", "user.x", "x", 1, 0), EROFS);
	ERR("symlink", symlink("f", "s"), EROFS);
	ERR("link", link("f", "l"), EROFS);
	char top[600];
	snprintf(top, sizeof top, "%s/mnt", fs_top);
	SYS(mount(NULL, top, NULL, MS_REMOUNT, NULL));
	int fd = SYS(open("f", O_WRONLY | O_APPEND));
	writeall(fd, "+rw", 3);
	close(fd);
	SYS(mount(NULL, top, NULL, MS_REMOUNT | MS_RDONLY, NULL));
	ERR("ro_again", open("g", O_CREAT | O_WRONLY, 0644), EROFS);
	SYS(mount(NULL, top, NULL, MS_REMOUNT, NULL));
	SYS(write_file("g", "new"));
	fs_remount("remount_ro", 0);
	read_file("f", b, sizeof b);
	STREQ("appended", b, "content+rw");
	read_file("g", b, sizeof b);
	STREQ("created", b, "new");
	fs_end();
}
