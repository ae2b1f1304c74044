/* open: O_CREAT|O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_PATH. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_EXCL, 0600));
	writeall(fd, "abc", 3);
	ERR("excl", open("f", O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	int ap = SYS(open("f", O_WRONLY | O_APPEND));
	SYS(lseek(ap, 0, SEEK_SET));
	writeall(ap, "d", 1);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("append_size", st.st_size, 4);
	int tr = SYS(open("f", O_WRONLY | O_TRUNC));
	SYS(fstat(tr, &st));
	EQ("trunc_size", st.st_size, 0);
	ERR("directory", open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	SYS(symlink("f", "l"));
	ERR("nofollow", open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
	int pf = SYS(open("l", O_PATH | O_NOFOLLOW));
	char c;
	ERR("path_read", read(pf, &c, 1), EBADF);
	SYS(fstatat(pf, "", &st, AT_EMPTY_PATH));
	EQ("path_is_link", S_ISLNK(st.st_mode), 1);
	ERR("missing", open("nope", O_RDONLY), ENOENT);
	ERR("write_dir", open(".", O_WRONLY), EISDIR);
	pass();
}
