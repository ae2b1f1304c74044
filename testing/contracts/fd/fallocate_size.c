/* fallocate extends the size (or not, with KEEP_SIZE) and punches holes. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	SYS(fallocate(fd, 0, 0, 10000));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 10000);
	EQ("blocks_nonzero", st.st_blocks > 0, 1);
	SYS(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000));
	SYS(fstat(fd, &st));
	EQ("keep_size", st.st_size, 10000);
	SYS(pwrite(fd, "ABCDEFGH", 8, 4096));
	SYS(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096));
	char c = 1;
	EQ("pread", pread(fd, &c, 1, 4098), 1);
	EQ("punched", c, 0);
	ERR("zero_len", fallocate(fd, 0, 0, 0), EINVAL);
	ERR("punch_no_keep", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP);
	pass();
}
