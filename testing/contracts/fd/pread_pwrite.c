/* pread/pwrite use an explicit offset and leave the file offset alone;
 * they fail with ESPIPE on a pipe. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(fd, "0123456789", 10);
	SYS(lseek(fd, 4, SEEK_SET));
	EQ("pwrite", pwrite(fd, "AB", 2, 1), 2);
	char buf[8] = {0};
	EQ("pread", pread(fd, buf, 4, 0), 4);
	STREQ("pread_data", buf, "0AB3");
	EQ("offset", lseek(fd, 0, SEEK_CUR), 4);
	EQ("pread_eof", pread(fd, buf, 4, 100), 0);
	ERR("pread_neg", pread(fd, buf, 1, -1), EINVAL);
	int p[2];
	SYS(pipe(p));
	ERR("pread_pipe", pread(p[0], buf, 1, 0), ESPIPE);
	EQ("pwrite_hole", pwrite(fd, "Z", 1, 20), 1);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 21);
	pass();
}
