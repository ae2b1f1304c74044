/* F_GETPIPE_SZ/F_SETPIPE_SZ: the size rounds up to a power-of-two number of
 * pages (0 gives one page), sizes over 2 GiB and negative ones are EINVAL,
 * growing past /proc/sys/fs/pipe-max-size needs privilege (EPERM) while
 * root may, shrinking below what is buffered is EBUSY, and
 * pipe-max-size itself rounds what is written to it (0 to a page). Non-pipes: EBADF. */
#include "contract.h"

int main(void)
{
	int p[2];
	SYS(pipe(p));
	EQ("default", fcntl(p[0], F_GETPIPE_SZ), 65536);
	EQ("set_1", fcntl(p[0], F_SETPIPE_SZ, 1), 4096);
	EQ("set_0", fcntl(p[0], F_SETPIPE_SZ, 0), 4096);
	EQ("set_5000", fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
	EQ("get_other_end", fcntl(p[0], F_GETPIPE_SZ), 8192);
	ERR("negative", fcntl(p[0], F_SETPIPE_SZ, -1), EINVAL);
	ERR("over_2g", fcntl(p[0], F_SETPIPE_SZ, 0x80000001), EINVAL);
	char buf[6000];
	memset(buf, 1, sizeof buf);
	writeall(p[1], buf, sizeof buf);
	ERR("shrink_busy", fcntl(p[0], F_SETPIPE_SZ, 4096), EBUSY);
	EQ("grow_while_full", fcntl(p[0], F_SETPIPE_SZ, 16384), 16384);
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	ERR("not_pipe", fcntl(fd, F_GETPIPE_SZ), EBADF);
	ERR("not_pipe_set", fcntl(fd, F_SETPIPE_SZ, 4096), EBADF);

	char orig[32];
	CHECK(read_file("/proc/sys/fs/pipe-max-size", orig, sizeof orig) > 0);
	OUT("max_size", "%ld", atol(orig));
	EQ("root_past_max", fcntl(p[0], F_SETPIPE_SZ, 2 << 20), 2 << 20);
	SYS(write_file("/proc/sys/fs/pipe-max-size", "100000"));
	char now[32];
	CHECK(read_file("/proc/sys/fs/pipe-max-size", now, sizeof now) > 0);
	OUT("max_rounded", "%ld", atol(now));
	SYS(write_file("/proc/sys/fs/pipe-max-size", "0"));
	CHECK(read_file("/proc/sys/fs/pipe-max-size", now, sizeof now) > 0);
	OUT("max_zero", "%ld", atol(now));
	ERR("max_garbage", write_file("/proc/sys/fs/pipe-max-size", "x"), EINVAL);
	SYS(write_file("/proc/sys/fs/pipe-max-size", "100000"));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		int q[2];
		SYS(pipe(q));
		EQ("user_within", fcntl(q[0], F_SETPIPE_SZ, 131072), 131072);
		ERR("user_past", fcntl(q[0], F_SETPIPE_SZ, 262144), EPERM);
		EQ("user_shrink", fcntl(q[0], F_SETPIPE_SZ, 4096), 4096);
		/* Keeping a size above the limit set by root is fine. */
		EQ("user_keeps_big", fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	SYS(write_file("/proc/sys/fs/pipe-max-size", orig));
	pass();
}
