/* MADV_DONTNEED by kind of mapping: private anonymous pages read back as
 * zero, a private file page as the file again, shared anonymous and shared
 * file pages keep their data; locked memory refuses it (EINVAL) but takes
 * MADV_DONTNEED_LOCKED. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED && s != MAP_FAILED);
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	char page[4096];
	memset(page, 'F', sizeof page);
	writeall(fd, page, sizeof page);
	char *fp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *fs = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(fp != MAP_FAILED && fs != MAP_FAILED);
	a[0] = 1;
	s[0] = 2;
	fp[0] = 'p';
	EQ("file_before", fs[0], 'F');
	SYS(madvise(a, 4096, MADV_DONTNEED));
	SYS(madvise(s, 4096, MADV_DONTNEED));
	SYS(madvise(fp, 4096, MADV_DONTNEED));
	EQ("private_anon", a[0], 0);
	EQ("shared_anon", s[0], 2);
	EQ("private_file", fp[0], 'F');
	fs[1] = 's';
	SYS(madvise(fs, 4096, MADV_DONTNEED));
	EQ("shared_file", fs[1], 's');
	char c;
	SYS(pread(fd, &c, 1, 1));
	EQ("file_has_it", c, 's');

	char *l = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(l != MAP_FAILED);
	memset(l, 7, 2 * 4096);
	SYS(mlock(l, 4096));
	ERR("locked", madvise(l, 2 * 4096, MADV_DONTNEED), EINVAL);
	EQ("locked_kept", l[0], 7);
	EQ("after_locked_kept", l[4096], 7);
	ERR("locked_free", madvise(l, 4096, MADV_FREE), EINVAL);
	ERR("locked_cold", madvise(l, 4096, MADV_COLD), EINVAL);
	ERR("locked_pageout", madvise(l, 4096, MADV_PAGEOUT), EINVAL);
	EQ("dontneed_locked", madvise(l, 2 * 4096, 24 /* MADV_DONTNEED_LOCKED */), 0);
	EQ("locked_zeroed", l[0], 0);
	EQ("unlocked_zeroed", l[4096], 0);
	pass();
}
