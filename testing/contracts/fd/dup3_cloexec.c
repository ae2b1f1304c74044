/* dup3(O_CLOEXEC) sets FD_CLOEXEC on the new fd only; dup never sets it. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("/dev/null", O_RDONLY | O_CLOEXEC));
	EQ("orig_cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	int d = SYS(dup(fd));
	EQ("dup_cloexec", fcntl(d, F_GETFD) & FD_CLOEXEC, 0);
	int e = SYS(dup3(d, 40, O_CLOEXEC));
	EQ("dup3_fd", e, 40);
	EQ("dup3_cloexec", fcntl(e, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	EQ("src_unchanged", fcntl(d, F_GETFD) & FD_CLOEXEC, 0);
	pass();
}
