/* Stores through a shared mapping into holes of a sparse file: after
 * msync the blocks are allocated (st_blocks grows by one block per
 * page stored), pages only read stay holes, and the bytes are on disk
 * after a remount; a private mapping's stores never reach the file. */
#include "ext4.h"
#include <sys/mman.h>

int main(void)
{
	fs_begin("mmap_hole");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	SYS(ftruncate(fd, 64 * 4096));
	char *m = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		fail("mmap: %s", errname(errno));
	long sum = 0;
	for (int i = 0; i < 64; i++)
		sum += m[i * 4096];
	EQ("holes_read_zero", sum, 0);
	for (int i = 0; i < 64; i += 8)
		m[i * 4096 + 7] = 'a' + i / 8;
	SYS(msync(m, 64 * 4096, MS_SYNC));
	struct stat st;
	SYS(fstat(fd, &st));
	/* Eight extents do not fit in the inode: st_blocks counts a leaf. */
	OUT("blocks", "%lld", (long long)st.st_blocks);
	SYS(munmap(m, 64 * 4096));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
	if (p == MAP_FAILED)
		fail("mmap private: %s", errname(errno));
	p[0] = 'P';
	SYS(munmap(p, 4096));
	close(fd);
	fs_remount("mmap_hole", 0);
	fd = SYS(open("f", O_RDONLY));
	int ok = 1;
	char c;
	for (int i = 0; i < 64; i++) {
		SYS(pread(fd, &c, 1, i * 4096 + 7));
		ok &= c == (i % 8 ? 0 : 'a' + i / 8);
	}
	EQ("bytes", ok, 1);
	SYS(pread(fd, &c, 1, 4096));
	EQ("private_not_written", c, 0);
	SYS(fstat(fd, &st));
	OUT("blocks_remount", "%lld", (long long)st.st_blocks);
	EQ("data_at", lseek(fd, 4096, SEEK_DATA), 8 * 4096);
	close(fd);
	fs_end();
}
