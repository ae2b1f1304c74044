/* close_range closes a span; CLOSE_RANGE_CLOEXEC only marks it. */
#include "contract.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int main(void)
{
	for (int i = 10; i < 20; i++)
		SYS(dup2(1, i));
	EQ("close_range", syscall(SYS_close_range, 12, 15, 0), 0);
	ERR("closed_12", fcntl(12, F_GETFD), EBADF);
	ERR("closed_15", fcntl(15, F_GETFD), EBADF);
	EQ("open_11", fcntl(11, F_GETFD), 0);
	EQ("open_16", fcntl(16, F_GETFD), 0);
	EQ("cloexec_range", syscall(SYS_close_range, 16, ~0U, CLOSE_RANGE_CLOEXEC), 0);
	EQ("cloexec_16", fcntl(16, F_GETFD), FD_CLOEXEC);
	EQ("cloexec_19", fcntl(19, F_GETFD), FD_CLOEXEC);
	EQ("untouched_10", fcntl(10, F_GETFD), 0);
	ERR("inverted", syscall(SYS_close_range, 5, 4, 0), EINVAL);
	ERR("badflag", syscall(SYS_close_range, 30, 40, 0x80), EINVAL);
	pass();
}
