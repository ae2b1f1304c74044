/* F_GETFL reports access mode and status flags; F_SETFL changes only
 * O_APPEND/O_NONBLOCK-class flags, never the access mode. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_WRONLY | O_CREAT | O_APPEND, 0644));
	int fl = SYS(fcntl(fd, F_GETFL));
	EQ("accmode", fl & O_ACCMODE, O_WRONLY);
	EQ("append", !!(fl & O_APPEND), 1);
	EQ("nonblock", !!(fl & O_NONBLOCK), 0);
	SYS(fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR));
	fl = SYS(fcntl(fd, F_GETFL));
	EQ("accmode_after", fl & O_ACCMODE, O_WRONLY);
	EQ("append_after", !!(fl & O_APPEND), 0);
	EQ("nonblock_after", !!(fl & O_NONBLOCK), 1);
	ERR("getfl_badf", fcntl(123, F_GETFL), EBADF);
	pass();
}
