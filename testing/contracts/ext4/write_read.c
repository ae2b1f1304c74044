/* write(2) and read(2) of files of sizes around the 4 KiB block: the
 * bytes come back, sizes and st_blocks are those of fully written files,
 * and a remount reads the same bytes from the disk. */
#include "ext4.h"

static const long sizes[] = {1, 100, 4095, 4096, 4097, 8192, 12289, 65536, 1 << 20};
#define N (sizeof sizes / sizeof sizes[0])

int main(void)
{
	static char buf[1 << 20], back[1 << 20];
	fs_begin("write_read");
	for (unsigned i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof name, "f%ld", sizes[i]);
		int fd = SYS(open(name, O_CREAT | O_RDWR, 0644));
		fill(buf, sizes[i], 0, i);
		/* In pieces of 1000 bytes, so writes straddle blocks. */
		for (long off = 0; off < sizes[i]; off += 1000)
			writeall(fd, buf + off, sizes[i] - off < 1000 ? sizes[i] - off : 1000);
		EQ("pos", lseek(fd, 0, SEEK_CUR), sizes[i]);
		EQ("read_at_eof", read(fd, back, 10), 0);
		SYS(lseek(fd, 0, SEEK_SET));
		long got = 0;
		for (ssize_t r; (r = read(fd, back + got, 3000)) > 0;)
			got += r;
		EQ("read", got, sizes[i]);
		CHECK(check_pattern(back, got, 0, i));
		close(fd);
	}
	fs_remount("write_read", 0);
	for (unsigned i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof name, "f%ld", sizes[i]);
		struct stat st = lstat_of(name);
		OUT(name, "size=%lld blocks=%lld", (long long)st.st_size,
		    sizes[i] <= 16384 ? (long long)st.st_blocks : -1LL);
		int fd = SYS(open(name, O_RDONLY));
		EQ("reread", read(fd, back, sizeof back), sizes[i]);
		CHECK(check_pattern(back, sizes[i], 0, i));
		close(fd);
	}
	fs_end();
}
