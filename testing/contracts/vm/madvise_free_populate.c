/* MADV_FREE takes only private anonymous memory (EINVAL for shared or file
 * mappings) and data written after it stays; MADV_POPULATE_READ/WRITE
 * fault pages in (mincore sees them), refuse mappings without the access
 * (EINVAL) and report a page past the end of a file as EFAULT. */
#include "contract.h"
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

int main(void)
{
	char *a = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED && s != MAP_FAILED);
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	writeall(fd, "data", 4);
	char *fp = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *fs = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(fp != MAP_FAILED && fs != MAP_FAILED);
	ERR("free_shared", madvise(s, 4096, MADV_FREE), EINVAL);
	ERR("free_file_private", madvise(fp, 4096, MADV_FREE), EINVAL);
	ERR("free_file_shared", madvise(fs, 4096, MADV_FREE), EINVAL);
	a[0] = 1;
	SYS(madvise(a, 4096, MADV_FREE));
	a[0] = 9;
	EQ("written_after_free", a[0], 9);

	unsigned char vec[4];
	SYS(mincore(a + 4096, 3 * 4096, vec));
	OUT("before_populate", "%d%d%d", vec[0], vec[1], vec[2]);
	SYS(madvise(a + 4096, 3 * 4096, MADV_POPULATE_READ));
	SYS(mincore(a + 4096, 3 * 4096, vec));
	OUT("after_populate_read", "%d%d%d", vec[0], vec[1], vec[2]);
	EQ("reads_zero", a[2 * 4096], 0);
	SYS(madvise(a, 4 * 4096, MADV_POPULATE_WRITE));

	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(none != MAP_FAILED && ro != MAP_FAILED);
	ERR("populate_read_none", madvise(none, 4096, MADV_POPULATE_READ), EINVAL);
	ERR("populate_write_ro", madvise(ro, 4096, MADV_POPULATE_WRITE), EINVAL);
	EQ("populate_read_ro", madvise(ro, 4096, MADV_POPULATE_READ), 0);
	EQ("populate_file", madvise(fs, 4096, MADV_POPULATE_WRITE), 0);
	ERR("populate_past_eof", madvise(fs, 2 * 4096, MADV_POPULATE_READ), EFAULT);
	ERR("populate_hole", madvise(a, 8 * 4096, MADV_POPULATE_READ), ENOMEM);
	pass();
}
