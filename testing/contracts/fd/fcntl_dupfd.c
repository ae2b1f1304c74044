/* F_DUPFD picks the lowest fd >= arg; F_DUPFD_CLOEXEC sets the flag. */
#include "contract.h"
#include <sys/resource.h>

int main(void)
{
	int fd = SYS(open("/dev/null", O_RDONLY));
	EQ("dupfd_10", fcntl(fd, F_DUPFD, 10), 10);
	EQ("dupfd_10_again", fcntl(fd, F_DUPFD, 10), 11);
	int c = SYS(fcntl(fd, F_DUPFD_CLOEXEC, 20));
	EQ("dupfd_cloexec_fd", c, 20);
	EQ("dupfd_cloexec_flag", fcntl(c, F_GETFD), FD_CLOEXEC);
	struct rlimit rl;
	SYS(getrlimit(RLIMIT_NOFILE, &rl));
	ERR("dupfd_over_limit", fcntl(fd, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	ERR("dupfd_negative", fcntl(fd, F_DUPFD, -1), EINVAL);
	pass();
}
