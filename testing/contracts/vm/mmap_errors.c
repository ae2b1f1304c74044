/* mmap argument errors: zero length, unaligned offset, no sharing type,
 * bad fd, write-shared on a read-only fd, mapping a directory. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
	SYS(ftruncate(fd, 8192));
	int ro = SYS(open("f", O_RDONLY));
	ERR("zero_len", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	ERR("unaligned_off", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
	ERR("no_type", (long)mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
	ERR("bad_fd", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0), EBADF);
	ERR("shared_write_ro", (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
	void *ok = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	EQ("private_write_ro_ok", ok != MAP_FAILED, 1);
	int p[2];
	SYS(pipe(p));
	ERR("pipe", (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED, p[0], 0), ENODEV);
	ERR("unaligned_fixed", (long)mmap((void *)0x10001, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
	ERR("munmap_unaligned", munmap((char *)ok + 1, 4096), EINVAL);
	EQ("munmap_unmapped_ok", munmap((void *)0x200000000000, 4096), 0);
	pass();
}
