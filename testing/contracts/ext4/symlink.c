/* Symlinks on ext4: fast (in the inode, st_blocks 0) and slow (a block)
 * targets of 1, 59, 60, 61, 200 and 4095 bytes, readlink, lstat sizes,
 * following to files and directories, dangling targets, loops (ELOOP),
 * O_NOFOLLOW, a 4096-byte target (ENAMETOOLONG), all after a remount. */
#include "ext4.h"

static const int lens[] = {1, 59, 60, 61, 200, 4095};

int main(void)
{
	char target[4097], back[4097], name[32];
	fs_begin("symlink");
	for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		for (int j = 0; j < lens[i]; j++)
			target[j] = 'a' + (j * 7 + i) % 26;
		target[lens[i]] = 0;
		snprintf(name, sizeof name, "l%d", lens[i]);
		SYS(symlink(target, name));
	}
	memset(target, 'z', 4096);
	target[4096] = 0;
	ERR("len_4096", symlink(target, "toolong"), ENAMETOOLONG);
	SYS(write_file("file", "data"));
	SYS(mkdir("dir", 0755));
	SYS(write_file("dir/in", "in"));
	SYS(symlink("file", "to_file"));
	SYS(symlink("dir", "to_dir"));
	SYS(symlink("nowhere", "dangling"));
	SYS(symlink("loop2", "loop1"));
	SYS(symlink("loop1", "loop2"));
	fs_remount("symlink", 0);
	for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		snprintf(name, sizeof name, "l%d", lens[i]);
		struct stat st = lstat_of(name);
		ssize_t r = SYS(readlink(name, back, sizeof back));
		int ok = r == lens[i];
		for (int j = 0; ok && j < lens[i]; j++)
			ok = back[j] == 'a' + (j * 7 + i) % 26;
		OUT(name, "size=%lld blocks=%lld mode=%o readlink_ok=%d", (long long)st.st_size,
		    (long long)st.st_blocks, st.st_mode, ok);
	}
	EQ("short_buf", readlink("l200", back, 10), 10);
	read_file("to_file", back, sizeof back);
	STREQ("follow_file", back, "data");
	read_file("to_dir/in", back, sizeof back);
	STREQ("follow_dir", back, "in");
	ERR("dangling", open("dangling", O_RDONLY), ENOENT);
	ERR("loop", open("loop1", O_RDONLY), ELOOP);
	ERR("nofollow", open("to_file", O_RDONLY | O_NOFOLLOW), ELOOP);
	ERR("readlink_file", readlink("file", back, sizeof back), EINVAL);
	int fd = SYS(open("dangling", O_CREAT | O_WRONLY, 0644));
	close(fd);
	EQ("creat_through_dangling", S_ISREG(lstat_of("nowhere").st_mode), 1);
	SYS(unlink("to_dir"));
	EQ("dir_kept", access("dir/in", F_OK), 0);
	fs_end();
}
