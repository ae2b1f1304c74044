/* /proc/<pid>/oom_score is the OOM killer's badness scaled as Linux's
 * proc_oom_score scales it: (1000 + (rss + swap + page tables +
 * oom_score_adj * (total/1000)) * 1000 / total) * 2/3, with total the RAM in
 * pages; 0 for a process that is never chosen (oom_score_adj -1000, PID 1).
 * The contract recomputes it from /proc/meminfo and /proc/self/statm;
 * page tables are not visible there, so it allows a point or two. */
#include "contract.h"
#include <sys/mman.h>

static long num(const char *path)
{
	char b[64];
	if (read_file(path, b, sizeof b) < 0)
		fail("read %s: %s", path, errname(errno));
	return atol(b);
}

static long total_pages(void)
{
	char b[4096];
	if (read_file("/proc/meminfo", b, sizeof b) < 0)
		fail("meminfo: %s", errname(errno));
	char *p = strstr(b, "MemTotal:");
	if (!p)
		fail("no MemTotal");
	return atol(p + 9) / 4;
}

static long rss(void)
{
	char b[128];
	if (read_file("/proc/self/statm", b, sizeof b) < 0)
		fail("statm: %s", errname(errno));
	long size, res;
	if (sscanf(b, "%ld %ld", &size, &res) != 2)
		fail("statm: %s", b);
	return res;
}

static void set_adj(const char *v)
{
	int fd = SYS(open("/proc/self/oom_score_adj", O_WRONLY));
	SYS(write(fd, v, strlen(v)));
	close(fd);
}

/* check compares oom_score with the formula for oom_score_adj adj. */
static void check(const char *key, long adj)
{
	long total = total_pages();
	long r = rss();
	long got = num("/proc/self/oom_score");
	long badness = r + adj * (total / 1000);
	long want = (1000 + badness * 1000 / total) * 2 / 3;
	if (want < 0)
		want = 0;
	int ok = got >= want && got <= want + 2;
	OUT(key, "%d", ok);
	if (!ok)
		fail("%s: oom_score %ld, formula %ld (rss %ld, total %ld)", key, got, want, r, total);
}

int main(void)
{
	check("small", 0);
	long before = num("/proc/self/oom_score");
	size_t n = 32 << 20;
	char *p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	check("after_32MiB", 0);
	EQ("grew", num("/proc/self/oom_score") > before, 1);
	set_adj("1000");
	check("adj_1000", 1000);
	set_adj("-500");
	check("adj_minus_500", -500);
	set_adj("-1000");
	EQ("adj_min", num("/proc/self/oom_score"), 0);
	EQ("pid1", num("/proc/1/oom_score"), 0);
	/* A child's score is its own: it touches nothing, so it is smaller. */
	set_adj("0");
	int s[2];
	SYS(pipe(s));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char c;
		close(s[1]);
		munmap(p, n);
		read(s[0], &c, 1);
		exit(0);
	}
	close(s[0]);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/oom_score", pid);
	long child;
	for (int i = 0; i < 1000 && (child = num(path)) >= num("/proc/self/oom_score"); i++)
		usleep(1000);
	EQ("child_smaller", child < num("/proc/self/oom_score"), 1);
	close(s[1]);
	STREQ("child", wstatus(reap(pid)), "exit 0");
	pass();
}
