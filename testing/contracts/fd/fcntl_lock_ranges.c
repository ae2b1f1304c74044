/* fcntl record locks: byte ranges from l_whence SEEK_SET/CUR/END, l_len 0
 * (to EOF) and negative l_len; a process's own ranges split and merge (seen
 * by another process through F_GETLK, which reports the first conflicting
 * lock and its holder, or only rewrites l_type when nothing conflicts);
 * argument errors. */
#include "contract.h"
#include <limits.h>

static pid_t parent;

static const char *tname(short t)
{
	return t == F_RDLCK ? "rd" : t == F_WRLCK ? "wr" : t == F_UNLCK ? "un" : "?";
}

/* probe prints what F_GETLK tells about a type lock over start/len. */
static void probe(const char *key, int fd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = 4242 };
	if (fcntl(fd, F_GETLK, &fl) == -1) {
		OUT(key, "%s", errname(errno));
		return;
	}
	if (fl.l_type == F_UNLCK)
		OUT(key, "unlocked start=%lld len=%lld pid_kept=%d", (long long)fl.l_start, (long long)fl.l_len, fl.l_pid == 4242);
	else
		OUT(key, "%s start=%lld len=%lld whence=%d pid_is_parent=%d", tname(fl.l_type),
		    (long long)fl.l_start, (long long)fl.l_len, fl.l_whence, fl.l_pid == parent);
}

static int lk(int fd, short type, short whence, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };
	return fcntl(fd, F_SETLK, &fl);
}

/* stage runs the probes of stage n in a child, which owns no lock. */
static void stage(int n, int fd)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		switch (n) {
		case 1:
			probe("s1_wr_all", fd, F_WRLCK, 0, 0);
			probe("s1_rd_all", fd, F_RDLCK, 0, 0);
			probe("s1_wr_20", fd, F_WRLCK, 20, 5);
			probe("s1_rd_25", fd, F_RDLCK, 25, 100);
			probe("s1_wr_30", fd, F_WRLCK, 30, 0);
			probe("s1_wr_5_5", fd, F_WRLCK, 5, 5);
			probe("s1_wr_5_6", fd, F_WRLCK, 5, 6);
			break;
		case 2:
			probe("s2_merged", fd, F_WRLCK, 35, 1);
			break;
		case 3:
			probe("s3_left", fd, F_WRLCK, 0, 0);
			probe("s3_hole", fd, F_WRLCK, 14, 2);
			probe("s3_right", fd, F_WRLCK, 15, 3);
			break;
		case 4:
			probe("s4_rd_all", fd, F_RDLCK, 0, 0);
			probe("s4_rd_mid", fd, F_RDLCK, 12, 6);
			probe("s4_wr_mid", fd, F_WRLCK, 12, 1);
			probe("s4_rd_13", fd, F_RDLCK, 13, 10);
			break;
		case 5:
			probe("s5_merged", fd, F_WRLCK, 15, 1);
			break;
		case 6:
			probe("s6_neg_len", fd, F_WRLCK, 55, 1);
			probe("s6_from_end", fd, F_RDLCK, 1000, 1);
			probe("s6_before_neg", fd, F_WRLCK, 40, 10);
			break;
		case 7:
			probe("s7_all", fd, F_WRLCK, 0, 0);
			break;
		}
		_exit(0);
	}
	CHECK(WIFEXITED(reap(pid)));
}

int main(void)
{
	parent = getpid();
	int fd = SYS(open("ranges", O_RDWR | O_CREAT, 0644));
	char buf[100] = { 0 };
	writeall(fd, buf, sizeof buf);

	EQ("wr_10_10", lk(fd, F_WRLCK, SEEK_SET, 10, 10), 0);
	EQ("rd_20_10", lk(fd, F_RDLCK, SEEK_SET, 20, 10), 0);
	probe("own_not_seen", fd, F_WRLCK, 0, 0);
	stage(1, fd);
	EQ("rd_30_10", lk(fd, F_RDLCK, SEEK_SET, 30, 10), 0);
	stage(2, fd);
	EQ("un_14_2", lk(fd, F_UNLCK, SEEK_SET, 14, 2), 0);
	stage(3, fd);
	EQ("rd_12_6", lk(fd, F_RDLCK, SEEK_SET, 12, 6), 0);
	stage(4, fd);
	EQ("rd_18_2", lk(fd, F_RDLCK, SEEK_SET, 18, 2), 0);
	EQ("un_10_2", lk(fd, F_UNLCK, SEEK_SET, 10, 2), 0);
	stage(5, fd);
	SYS(lseek(fd, 60, SEEK_SET));
	EQ("cur_neg_len", lk(fd, F_WRLCK, SEEK_CUR, 0, -10), 0);
	EQ("end_to_eof", lk(fd, F_WRLCK, SEEK_END, -10, 0), 0);
	stage(6, fd);
	EQ("unlock_all", lk(fd, F_UNLCK, SEEK_SET, 0, 0), 0);
	stage(7, fd);

	ERR("bad_whence", lk(fd, F_WRLCK, 7, 0, 0), EINVAL);
	ERR("neg_start", lk(fd, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
	ERR("neg_len_before_0", lk(fd, F_WRLCK, SEEK_CUR, 0, -61), EINVAL);
	ERR("end_before_0", lk(fd, F_WRLCK, SEEK_END, -101, 1), EINVAL);
	ERR("bad_type", lk(fd, 5, SEEK_SET, 0, 1), EINVAL);
	ERR("overflow", lk(fd, F_WRLCK, SEEK_SET, LLONG_MAX, 2), EOVERFLOW);
	EQ("max_byte", lk(fd, F_WRLCK, SEEK_SET, LLONG_MAX, 1), 0);
	struct flock un = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	ERR("getlk_unlck", fcntl(fd, F_GETLK, &un), EINVAL);
	int ro = SYS(open("ranges", O_RDONLY));
	int wo = SYS(open("ranges", O_WRONLY));
	ERR("wr_on_rdonly", lk(ro, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	ERR("rd_on_wronly", lk(wo, F_RDLCK, SEEK_SET, 0, 1), EBADF);
	EQ("un_on_rdonly", lk(ro, F_UNLCK, SEEK_SET, 0, 1), 0);
	EQ("rd_on_rdonly", lk(ro, F_RDLCK, SEEK_SET, 0, 1), 0);
	EQ("wr_on_wronly", lk(wo, F_WRLCK, SEEK_SET, 0, 1), 0);
	probe("getlk_on_rdonly", ro, F_WRLCK, 0, 0);
	pass();
}
