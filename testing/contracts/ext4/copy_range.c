/* copy_file_range between ext4 files: offsets given and taken from the
 * descriptors, a copy into the middle of a file and past its end (a
 * hole before it), a source range past the end (short, then 0), the
 * same file with overlapping ranges (EINVAL), bad flags (EINVAL) and a
 * descriptor opened read-only as the destination (EBADF). */
#include "ext4.h"

int main(void)
{
	char buf[20000], back[40000];
	fs_begin("copy_range");
	fill(buf, sizeof buf, 0, 22);
	int in = SYS(open("src", O_CREAT | O_RDWR, 0644));
	writeall(in, buf, sizeof buf);
	int out = SYS(open("dst", O_CREAT | O_RDWR, 0644));
	loff_t ioff = 1000, ooff = 0;
	EQ("with_offsets", copy_file_range(in, &ioff, out, &ooff, 5000, 0), 5000);
	EQ("ioff", ioff, 6000);
	EQ("ooff", ooff, 5000);
	EQ("src_pos_unmoved", lseek(in, 0, SEEK_CUR), 20000);
	SYS(lseek(in, 0, SEEK_SET));
	SYS(lseek(out, 30000, SEEK_SET));
	EQ("from_positions", copy_file_range(in, NULL, out, NULL, 3000, 0), 3000);
	EQ("in_pos", lseek(in, 0, SEEK_CUR), 3000);
	EQ("out_pos", lseek(out, 0, SEEK_CUR), 33000);
	ioff = 19000;
	EQ("short", copy_file_range(in, &ioff, out, NULL, 5000, 0), 1000);
	EQ("at_end", copy_file_range(in, &ioff, out, NULL, 5000, 0), 0);
	ioff = 0;
	loff_t o2 = 100;
	ERR("overlap", copy_file_range(in, &ioff, in, &o2, 1000, 0), EINVAL);
	ERR("flags", copy_file_range(in, NULL, out, NULL, 10, 1), EINVAL);
	int ro = SYS(open("dst", O_RDONLY));
	ERR("ro_dest", copy_file_range(in, NULL, ro, NULL, 10, 0), EBADF);
	close(ro);
	close(in);
	close(out);
	fs_remount("copy_range", 0);
	EQ("size", lstat_of("dst").st_size, 34000);
	EQ("read", read_file("dst", back, sizeof back), 34000);
	EQ("head", check_pattern(back, 5000, 1000, 22), 1);
	EQ("hole", is_zero(back + 5000, 25000), 1);
	EQ("middle", check_pattern(back + 30000, 3000, 0, 22), 1);
	EQ("tail", check_pattern(back + 33000, 1000, 19000, 22), 1);
	fs_end();
}
