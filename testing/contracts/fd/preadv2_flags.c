/* preadv2/pwritev2: offset -1 uses and moves the file position, another
 * offset does not; RWF_HIPRI, RWF_DSYNC and RWF_SYNC are accepted on a
 * tmpfs file, an unknown flag is EOPNOTSUPP, an offset below -1 EINVAL;
 * RWF_APPEND writes at the end. RWF_NOWAIT's answer is printed. */
#include "contract.h"
#include <sys/uio.h>

#ifndef RWF_HIPRI
#define RWF_HIPRI 1
#define RWF_DSYNC 2
#define RWF_SYNC 4
#define RWF_NOWAIT 8
#define RWF_APPEND 16
#endif

static long prv2(int fd, void *b, size_t n, long off, int flags)
{
	struct iovec v[2] = {{b, n / 2}, {(char *)b + n / 2, n - n / 2}};
	return syscall(SYS_preadv2, fd, v, 2, off, 0, flags);
}

static long pwv2(int fd, const char *s, long off, int flags)
{
	struct iovec v = {(void *)s, strlen(s)};
	return syscall(SYS_pwritev2, fd, &v, 1, off, 0, flags);
}

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
	SYS(write(fd, "test1tt2t3t5t6t6t8", 18));
	char b[16] = {0};
	EQ("hipri_at_3", prv2(fd, b, 10, 3, RWF_HIPRI), 10);
	STREQ("data", b, "t1tt2t3t5t");
	EQ("pos_unmoved", lseek(fd, 0, SEEK_CUR), 18);
	SYS(lseek(fd, 2, SEEK_SET));
	memset(b, 0, sizeof b);
	EQ("at_pos", prv2(fd, b, 4, -1, 0), 4);
	STREQ("data_pos", b, "st1t");
	EQ("pos_moved", lseek(fd, 0, SEEK_CUR), 6);
	EQ("dsync_write", pwv2(fd, "AB", 0, RWF_DSYNC), 2);
	EQ("sync_write", pwv2(fd, "CD", 2, RWF_SYNC), 2);
	EQ("pos_after_pwrite", lseek(fd, 0, SEEK_CUR), 6);
	EQ("append", pwv2(fd, "ZZ", 0, RWF_APPEND), 2);
	EQ("size_after_append", lseek(fd, 0, SEEK_END), 20);
	memset(b, 0, sizeof b);
	EQ("read_start", prv2(fd, b, 4, 0, 0), 4);
	STREQ("start", b, "ABCD");
	memset(b, 0, sizeof b);
	EQ("read_end", prv2(fd, b, 2, 18, 0), 2);
	STREQ("end", b, "ZZ");
	SYS(lseek(fd, 0, SEEK_SET));
	EQ("append_at_pos", pwv2(fd, "YY", -1, RWF_APPEND), 2);
	EQ("pos_after_append_at_pos", lseek(fd, 0, SEEK_CUR), 22);
	ERR("unknown_flag", prv2(fd, b, 4, 0, 0x100), EOPNOTSUPP);
	ERR("unknown_flag_write", pwv2(fd, "x", 0, 0x100), EOPNOTSUPP);
	ERR("offset_below_minus1", prv2(fd, b, 4, -2, 0), EINVAL);
	errno = 0;
	long r = prv2(fd, b, 4, 0, RWF_NOWAIT);
	OUT("nowait_file", "%ld %s", r, r < 0 ? errname(errno) : "");
	int p[2];
	SYS(pipe(p));
	errno = 0;
	r = prv2(p[0], b, 4, -1, RWF_NOWAIT);
	OUT("nowait_empty_pipe", "%ld %s", r, r < 0 ? errname(errno) : "");
	ERR("pipe_offset", prv2(p[0], b, 4, 0, 0), ESPIPE);
	pass();
}
