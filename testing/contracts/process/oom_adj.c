/* /proc/<pid>/oom_adj is the legacy view of oom_score_adj: -17..15, scaled
 * by 1000/17 (15 means 1000) on write and by 17/1000 on read, truncating.
 * Lowering it below the current oom_score_adj needs CAP_SYS_RESOURCE. */
#include "contract.h"
#include <sys/prctl.h>

static long put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, s, strlen(s));
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
	return atoi(b);
}

static const char *adj = "/proc/self/oom_adj", *score_adj = "/proc/self/oom_score_adj";

int main(void)
{
	EQ("initial", get(adj), 0);
	static const char *writes[] = {"15", "-17", "5", "-5", "1", "0", "14", "-16", "0x3"};
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		char key[32];
		snprintf(key, sizeof key, "write_%s", writes[i]);
		EQ(key, put(adj, writes[i]), (long)strlen(writes[i]));
		OUT("oom_score_adj", "%d", get(score_adj));
		OUT("oom_adj", "%d", get(adj));
	}
	ERR("too_big", put(adj, "16"), EINVAL);
	ERR("too_small", put(adj, "-18"), EINVAL);
	static const char *reads[] = {"1000", "999", "500", "-500", "-1000", "59", "-59", "58", "0"};
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		char key[32];
		SYS(put(score_adj, reads[i]));
		snprintf(key, sizeof key, "oom_adj_at_%s", reads[i]);
		OUT(key, "%d", get(adj));
	}
	/* Unprivileged: below the current value is refused. */
	SYS(put(score_adj, "300"));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(setresuid(65534, 65534, 65534));
		SYS(prctl(PR_SET_DUMPABLE, 1));
		ERR("lower", put(adj, "4"), EACCES);
		EQ("raise", put(adj, "6"), 1);
		EQ("raised_to", get(score_adj), 352);
		ERR("back_down", put(adj, "5"), EACCES);
		exit(0);
	}
	STREQ("unprivileged", wstatus(reap(pid)), "exit 0");
	pass();
}
