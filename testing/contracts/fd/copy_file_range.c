/* copy_file_range copies between files with explicit offsets. */
#include "contract.h"

int main(void)
{
	int in = SYS(open("in", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(in, "0123456789", 10);
	int out = SYS(open("out", O_RDWR | O_CREAT | O_TRUNC, 0644));
	loff_t io = 2, oo = 1;
	EQ("copied", copy_file_range(in, &io, out, &oo, 5, 0), 5);
	EQ("in_off", io, 7);
	EQ("out_off", oo, 6);
	EQ("fd_offsets", lseek(in, 0, SEEK_CUR) + lseek(out, 0, SEEK_CUR), 10);
	char buf[8] = {0};
	EQ("pread", pread(out, buf, 7, 0), 6);
	OUT("data", "%d%s", buf[0], buf + 1);
	CHECK(buf[0] == 0 && strcmp(buf + 1, "23456") == 0);
	io = 100;
	EQ("past_eof", copy_file_range(in, &io, out, NULL, 5, 0), 0);
	ERR("badflags", copy_file_range(in, NULL, out, NULL, 1, 1), EINVAL);
	pass();
}
