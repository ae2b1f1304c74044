/* A pipe carries bytes in order; EOF once writers close; EPIPE/SIGPIPE once
 * readers close. */
#include "contract.h"

int main(void)
{
	int p[2];
	SYS(pipe(p));
	writeall(p[1], "hello", 5);
	writeall(p[1], "world", 5);
	char buf[16] = {0};
	EQ("read1", read(p[0], buf, 3), 3);
	STREQ("data1", buf, "hel");
	memset(buf, 0, sizeof buf);
	EQ("read2", read(p[0], buf, sizeof buf), 7);
	STREQ("data2", buf, "loworld");
	close(p[1]);
	EQ("eof", read(p[0], buf, 1), 0);
	int q[2];
	SYS(pipe(q));
	close(q[0]);
	signal(SIGPIPE, SIG_IGN);
	ERR("write_no_reader", write(q[1], "x", 1), EPIPE);
	int fl0 = fcntl(p[0], F_GETFL) & O_ACCMODE, fl1 = fcntl(q[1], F_GETFL) & O_ACCMODE;
	EQ("read_end_mode", fl0, O_RDONLY);
	EQ("write_end_mode", fl1, O_WRONLY);
	pass();
}
