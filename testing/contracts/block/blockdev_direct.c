/* O_DIRECT on a block device: the offset and the length must be whole
 * logical sectors and the buffer 512-byte aligned (EINVAL otherwise);
 * aligned transfers work and see the buffered writes. */
#include "contract.h"
#include <stdlib.h>

int main(void)
{
	int fd = SYS(open("/dev/vda2", O_RDWR | O_DIRECT));
	void *p;
	CHECK(posix_memalign(&p, 4096, 8192) == 0);
	char *buf = p;
	EQ("aligned_read", pread(fd, buf, 4096, 0), 4096);
	OUT("magic_prefix", "%.21s", buf);
	ERR("offset_unaligned", pread(fd, buf, 512, 1), EINVAL);
	ERR("length_unaligned", pread(fd, buf, 100, 0), EINVAL);
	ERR("write_offset_unaligned", pwrite(fd, buf, 512, 256), EINVAL);
	ERR("buffer_unaligned", pread(fd, buf + 1, 512, 0), EINVAL);
	ERR("write_buffer_unaligned", pwrite(fd, buf + 8, 512, 0), EINVAL);
	EQ("buffer_512_aligned", pread(fd, buf + 512, 512, 0), 512);
	EQ("misaligned_at_end", pread(fd, buf + 1, 512, 16384LL * 512), 0);
	memset(buf, 'D', 1024);
	EQ("aligned_write", pwrite(fd, buf, 1024, 8192), 1024);
	int b = SYS(open("/dev/vda2", O_RDONLY));
	char c[4] = {0};
	EQ("buffered_read", pread(b, c, 3, 8192 + 1021), 3);
	STREQ("buffered_data", c, "DDD");
	close(b);
	/* F_SETFL can turn O_DIRECT off: then anything goes. */
	SYS(fcntl(fd, F_SETFL, 0));
	EQ("unaligned_after_setfl", pread(fd, buf, 100, 1), 100);
	close(fd);
	pass();
}
