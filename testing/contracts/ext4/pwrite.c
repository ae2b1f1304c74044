/* pwrite(2) and pread(2): writes at offsets inside, at and past the end
 * (a hole in between reads as zeros), the file position unmoved, pread
 * past the end, negative offsets, and O_APPEND making pwrite append as
 * Linux does. */
#include "ext4.h"

int main(void)
{
	char buf[10000], back[20000];
	fs_begin("pwrite");
	int fd = SYS(open("f", O_CREAT | O_RDWR, 0644));
	fill(buf, 5000, 0, 1);
	EQ("pwrite0", pwrite(fd, buf, 5000, 0), 5000);
	EQ("pos_after", lseek(fd, 0, SEEK_CUR), 0);
	EQ("pwrite_mid", pwrite(fd, "MIDDLE", 6, 4093), 6);
	EQ("pwrite_past", pwrite(fd, "END", 3, 12000), 3);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 12003);
	EQ("pread_all", pread(fd, back, sizeof back, 0), 12003);
	CHECK(check_pattern(back, 4093, 0, 1));
	CHECK(memcmp(back + 4093, "MIDDLE", 6) == 0);
	CHECK(check_pattern(back + 4099, 5000 - 4099, 4099, 1));
	EQ("gap_zero", is_zero(back + 5000, 7000), 1);
	CHECK(memcmp(back + 12000, "END", 3) == 0);
	EQ("pread_eof", pread(fd, back, 10, 12003), 0);
	EQ("pread_far", pread(fd, back, 10, 1 << 30), 0);
	ERR("pread_neg", pread(fd, back, 10, -1), EINVAL);
	ERR("pwrite_neg", pwrite(fd, "x", 1, -5), EINVAL);
	EQ("pwrite_zero_len", pwrite(fd, "x", 0, 50000), 0);
	SYS(fstat(fd, &st));
	EQ("size_after_zero_len", st.st_size, 12003);
	close(fd);
	fd = SYS(open("f", O_WRONLY | O_APPEND));
	EQ("append_pwrite", pwrite(fd, "APP", 3, 0), 3);
	SYS(fstat(fd, &st));
	EQ("append_size", st.st_size, 12006);
	close(fd);
	fd = SYS(open("f", O_RDONLY));
	EQ("head_kept", pread(fd, back, 3, 0), 3);
	CHECK(check_pattern(back, 3, 0, 1));
	EQ("tail", pread(fd, back, 10, 12000), 6);
	back[6] = 0;
	STREQ("tail_bytes", back, "ENDAPP");
	ERR("pwrite_rdonly", pwrite(fd, "x", 1, 0), EBADF);
	close(fd);
	fs_end();
}
