/* pipe2(O_NONBLOCK): empty read is EAGAIN; a full pipe's write is EAGAIN;
 * default capacity is 65536 bytes; F_GETPIPE_SZ agrees. */
#include "contract.h"

int main(void)
{
	int p[2];
	SYS(pipe2(p, O_NONBLOCK | O_CLOEXEC));
	char c;
	ERR("empty_read", read(p[0], &c, 1), EAGAIN);
	EQ("cloexec", fcntl(p[0], F_GETFD), FD_CLOEXEC);
	EQ("pipe_sz", fcntl(p[0], F_GETPIPE_SZ), 65536);
	static char buf[4096];
	long total = 0;
	for (;;) {
		ssize_t n = write(p[1], buf, sizeof buf);
		if (n < 0) {
			CHECK(errno == EAGAIN);
			break;
		}
		total += n;
	}
	EQ("capacity", total, 65536);
	ERR("full_write", write(p[1], "x", 1), EAGAIN);
	ERR("pipe2_badflag", pipe2(p, 0x4), EINVAL);
	pass();
}
