/* Open file description locks (F_OFD_*): owned by the description, so two
 * opens in one process conflict, dups and forked children share the lock,
 * closing another descriptor does not release it and the last close does;
 * l_pid must be 0 on input and reads back -1; classic and OFD locks
 * conflict with each other. */
#include "contract.h"

static int ofd(int fd, int cmd, short type, off_t start, off_t len, pid_t pid)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = pid };
	return fcntl(fd, cmd, &fl);
}

/* show prints what a cmd query (F_GETLK or F_OFD_GETLK) on fd reports. */
static void show(const char *key, int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	if (fcntl(fd, cmd, &fl) == -1) {
		OUT(key, "%s", errname(errno));
		return;
	}
	if (fl.l_type == F_UNLCK)
		OUT(key, "unlocked");
	else
		OUT(key, "%s start=%lld len=%lld pid=%d", fl.l_type == F_RDLCK ? "rd" : "wr",
		    (long long)fl.l_start, (long long)fl.l_len, fl.l_pid);
}

int main(void)
{
	int a = SYS(open("ofd", O_RDWR | O_CREAT, 0644));
	int b = SYS(open("ofd", O_RDWR));
	SYS(ftruncate(a, 100));

	ERR("setlk_pid_nonzero", ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10, 1), EINVAL);
	ERR("getlk_pid_nonzero", ofd(a, F_OFD_GETLK, F_WRLCK, 0, 10, 1), EINVAL);
	EQ("a_wr", ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10, 0), 0);
	ERR("b_wr_same_process", ofd(b, F_OFD_SETLK, F_WRLCK, 5, 1, 0), EAGAIN);
	ERR("b_rd_same_process", ofd(b, F_OFD_SETLK, F_RDLCK, 9, 5, 0), EAGAIN);
	EQ("b_wr_outside", ofd(b, F_OFD_SETLK, F_WRLCK, 10, 5, 0), 0);
	show("b_sees_a", b, F_OFD_GETLK, F_RDLCK, 0, 0);
	show("a_sees_b", a, F_OFD_GETLK, F_RDLCK, 5, 0);
	show("a_own_not_seen", a, F_OFD_GETLK, F_WRLCK, 0, 10);
	show("classic_getlk_sees_ofd", a, F_GETLK, F_WRLCK, 0, 0);
	ERR("classic_setlk_conflicts", ofd(a, F_SETLK, F_RDLCK, 0, 1, 0), EAGAIN);
	ERR("a_vs_b_range", ofd(a, F_OFD_SETLK, F_WRLCK, 12, 1, 0), EAGAIN);
	ERR("ofd_wr_on_rdonly", ({ int r = SYS(open("ofd", O_RDONLY)); int x = ofd(r, F_OFD_SETLK, F_WRLCK, 50, 1, 0); int e = errno; close(r); errno = e; x; }), EBADF);

	/* A dup shares the lock; closing it or another open of the file keeps it. */
	int a2 = SYS(dup(a));
	EQ("dup_same_owner", ofd(a2, F_OFD_SETLK, F_WRLCK, 0, 10, 0), 0);
	SYS(close(a2));
	int c = SYS(open("ofd", O_RDWR));
	SYS(close(c));
	show("kept_after_closes", b, F_OFD_GETLK, F_WRLCK, 0, 1);

	/* A forked child shares the description and so the lock. */
	pid_t pid = SYS(fork());
	if (pid == 0) {
		int ok = ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10, 0) == 0 &&
			 ofd(b, F_OFD_SETLK, F_WRLCK, 0, 1, 0) == -1 && errno == EAGAIN;
		close(a);
		_exit(ok ? 0 : 1);
	}
	STREQ("child_shares", wstatus(reap(pid)), "exit 0");
	show("kept_after_child_close", b, F_OFD_GETLK, F_WRLCK, 0, 1);

	/* Split an OFD lock; unlock part of it. */
	EQ("a_unlock_mid", ofd(a, F_OFD_SETLK, F_UNLCK, 3, 2, 0), 0);
	show("after_split", b, F_OFD_GETLK, F_WRLCK, 3, 0);
	EQ("b_takes_hole", ofd(b, F_OFD_SETLK, F_WRLCK, 3, 2, 0), 0);

	/* The last close of the description releases its locks. */
	SYS(close(a));
	show("after_last_close", b, F_OFD_GETLK, F_WRLCK, 0, 0);
	int d = SYS(open("ofd", O_RDWR));
	show("d_sees_b", d, F_OFD_GETLK, F_WRLCK, 0, 0);
	EQ("d_wr_free", ofd(d, F_OFD_SETLK, F_WRLCK, 0, 3, 0), 0);
	pass();
}
