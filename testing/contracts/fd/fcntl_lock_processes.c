/* fcntl record locks between processes: write locks exclusive, read locks
 * shared; locks belong to the process (not inherited by fork, released when
 * it closes any descriptor of the file or exits); F_SETLKW sleeps until the
 * holder unlocks, a signal interrupts it with EINTR, and a two-process
 * cycle is refused with EDEADLK. */
#include "contract.h"
#include <signal.h>
#include <sys/time.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

/* holder returns what a child sees holding a write lock on byte start:
 * "parent", "unlocked" or "other". */
static const char *seen_by_child(int fd, off_t start)
{
	pid_t parent = getpid();
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = 1 };
		char c = 'e';
		if (fcntl(fd, F_GETLK, &fl) == 0)
			c = fl.l_type == F_UNLCK ? 'u' : fl.l_pid == parent ? 'p' : 'o';
		write(p[1], &c, 1);
		_exit(0);
	}
	close(p[1]);
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1);
	close(p[0]);
	CHECK(WIFEXITED(reap(pid)));
	return c == 'u' ? "unlocked" : c == 'p' ? "parent" : c == 'o' ? "other" : "error";
}

/* in_child runs the lock request in a child and returns its errno name. */
static const char *in_child(int fd, short type, off_t start, off_t len)
{
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(lk(fd, F_SETLK, type, start, len) == 0 ? 0 : errno);
	int st = reap(pid);
	CHECK(WIFEXITED(st));
	return WEXITSTATUS(st) == 0 ? "ok" : errname(WEXITSTATUS(st));
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
	int fd = SYS(open("procs", O_RDWR | O_CREAT, 0644));
	SYS(ftruncate(fd, 100));

	EQ("parent_wr", lk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	STREQ("child_wr_conflict", in_child(fd, F_WRLCK, 0, 1), "EAGAIN");
	STREQ("child_rd_conflict", in_child(fd, F_RDLCK, 5, 1), "EAGAIN");
	STREQ("child_wr_outside", in_child(fd, F_WRLCK, 10, 1), "ok");
	STREQ("child_lock_gone_at_exit", seen_by_child(fd, 10), "unlocked");
	STREQ("holder_is_parent", seen_by_child(fd, 3), "parent");

	EQ("parent_rd", lk(fd, F_SETLK, F_RDLCK, 0, 10), 0);
	STREQ("child_rd_shared", in_child(fd, F_RDLCK, 0, 10), "ok");
	STREQ("child_wr_vs_rd", in_child(fd, F_WRLCK, 9, 1), "EAGAIN");

	/* Closing another descriptor (another open file description) of the
	 * file releases the process's locks; a dup of some other file does not. */
	int other = SYS(open("other", O_RDWR | O_CREAT, 0644));
	SYS(close(other));
	STREQ("kept_after_unrelated_close", seen_by_child(fd, 0), "parent");
	int fd2 = SYS(open("procs", O_RDONLY));
	SYS(close(fd2));
	STREQ("released_by_other_close", seen_by_child(fd, 0), "unlocked");

	/* F_SETLKW waits for the holder. */
	EQ("parent_wr_again", lk(fd, F_SETLK, F_WRLCK, 0, 1), 0);
	int p[2], q[2];
	SYS(pipe(p));
	SYS(pipe(q));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		int r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
		char c = r == 0 ? 'y' : 'n';
		write(p[1], &c, 1);
		read(q[0], &c, 1); /* hold the lock until told */
		_exit(0);
	}
	usleep(200000);
	SYS(fcntl(p[0], F_SETFL, O_NONBLOCK));
	char c;
	ERR("setlkw_still_waiting", read(p[0], &c, 1), EAGAIN);
	EQ("parent_unlock", lk(fd, F_SETLK, F_UNLCK, 0, 1), 0);
	SYS(fcntl(p[0], F_SETFL, 0));
	CHECK(read(p[0], &c, 1) == 1);
	EQ("setlkw_got_lock", c, 'y');
	ERR("parent_now_conflicts", lk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	write(q[1], "x", 1);
	CHECK(WIFEXITED(reap(pid)));
	EQ("free_after_child_exit", lk(fd, F_SETLK, F_WRLCK, 0, 1), 0);

	/* A signal interrupts F_SETLKW with EINTR (no SA_RESTART). */
	pid = SYS(fork());
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_alarm };
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = { .it_value = { .tv_usec = 100000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		int r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	STREQ("setlkw_eintr", wstatus(reap(pid)), "exit 0");

	/* Deadlock: parent holds byte 0, child byte 1, each then waits for the
	 * other's byte; exactly one of the two waits is refused. */
	SYS(pipe(p));
	pid = SYS(fork());
	if (pid == 0) {
		if (lk(fd, F_SETLK, F_WRLCK, 1, 1) != 0)
			_exit(1);
		write(p[1], "r", 1);
		int r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
		_exit(r == 0 ? 0 : errno == EDEADLK ? 2 : 3);
	}
	CHECK(read(p[0], &c, 1) == 1);
	usleep(100000);
	int r = lk(fd, F_SETLKW, F_WRLCK, 1, 1);
	int parent_dl = r == -1 && errno == EDEADLK;
	if (parent_dl)
		SYS(lk(fd, F_SETLK, F_UNLCK, 0, 1));
	int st = reap(pid);
	CHECK(WIFEXITED(st));
	EQ("child_status_ok", WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 2, 1);
	EQ("exactly_one_edeadlk", parent_dl + (WEXITSTATUS(st) == 2), 1);
	pass();
}
