/* fadvise64 checks its arguments in Linux's order: EBADF, ESPIPE for a pipe
 * or FIFO, EINVAL for a negative length or unknown advice; valid advice on
 * in-memory files (tmpfs, proc, devices, sockets, directories) succeeds. */
#include "contract.h"
#include <sys/socket.h>
#include <sys/eventfd.h>

static long fadv(int fd, long off, long len, int advice)
{
	return syscall(SYS_fadvise64, fd, off, len, advice);
}

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
	SYS(write(fd, "hello", 5));
	const char *names[] = {"normal", "random", "sequential", "willneed", "dontneed", "noreuse"};
	for (int a = 0; a < 6; a++)
		EQ(names[a], fadv(fd, 0, 0, a), 0);
	EQ("offset_len", fadv(fd, 4096, 1 << 20, 3), 0);
	EQ("negative_offset", fadv(fd, -1, 10, 3), 0);
	ERR("bad_advice", fadv(fd, 0, 0, 6), EINVAL);
	ERR("negative_len", fadv(fd, 0, -1, 3), EINVAL);
	ERR("negative_len_bad_advice", fadv(fd, 0, -1, 99), EINVAL);
	ERR("badf", fadv(-42, 0, 0, 3), EBADF);
	ERR("closed", fadv(1000, 0, 0, 99), EBADF);
	int p[2];
	SYS(pipe(p));
	ERR("pipe", fadv(p[0], 0, 0, 3), ESPIPE);
	ERR("pipe_bad_advice", fadv(p[1], 0, -1, 99), ESPIPE);
	SYS(mkfifo("fifo", 0600));
	int ff = SYS(open("fifo", O_RDONLY | O_NONBLOCK));
	ERR("fifo", fadv(ff, 0, 0, 3), ESPIPE);
	int sv[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EQ("socket", fadv(sv[0], 0, 0, 3), 0);
	int efd = SYS(eventfd(0, 0));
	EQ("eventfd", fadv(efd, 0, 0, 3), 0);
	int dfd = SYS(open(".", O_RDONLY | O_DIRECTORY));
	EQ("directory", fadv(dfd, 0, 0, 3), 0);
	int nfd = SYS(open("/dev/null", O_RDONLY));
	EQ("dev_null", fadv(nfd, 0, 0, 4), 0);
	int pfd = SYS(open("/proc/self/status", O_RDONLY));
	EQ("proc", fadv(pfd, 0, 0, 2), 0);
	char buf[8] = {0};
	EQ("data_intact", pread(fd, buf, 5, 0), 5);
	STREQ("data", buf, "hello");
	pass();
}
