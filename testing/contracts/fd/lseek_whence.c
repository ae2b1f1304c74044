/* lseek: SET/CUR/END arithmetic, negative results are EINVAL, seeking past
 * the end is allowed, SEEK_DATA/SEEK_HOLE on a sparse tmpfs file. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(fd, "0123456789", 10);
	EQ("set", lseek(fd, 3, SEEK_SET), 3);
	EQ("cur", lseek(fd, 2, SEEK_CUR), 5);
	EQ("end", lseek(fd, -1, SEEK_END), 9);
	ERR("negative", lseek(fd, -20, SEEK_CUR), EINVAL);
	ERR("badwhence", lseek(fd, 0, 42), EINVAL);
	EQ("past_end", lseek(fd, 1 << 20, SEEK_SET), 1 << 20);
	writeall(fd, "x", 1);
	EQ("data0", lseek(fd, 0, SEEK_DATA), 0);
	EQ("hole", lseek(fd, 0, SEEK_HOLE), 4096);
	EQ("data_far", lseek(fd, 8192, SEEK_DATA), 1 << 20);
	ERR("data_past_eof", lseek(fd, (1 << 20) + 1, SEEK_DATA), ENXIO);
	int p[2];
	SYS(pipe(p));
	ERR("pipe", lseek(p[0], 0, SEEK_CUR), ESPIPE);
	pass();
}
