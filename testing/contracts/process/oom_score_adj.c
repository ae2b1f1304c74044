/* /proc/<pid>/oom_score_adj keeps what is written (-1000..1000), per
 * process: inherited by fork, kept by exec. Writes are parsed like
 * kstrtoint(base 0) after cutting them to 12 bytes; lowering the value below
 * the last privileged write needs CAP_SYS_RESOURCE. A test library writes
 * -1000 at start-up and reads it back. */
#include "contract.h"
#include <sys/prctl.h>

static const char *self = "/proc/self/oom_score_adj";

/* put writes s to path and returns write's result (or -1 with errno). */
static long put(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, s, n);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static int get(const char *path)
{
	char b[32];
	if (read_file(path, b, sizeof b) < 0)
		fail("read %s: %s", path, errname(errno));
	if (b[strlen(b) - 1] != '\n')
		fail("%s: no newline", path);
	return atoi(b);
}

#define PUT(key, s, want) EQ(key, put(self, s, strlen(s)), want)

int main(int argc, char **argv)
{
	if (argc > 1) { /* the exec'd child */
		EQ("after_exec", get(self), -1000);
		exit(0);
	}
	EQ("initial", get(self), 0);
	PUT("write_500", "500", 3);
	EQ("read_500", get(self), 500);
	PUT("write_nl", "-7\n", 3);
	EQ("read_nl", get(self), -7);
	PUT("write_spaces", "  12 \n", 6);
	EQ("read_spaces", get(self), 12);
	PUT("write_hex", "0x10", 4);
	EQ("read_hex", get(self), 16);
	PUT("write_octal", "010", 3);
	EQ("read_octal", get(self), 8);
	/* Writes are cut to 12 bytes, and the count says so. */
	PUT("write_long", "1                 ", 12);
	EQ("read_long", get(self), 1);
	ERR("too_big", put(self, "1001", 4), EINVAL);
	ERR("too_small", put(self, "-1001", 5), EINVAL);
	ERR("not_a_number", put(self, "abc", 3), EINVAL);
	ERR("trailing_junk", put(self, "5x", 2), EINVAL);
	ERR("empty", put(self, "\n", 1), EINVAL);
	ERR("out_of_int", put(self, "99999999999", 11), ERANGE);
	EQ("unchanged", get(self), 1);

	/* The test library's start-up. */
	PUT("write_min", "-1000", 5);
	EQ("read_min", get(self), -1000);

	/* fork inherits; the parent reads the child's file. */
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		exit(0);
	}
	close(p[0]);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", pid);
	EQ("child_inherits", get(path), -1000);
	/* Another process's value is its own. */
	EQ("write_child", put(path, "300", 3), 3);
	EQ("child_now", get(path), 300);
	EQ("parent_still", get(self), -1000);
	close(p[1]);
	STREQ("child", wstatus(reap(pid)), "exit 0");

	/* exec keeps it. */
	pid = SYS(fork());
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(99);
	}
	STREQ("exec_child", wstatus(reap(pid)), "exit 0");

	/* Unprivileged: the floor is the last privileged write (here 100). */
	PUT("write_100", "100", 3);
	pid = SYS(fork());
	if (pid == 0) {
		SYS(setresuid(65534, 65534, 65534));
		SYS(prctl(PR_SET_DUMPABLE, 1)); /* so /proc/self is ours again */
		PUT("raise", "200", 3);
		PUT("lower_to_floor_plus", "150", 3);
		ERR("below_floor", put(self, "99", 2), EACCES);
		EQ("kept", get(self), 150);
		PUT("to_floor", "100", 3);
		EQ("at_floor", get(self), 100);
		exit(0);
	}
	STREQ("unprivileged", wstatus(reap(pid)), "exit 0");
	EQ("own_value", get(self), 100);
	pass();
}
