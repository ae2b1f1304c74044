/* preadv/pwritev/preadv2/pwritev2 edge cases: negative offsets EINVAL,
 * pipes ESPIPE, too many iovecs EINVAL, a negative iov_len EINVAL, bad
 * iovec pointers EFAULT, offset -1 in the v2 calls meaning the file
 * position, unknown RWF flags EOPNOTSUPP, RWF_APPEND, write-only EBADF. */
#include "contract.h"
#include <sys/uio.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
	char a[8] = "abcdefgh", b[8];
	struct iovec iv = {a, 8};
	EQ("pwritev", pwritev(fd, &iv, 1, 0), 8);
	ERR("pwritev_negoff", syscall(SYS_pwritev, fd, &iv, 1, -1L, 0), EINVAL);
	ERR("preadv_negoff", syscall(SYS_preadv, fd, &iv, 1, -5L, 0), EINVAL);
	int p[2];
	SYS(pipe(p));
	ERR("preadv_pipe", syscall(SYS_preadv, p[0], &iv, 1, 0, 0), ESPIPE);
	ERR("pwritev_pipe", syscall(SYS_pwritev, p[1], &iv, 1, 0, 0), ESPIPE);
	ERR("iovcnt_big", syscall(SYS_preadv, fd, &iv, 1025, 0, 0), EINVAL);
	ERR("iovcnt_neg", syscall(SYS_preadv, fd, &iv, -1L, 0, 0), EINVAL);
	EQ("iovcnt_zero", syscall(SYS_preadv, fd, &iv, 0, 0, 0), 0);
	struct iovec neg = {b, (size_t)-1};
	ERR("iovlen_neg", syscall(SYS_preadv, fd, &neg, 1, 0, 0), EINVAL);
	ERR("iov_fault", syscall(SYS_preadv, fd, (void *)8, 1, 0, 0), EFAULT);
	struct iovec badbuf = {(void *)8, 8};
	ERR("buf_fault", syscall(SYS_preadv, fd, &badbuf, 1, 0, 0), EFAULT);
	ERR("badfd", syscall(SYS_preadv, 999, &iv, 1, 0, 0), EBADF);
	int wo = SYS(open("f", O_WRONLY));
	ERR("read_wronly", syscall(SYS_preadv, wo, &iv, 1, 0, 0), EBADF);
	int dir = SYS(open(".", O_RDONLY | O_DIRECTORY));
	ERR("read_dir", syscall(SYS_preadv, dir, &iv, 1, 0, 0), EISDIR);
	struct iovec rv = {b, 4};
	SYS(lseek(fd, 2, SEEK_SET));
	EQ("preadv2_cur", syscall(SYS_preadv2, fd, &rv, 1, -1L, 0, 0), 4);
	EQ("preadv2_cur_data", memcmp(b, "cdef", 4), 0);
	EQ("position_moved", lseek(fd, 0, SEEK_CUR), 6);
	EQ("preadv2_off", syscall(SYS_preadv2, fd, &rv, 1, 1, 0, 0), 4);
	EQ("position_kept", lseek(fd, 0, SEEK_CUR), 6);
	ERR("preadv2_neg2", syscall(SYS_preadv2, fd, &rv, 1, -2L, 0, 0), EINVAL);
	ERR("preadv2_badflag", syscall(SYS_preadv2, fd, &rv, 1, 0, 0, 0x100), EOPNOTSUPP);
	ERR("preadv2_nowait_pipe", syscall(SYS_preadv2, p[0], &rv, 1, -1L, 0, 8), EOPNOTSUPP);
	struct iovec wv = {"XY", 2};
	EQ("pwritev2_append", syscall(SYS_pwritev2, fd, &wv, 1, 0, 0, 0x10), 2);
	struct stat st;
	fstat(fd, &st);
	EQ("append_size", st.st_size, 10);
	EQ("pwritev2_cur", syscall(SYS_pwritev2, fd, &wv, 1, -1L, 0, 0), 2);
	EQ("cur_after_write", lseek(fd, 0, SEEK_CUR), 8);
	EQ("preadv2_pipe_cur", syscall(SYS_pwritev2, p[1], &wv, 1, -1L, 0, 0), 2);
	pass();
}
