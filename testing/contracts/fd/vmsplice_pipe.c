/* vmsplice moves user memory into a pipe (write end) and out of one (read
 * end): iovecs gathered in order, SPLICE_F_GIFT accepted, SPLICE_F_NONBLOCK
 * (not the file's O_NONBLOCK) making a full or empty pipe EAGAIN, no reader
 * EPIPE with SIGPIPE; other descriptors EBADF (except with nothing to
 * move), unknown flags and more than 1024 iovecs EINVAL. */
#include "contract.h"
#include <sys/uio.h>

static int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

int main(void)
{
	signal(SIGPIPE, on_pipe);
	int p[2];
	SYS(pipe(p));
	char a[] = "hello ", b[] = "world";
	struct iovec in[2] = {{a, 6}, {b, 5}};
	EQ("to_pipe", vmsplice(p[1], in, 2, SPLICE_F_GIFT), 11);
	char x[4] = {0}, y[16] = {0};
	struct iovec out[2] = {{x, 3}, {y, sizeof y}};
	EQ("from_pipe", vmsplice(p[0], out, 2, 0), 11);
	STREQ("first", x, "hel");
	STREQ("second", y, "lo world");
	ERR("empty_nonblock", vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK), EAGAIN);
	writeall(p[1], "tail", 4);
	char r[8] = {0};
	EQ("read_after", read(p[0], r, sizeof r), 4);

	/* Fill the pipe; SPLICE_F_NONBLOCK then gives EAGAIN. */
	SYS(fcntl(p[1], F_SETFL, O_NONBLOCK));
	static char big[65536];
	while (write(p[1], big, sizeof big) > 0)
		;
	struct iovec one = {a, 1};
	ERR("full_nonblock", vmsplice(p[1], &one, 1, SPLICE_F_NONBLOCK), EAGAIN);
	SYS(fcntl(p[1], F_SETFL, 0));

	ERR("bad_flags", vmsplice(p[1], in, 2, 0x10), EINVAL);
	static struct iovec many[1025];
	for (int i = 0; i < 1025; i++)
		many[i] = (struct iovec){a, 1};
	ERR("too_many", vmsplice(p[0], many, 1025, 0), EINVAL);
	EQ("zero_segs", vmsplice(p[1], in, 0, 0), 0);
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	ERR("not_pipe", vmsplice(fd, in, 2, 0), EBADF);
	EQ("not_pipe_nothing", vmsplice(fd, in, 0, 0), 0);
	ERR("bad_fd", vmsplice(99, in, 2, 0), EBADF);
	ERR("bad_iov", vmsplice(p[0], (struct iovec *)8, 1, 0), EFAULT);

	int q[2];
	SYS(pipe(q));
	close(q[0]);
	ERR("no_reader", vmsplice(q[1], in, 2, 0), EPIPE);
	EQ("sigpipe", sigpipes, 1);
	pass();
}
