/* Shared writable mappings of an ext4 file: stores seen by read(2) at
 * once, msync(MS_SYNC) and MS_ASYNC, MS_INVALIDATE, msync's EINVAL cases,
 * a write(2) seen through the mapping, SIGBUS past the end of the file,
 * and the stored bytes on disk after munmap and a remount. */
#include "ext4.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static void onbus(int s) { (void)s; siglongjmp(jb, 1); }

int main(void)
{
	char back[100];
	fs_begin("mmap_shared");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	SYS(ftruncate(fd, 3 * 4096 + 100));
	char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		fail("mmap: %s", errname(errno));
	memcpy(m, "first page", 10);
	memcpy(m + 4096 + 4000, "straddles the page line", 23);
	memcpy(m + 3 * 4096 + 90, "0123456789", 10);
	EQ("read_sees_store", pread(fd, back, 10, 0), 10);
	EQ("same", memcmp(back, "first page", 10) == 0, 1);
	EQ("msync_sync", msync(m, 4 * 4096, MS_SYNC), 0);
	EQ("msync_async", msync(m + 4096, 4096, MS_ASYNC), 0);
	EQ("msync_invalidate", msync(m, 4096, MS_INVALIDATE), 0);
	ERR("msync_both", msync(m, 4096, MS_SYNC | MS_ASYNC), EINVAL);
	ERR("msync_unaligned", msync(m + 1, 4096, MS_SYNC), EINVAL);
	ERR("msync_badflag", msync(m, 4096, 64), EINVAL);
	EQ("pwrite", pwrite(fd, "WRITTEN", 7, 8192), 7);
	EQ("map_sees_write", memcmp(m + 8192, "WRITTEN", 7) == 0, 1);
	EQ("tail_zero_in_page", m[3 * 4096 + 100] == 0 && m[4 * 4096 - 1] == 0, 1);
	struct sigaction sa = {.sa_handler = onbus};
	sigaction(SIGBUS, &sa, NULL);
	int bus = 0;
	struct stat st;
	SYS(fstat(fd, &st));
	SYS(ftruncate(fd, 2 * 4096));
	if (sigsetjmp(jb, 1) == 0)
		m[3 * 4096] = 1;
	else
		bus = 1;
	EQ("sigbus_past_end", bus, 1);
	SYS(ftruncate(fd, 3 * 4096 + 100));
	EQ("regrown_zero", m[3 * 4096 + 90], 0);
	memcpy(m + 3 * 4096 + 90, "0123456789", 10);
	SYS(msync(m, 4 * 4096, MS_SYNC));
	SYS(munmap(m, 4 * 4096));
	close(fd);
	fs_remount("mmap_shared", 0);
	fd = SYS(open("f", O_RDONLY));
	EQ("r1", pread(fd, back, 10, 0), 10);
	EQ("r1_ok", memcmp(back, "first page", 10) == 0, 1);
	EQ("r2", pread(fd, back, 23, 4096 + 4000), 23);
	EQ("r2_ok", memcmp(back, "straddles the page line", 23) == 0, 1);
	EQ("r3", pread(fd, back, 100, 3 * 4096 + 90), 10);
	EQ("r3_ok", memcmp(back, "0123456789", 10) == 0, 1);
	EQ("size", lstat_of("f").st_size, 3 * 4096 + 100);
	close(fd);
	fs_end();
}
