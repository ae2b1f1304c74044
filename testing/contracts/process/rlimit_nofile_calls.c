/* RLIMIT_NOFILE bounds every call that makes a descriptor: open, dup, pipe,
 * socket and fcntl(F_DUPFD) fail with EMFILE at the limit; dup2/dup3 to a
 * number at or beyond it is EBADF; F_DUPFD with a start beyond it EINVAL. */
#include "contract.h"
#include <sys/resource.h>
#include <sys/socket.h>

int main(void)
{
	struct rlimit lim = {8, 64};
	SYS(setrlimit(RLIMIT_NOFILE, &lim));
	for (int fd = 3; fd < 100; fd++)
		close(fd);
	int fds[8];
	int n = 0;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			EQ("open_errno_is_emfile", errno, EMFILE);
			break;
		}
		fds[n++] = fd;
		CHECK(n < 8);
	}
	EQ("opened", n, 5);
	ERR("dup", dup(0), EMFILE);
	int p[2];
	ERR("pipe", pipe(p), EMFILE);
	ERR("socket", socket(AF_UNIX, SOCK_STREAM, 0), EMFILE);
	int sv[2];
	ERR("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), EMFILE);
	ERR("fcntl_dupfd", fcntl(0, F_DUPFD, 0), EMFILE);
	ERR("fcntl_dupfd_beyond", fcntl(0, F_DUPFD, 8), EINVAL);
	ERR("fcntl_dupfd_cloexec_beyond", fcntl(0, F_DUPFD_CLOEXEC, 100), EINVAL);
	ERR("dup2_at_limit", dup2(0, 8), EBADF);
	ERR("dup3_beyond", dup3(0, 50, 0), EBADF);
	EQ("dup2_below", dup2(0, 7), 7);
	/* one free slot: pipe needs two */
	close(fds[0]);
	ERR("pipe_one_slot", pipe(p), EMFILE);
	EQ("pipe_left_slot_free", dup(0), fds[0]);
	close(fds[0]);
	close(fds[1]);
	SYS(pipe(p));
	EQ("pipe_ok", p[0] < 8 && p[1] < 8, 1);
	/* lowering the limit below open descriptors keeps them open */
	struct rlimit low = {4, 64};
	SYS(setrlimit(RLIMIT_NOFILE, &low));
	EQ("fd7_still_open", fcntl(7, F_GETFD), 0);
	ERR("dup_after_lower", dup(0), EMFILE);
	ERR("dup2_to_open_above", dup2(0, 7), EBADF);
	ERR("openat_after_lower", openat(AT_FDCWD, "/dev/null", O_RDONLY), EMFILE);
	pass();
}
