/* /proc/self/loginuid and sessionid: unset (4294967295) until written;
 * anyone may set an unset loginuid, which starts a session; a set one
 * changes only with CAP_AUDIT_CONTROL; children inherit both; another
 * process's loginuid cannot be written; the value must be a number. */
#include "contract.h"
#include <sys/prctl.h>
#include <linux/capability.h>

static void rd(const char *path, char *buf, size_t n)
{
	int fd = SYS(open(path, O_RDONLY));
	ssize_t r = SYS(read(fd, buf, n - 1));
	buf[r] = 0;
	close(fd);
}

static long wr(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, v, strlen(v));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char a[32], b[32];
		rd("/proc/self/loginuid", a, sizeof a);
		rd("/proc/self/sessionid", b, sizeof b);
		printf("start: loginuid=%s sessionid=%s\n", a, b);
		ERR("not_a_number", wr("/proc/self/loginuid", "abc"), EINVAL);
		EQ("set_unset_1000", wr("/proc/self/loginuid", "1000"), 4);
		rd("/proc/self/loginuid", a, sizeof a);
		rd("/proc/self/sessionid", b, sizeof b);
		printf("after: loginuid=%s session_started=%d\n", a, strcmp(b, "4294967295") != 0);
		char sess[32];
		strcpy(sess, b);
		pid_t c = SYS(fork());
		if (c == 0) {
			rd("/proc/self/loginuid", a, sizeof a);
			rd("/proc/self/sessionid", b, sizeof b);
			_exit(strcmp(a, "1000") == 0 && strcmp(b, sess) == 0 ? 0 : 1);
		}
		EQ("child_inherits", reap(c) >> 8, 0);
		char other[64];
		snprintf(other, sizeof other, "/proc/%d/loginuid", getppid());
		ERR("write_other", wr(other, "5"), EPERM);
		EQ("root_changes_set", wr("/proc/self/loginuid", "2000"), 4);
		rd("/proc/self/sessionid", b, sizeof b);
		EQ("new_session", strcmp(b, sess) != 0, 1);
		/* Without CAP_AUDIT_CONTROL a set loginuid stays. */
		SYS(prctl(PR_CAPBSET_DROP, CAP_AUDIT_CONTROL));
		SYS(setresuid(1000, 1000, 1000));
		/* The uid change made the process non-dumpable, so its /proc
		 * files belong to root: opening loginuid for writing fails. */
		ERR("nondumpable_open", wr("/proc/self/loginuid", "3000"), EACCES);
		/* Dumpable again, the files are the process's own, and the
		 * audit rule answers. */
		SYS(prctl(PR_SET_DUMPABLE, 1));
		ERR("unprivileged_change", wr("/proc/self/loginuid", "3000"), EPERM);
		rd("/proc/self/loginuid", a, sizeof a);
		printf("final: loginuid=%s\n", a);
		fflush(stdout);
		_exit(0);
	}
	EQ("child", reap(pid), 0);
	pass();
}
