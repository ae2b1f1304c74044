/* memfd_create makes an anonymous file: write, mmap shared, readlink name. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	int fd = SYS(memfd_create("contract", MFD_CLOEXEC));
	EQ("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	SYS(ftruncate(fd, 4096));
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	strcpy(m, "via-mmap");
	char buf[16] = {0};
	EQ("pread", pread(fd, buf, 8, 0), 8);
	STREQ("data", buf, "via-mmap");
	char path[64], link[64] = {0};
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	SYS(readlink(path, link, sizeof link - 1));
	STREQ("link", link, "/memfd:contract (deleted)");
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("is_reg", S_ISREG(st.st_mode), 1);
	EQ("size", st.st_size, 4096);
	ERR("badflags", memfd_create("x", 0x100), EINVAL);
	pass();
}
