/* eventfd: writes add, a read returns and resets the counter, EAGAIN when
 * zero (non-blocking), short buffers and overflow are rejected. */
#include "contract.h"
#include <sys/eventfd.h>

int main(void)
{
	int fd = SYS(eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC));
	uint64_t v = 4;
	EQ("write", write(fd, &v, 8), 8);
	EQ("read", read(fd, &v, 8), 8);
	EQ("value", v, 7);
	ERR("empty", read(fd, &v, 8), EAGAIN);
	ERR("short_read", read(fd, &v, 4), EINVAL);
	v = UINT64_MAX;
	ERR("max_write", write(fd, &v, 8), EINVAL);
	v = UINT64_MAX - 1;
	EQ("big_write", write(fd, &v, 8), 8);
	v = 1;
	ERR("overflow", write(fd, &v, 8), EAGAIN);
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	SYS(read_file(path, buf, sizeof buf));
	char *c = strstr(buf, "eventfd-count:");
	CHECK(c != NULL);
	*strchrnul(c, '\n') = 0;
	STREQ("fdinfo", c, "eventfd-count: fffffffffffffffe");
	pass();
}
