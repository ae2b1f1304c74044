/* ioctl FIOCLEX/FIONCLEX toggle close-on-exec; an unknown ioctl on a regular
 * file is ENOTTY; FIONREAD counts pipe bytes. */
#include "contract.h"
#include <sys/ioctl.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
	SYS(ioctl(fd, FIOCLEX));
	EQ("set", fcntl(fd, F_GETFD), FD_CLOEXEC);
	SYS(ioctl(fd, FIONCLEX));
	EQ("clear", fcntl(fd, F_GETFD), 0);
	ERR("tcgets_file", ioctl(fd, TCGETS, &(char[64]){0}), ENOTTY);
	ERR("badfd", ioctl(99, FIOCLEX), EBADF);
	int p[2], n = -1;
	SYS(pipe(p));
	writeall(p[1], "12345", 5);
	SYS(ioctl(p[0], FIONREAD, &n));
	EQ("fionread", n, 5);
	pass();
}
