/* O_APPEND: every write goes to the end even after lseek and with two
 * descriptors writing in turn; the result survives a remount. */
#include "ext4.h"

int main(void)
{
	fs_begin("append");
	int a = SYS(open("log", O_CREAT | O_WRONLY | O_APPEND, 0644));
	int b = SYS(open("log", O_WRONLY | O_APPEND));
	char line[64];
	for (int i = 0; i < 600; i++) {
		int n = snprintf(line, sizeof line, "line %03d from %c\n", i, i % 2 ? 'b' : 'a');
		writeall(i % 2 ? b : a, line, n);
		if (i % 7 == 0)
			SYS(lseek(a, 0, SEEK_SET));
	}
	EQ("pos_b", lseek(b, 0, SEEK_CUR), 600 * 16);
	int fl = SYS(fcntl(a, F_GETFL));
	EQ("append_flag", !!(fl & O_APPEND), 1);
	/* Clearing O_APPEND with F_SETFL lets writes land at the position. */
	SYS(fcntl(a, F_SETFL, fl & ~O_APPEND));
	SYS(lseek(a, 0, SEEK_SET));
	writeall(a, "LINE", 4);
	close(a);
	close(b);
	fs_remount("append", 0);
	struct stat st = lstat_of("log");
	EQ("size", st.st_size, 600 * 16);
	static char buf[600 * 16 + 1];
	EQ("read", read_file("log", buf, sizeof buf), 600 * 16);
	int ok = memcmp(buf, "LINE 000 from a\n", 16) == 0;
	for (int i = 1; i < 600 && ok; i++) {
		snprintf(line, sizeof line, "line %03d from %c\n", i, i % 2 ? 'b' : 'a');
		ok = memcmp(buf + 16 * i, line, 16) == 0;
	}
	EQ("lines_in_order", ok, 1);
	OUT("hash", "%016llx", (unsigned long long)file_hash("log"));
	fs_end();
}
