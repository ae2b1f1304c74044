/* splice moves data file→pipe→file; tee duplicates pipe contents. */
#include "contract.h"

int main(void)
{
	int in = SYS(open("in", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(in, "splice-data", 11);
	int p[2], q[2];
	SYS(pipe(p));
	SYS(pipe(q));
	loff_t off = 0;
	EQ("to_pipe", splice(in, &off, p[1], NULL, 11, 0), 11);
	EQ("off", off, 11);
	EQ("tee", tee(p[0], q[1], 6, 0), 6);
	int out = SYS(open("out", O_RDWR | O_CREAT | O_TRUNC, 0644));
	EQ("to_file", splice(p[0], NULL, out, NULL, 64, 0), 11);
	char buf[16] = {0};
	EQ("pread", pread(out, buf, sizeof buf, 0), 11);
	STREQ("out", buf, "splice-data");
	memset(buf, 0, sizeof buf);
	EQ("tee_read", read(q[0], buf, sizeof buf), 6);
	STREQ("tee_data", buf, "splice");
	ERR("no_pipe", splice(in, NULL, out, NULL, 1, 0), EINVAL);
	pass();
}
