/* Large sequential I/O: 24 MiB written in 1 MiB writes and read back in
 * 128 KiB reads, a hash of the content, and the same after a remount;
 * then the file copied with copy_file_range and compared. */
#include "ext4.h"

#define MB (1 << 20)

int main(void)
{
	static char b[MB];
	fs_begin("large_write");
	int fd = SYS(open("f", O_CREAT | O_WRONLY, 0644));
	for (int i = 0; i < 24; i++) {
		fill(b, MB, (uint64_t)i * MB, 17);
		writeall(fd, b, MB);
	}
	close(fd);
	fd = SYS(open("f", O_RDONLY));
	int ok = 1;
	for (long off = 0; off < 24L * MB; off += 128 * 1024) {
		if (read(fd, b, 128 * 1024) != 128 * 1024)
			fail("read at %ld", off);
		ok &= check_pattern(b, 128 * 1024, off, 17);
	}
	EQ("pattern", ok, 1);
	EQ("eof", read(fd, b, 10), 0);
	close(fd);
	uint64_t h = file_hash("f");
	OUT("hash", "%016llx", (unsigned long long)h);
	int in = SYS(open("f", O_RDONLY));
	int out = SYS(open("copy", O_CREAT | O_WRONLY, 0644));
	long long done = 0;
	for (ssize_t r; (r = copy_file_range(in, NULL, out, NULL, 4 * MB, 0)) > 0;)
		done += r;
	EQ("copied", done, 24LL * MB);
	close(in);
	close(out);
	fs_remount("large_write", 0);
	EQ("hash_remount", file_hash("f") == h, 1);
	EQ("copy_same", file_hash("copy") == h, 1);
	EQ("size", lstat_of("copy").st_size, 24LL * MB);
	fs_end();
}
