/* Creating files on ext4: O_CREAT|O_EXCL, EEXIST, the umask, O_TRUNC,
 * a missing parent, names of 255 and 256 bytes, mknodat of a regular
 * file, and what stat says of a new file; the names survive a remount. */
#include "ext4.h"

int main(void)
{
	fs_begin("create");
	int fd = SYS(open("a", O_CREAT | O_EXCL | O_WRONLY, 0666));
	struct stat st;
	SYS(fstat(fd, &st));
	OUT("mode", "%o", st.st_mode);
	EQ("size", st.st_size, 0);
	EQ("nlink", st.st_nlink, 1);
	EQ("blocks", st.st_blocks, 0);
	EQ("blksize", st.st_blksize, 4096);
	EQ("uid", st.st_uid, 0);
	close(fd);
	ERR("excl_exists", open("a", O_CREAT | O_EXCL | O_WRONLY, 0666), EEXIST);
	umask(077);
	fd = SYS(open("b", O_CREAT | O_WRONLY, 0666));
	SYS(fstat(fd, &st));
	OUT("umask_mode", "%o", st.st_mode);
	writeall(fd, "hello", 5);
	close(fd);
	umask(022);
	fd = SYS(open("b", O_WRONLY | O_TRUNC));
	SYS(fstat(fd, &st));
	EQ("trunc_size", st.st_size, 0);
	close(fd);
	ERR("missing_parent", open("nodir/x", O_CREAT | O_WRONLY, 0644), ENOENT);
	ERR("no_creat", open("c", O_WRONLY), ENOENT);
	char name[300];
	memset(name, 'n', 255);
	name[255] = 0;
	fd = SYS(open(name, O_CREAT | O_WRONLY, 0644));
	close(fd);
	name[255] = 'n';
	name[256] = 0;
	ERR("name_256", open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	SYS(mknodat(AT_FDCWD, "m", S_IFREG | 0600, 0));
	OUT("mknod_mode", "%o", lstat_of("m").st_mode);
	ERR("creat_dir", open(".", O_CREAT | O_WRONLY, 0644), EISDIR);
	fs_remount("create", 0);
	OUT("a_mode", "%o", lstat_of("a").st_mode);
	OUT("b_mode", "%o", lstat_of("b").st_mode);
	name[255] = 0;
	EQ("long_size", lstat_of(name).st_size, 0);
	EQ("entries", count_entries("."), 4);
	fs_end();
}
