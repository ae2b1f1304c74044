/* mincore reports true residency: untouched anonymous pages are not in
 * memory, touched ones are, MADV_DONTNEED takes them out; a tmpfs file's
 * written pages are in memory before this process touches them, its holes
 * are not; shared memory a child touched is. Holes: ENOMEM after filling
 * in the pages before them; unaligned EINVAL; bad vector EFAULT. */
#include "contract.h"
#include <sys/mman.h>

static void show(const char *key, void *p, int pages)
{
	unsigned char vec[16];
	SYS(mincore(p, pages * 4096, vec));
	char s[17];
	for (int i = 0; i < pages; i++)
		s[i] = '0' + (vec[i] & 1);
	s[pages] = 0;
	OUT(key, "%s", s);
}

int main(void)
{
	char *a = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	show("anon_untouched", a, 4);
	a[4096] = 1;
	(void)*(volatile char *)(a + 3 * 4096);
	show("anon_touched", a, 4);
	SYS(madvise(a, 4 * 4096, MADV_DONTNEED));
	show("anon_dontneed", a, 4);

	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	SYS(ftruncate(fd, 4 * 4096));
	SYS(pwrite(fd, "x", 1, 2 * 4096));
	char *fs = mmap(NULL, 4 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	char *fp = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(fs != MAP_FAILED && fp != MAP_FAILED);
	show("file_shared", fs, 4);
	show("file_private", fp, 4);

	char *s = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		s[4096] = 1;
		_exit(0);
	}
	reap(pid);
	show("shared_child_touched", s, 3);

	unsigned char vec[4];
	memset(vec, 0x55, sizeof vec);
	SYS(munmap(a + 2 * 4096, 4096));
	a[0] = 1;
	ERR("hole", mincore(a, 4 * 4096, vec), ENOMEM);
	OUT("before_hole", "%d %d %d", vec[0], vec[1], vec[2] == 0x55);
	ERR("unaligned", mincore(a + 1, 4096, vec), EINVAL);
	ERR("bad_vec", mincore(a, 4096, (unsigned char *)8), EFAULT);
	ERR("unmapped", mincore((void *)0x200000000000, 4096, vec), ENOMEM);
	ERR("past_top", mincore((void *)0x7ffffffff000, 8192, vec), ENOMEM);
	EQ("len_0", mincore(a, 0, vec), 0);
	pass();
}
