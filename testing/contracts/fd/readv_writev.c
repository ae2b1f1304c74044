/* writev gathers and readv scatters in iovec order; iovcnt limits hold. */
#include "contract.h"
#include <sys/uio.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	struct iovec w[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
	EQ("writev", writev(fd, w, 3), 8);
	SYS(lseek(fd, 0, SEEK_SET));
	char a[2] = {0}, b[4] = {0}, c[8] = {0};
	struct iovec r[3] = {{a, 1}, {b, 3}, {c, 7}};
	EQ("readv", readv(fd, r, 3), 8);
	OUT("parts", "%.1s|%.3s|%s", a, b, c);
	CHECK(a[0] == 'a' && memcmp(b, "bcd", 3) == 0 && strcmp(c, "efgh") == 0);
	ERR("readv_toomany", readv(fd, r, 1025), EINVAL);
	ERR("readv_neg", readv(fd, r, -1), EINVAL);
	EQ("preadv", preadv(fd, r, 1, 5), 1);
	OUT("preadv_byte", "%c", a[0]);
	CHECK(a[0] == 'f');
	pass();
}
