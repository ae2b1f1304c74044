/* Writing a record to /dev/kmsg succeeds and returns the byte count. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
	const char *msg = "<7>contract: kmsg write test\n";
	EQ("write", write(fd, msg, strlen(msg)), (long)strlen(msg));
	int r = SYS(open("/dev/kmsg", O_RDONLY | O_NONBLOCK));
	char buf[2048];
	ssize_t n = read(r, buf, sizeof buf);
	EQ("read_record", n > 0, 1);
	EQ("record_format", strchr(buf, ';') != NULL, 1);
	pass();
}
