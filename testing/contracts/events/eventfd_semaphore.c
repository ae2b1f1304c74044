/* EFD_SEMAPHORE: each read returns 1 and decrements the counter. */
#include "contract.h"
#include <sys/eventfd.h>
#include <poll.h>

int main(void)
{
	int fd = SYS(eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK));
	uint64_t v;
	EQ("read1", read(fd, &v, 8), 8);
	EQ("v1", v, 1);
	struct pollfd p = {fd, POLLIN, 0};
	EQ("still_ready", poll(&p, 1, 0), 1);
	EQ("read2", read(fd, &v, 8), 8);
	EQ("v2", v, 1);
	ERR("read3", read(fd, &v, 8), EAGAIN);
	EQ("not_ready", poll(&p, 1, 0), 0);
	ERR("badflags", eventfd(0, 0x10), EINVAL);
	pass();
}
