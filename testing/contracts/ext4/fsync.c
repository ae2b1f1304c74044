/* fsync, fdatasync and syncfs on ext4 files and directories, through
 * read-only and write descriptors; fsync on a pipe (EINVAL); data and a
 * new name written and synced are on the disk after a remount. */
#include "ext4.h"

int main(void)
{
	char buf[10000], back[10000];
	fs_begin("fsync");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	fill(buf, sizeof buf, 0, 13);
	writeall(fd, buf, sizeof buf);
	EQ("fsync", fsync(fd), 0);
	EQ("fdatasync", fdatasync(fd), 0);
	EQ("pwrite", pwrite(fd, "SYNC", 4, 20000), 4);
	EQ("fdatasync_extend", fdatasync(fd), 0);
	close(fd);
	fd = SYS(open("f", O_RDONLY));
	EQ("fsync_rdonly", fsync(fd), 0);
	EQ("fdatasync_rdonly", fdatasync(fd), 0);
	EQ("syncfs", syncfs(fd), 0);
	close(fd);
	int d = SYS(open(".", O_RDONLY | O_DIRECTORY));
	SYS(write_file("newname", "n"));
	EQ("fsync_dir", fsync(d), 0);
	EQ("fdatasync_dir", fdatasync(d), 0);
	close(d);
	int p[2];
	SYS(pipe(p));
	ERR("fsync_pipe", fsync(p[0]), EINVAL);
	ERR("fdatasync_pipe", fdatasync(p[1]), EINVAL);
	close(p[0]);
	close(p[1]);
	ERR("fsync_badf", fsync(999), EBADF);
	sync();
	fs_remount("fsync", 0);
	fd = SYS(open("f", O_RDONLY));
	EQ("size", lstat_of("f").st_size, 20004);
	EQ("read", read(fd, back, sizeof back), (long)sizeof back);
	EQ("data", memcmp(buf, back, sizeof buf) == 0, 1);
	EQ("tail", pread(fd, back, 10, 19998), 6);
	EQ("tail_bytes", back[0] == 0 && back[1] == 0 && !memcmp(back + 2, "SYNC", 4), 1);
	close(fd);
	EQ("name_kept", access("newname", F_OK), 0);
	fs_end();
}
