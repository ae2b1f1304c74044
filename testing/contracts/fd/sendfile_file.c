/* sendfile copies between files, updating the offset pointer, not the fd offset. */
#include "contract.h"
#include <sys/sendfile.h>

int main(void)
{
	int in = SYS(open("in", O_RDWR | O_CREAT | O_TRUNC, 0644));
	writeall(in, "the quick brown fox", 19);
	int out = SYS(open("out", O_RDWR | O_CREAT | O_TRUNC, 0644));
	off_t off = 4;
	EQ("sent", sendfile(out, in, &off, 5), 5);
	EQ("off_after", off, 9);
	EQ("in_offset", lseek(in, 0, SEEK_CUR), 19);
	SYS(lseek(in, 10, SEEK_SET));
	EQ("sent_nooff", sendfile(out, in, NULL, 100), 9);
	EQ("in_offset2", lseek(in, 0, SEEK_CUR), 19);
	char buf[32] = {0};
	EQ("pread", pread(out, buf, sizeof buf, 0), 14);
	STREQ("out", buf, "quickbrown fox");
	pass();
}
