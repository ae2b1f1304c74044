/* RLIMIT_FSIZE: a write crossing the limit is cut short, a write starting
 * at it raises SIGXFSZ and fails with EFBIG, as do truncate, ftruncate and
 * pwrite beyond it; pipes are not files and are not limited. */
#include "contract.h"
#include <sys/resource.h>

static volatile int xfsz;
static void on_xfsz(int sig) { (void)sig; xfsz++; }

int main(void)
{
	signal(SIGXFSZ, on_xfsz);
	struct rlimit lim = {1000, RLIM_INFINITY};
	SYS(setrlimit(RLIMIT_FSIZE, &lim));
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
	char buf[1500];
	memset(buf, 'x', sizeof buf);
	EQ("write_partial", write(fd, buf, 1500), 1000);
	EQ("signals_after_partial", xfsz, 0);
	ERR("write_at_limit", write(fd, buf, 1), EFBIG);
	EQ("signals_after_efbig", xfsz, 1);
	ERR("pwrite_beyond", pwrite(fd, buf, 10, 5000), EFBIG);
	EQ("signals_after_pwrite", xfsz, 2);
	EQ("pwrite_inside", pwrite(fd, buf, 10, 100), 10);
	ERR("ftruncate_beyond", ftruncate(fd, 1001), EFBIG);
	EQ("signals_after_ftruncate", xfsz, 3);
	EQ("ftruncate_at", ftruncate(fd, 1000), 0);
	EQ("ftruncate_shrink", ftruncate(fd, 10), 0);
	ERR("truncate_beyond", truncate("f", 4096), EFBIG);
	EQ("signals_after_truncate", xfsz, 4);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size", st.st_size, 10);
	ERR("fallocate_beyond", fallocate(fd, 0, 0, 2000), EFBIG);
	EQ("signals_after_fallocate", xfsz, 5);
	int p[2];
	SYS(pipe(p));
	EQ("pipe_write", write(p[1], buf, 1500), 1500);
	/* default action: SIGXFSZ kills (core) */
	pid_t pid = SYS(fork());
	if (pid == 0) {
		signal(SIGXFSZ, SIG_DFL);
		lseek(fd, 1000, SEEK_SET);
		write(fd, buf, 1);
		_exit(0);
	}
	int st2 = reap(pid);
	EQ("child_signaled", WIFSIGNALED(st2), 1);
	EQ("child_sig", WTERMSIG(st2), SIGXFSZ);
	/* ignored: EFBIG without a signal */
	signal(SIGXFSZ, SIG_IGN);
	lseek(fd, 2000, SEEK_SET);
	ERR("write_ignored", write(fd, buf, 1), EFBIG);
	/* O_APPEND at the limit */
	int afd = SYS(open("g", O_WRONLY | O_CREAT | O_APPEND, 0644));
	EQ("append_partial", write(afd, buf, 1200), 1000);
	ERR("append_full", write(afd, buf, 1), EFBIG);
	pass();
}
