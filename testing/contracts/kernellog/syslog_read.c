/* syslog(2)'s reads: READ_ALL returns whole "<prio>[time] text" lines
 * (records written to /dev/kmsg included, with their facility), the newest
 * that fit; READ_CLEAR empties what READ_ALL sees; READ consumes; bad
 * buffers and lengths are refused. */
#include "contract.h"
#include <sys/klog.h>

static char buf[1 << 18];

/* find returns the line of buf (n bytes) holding marker, or NULL. */
static char *find(int n, const char *marker)
{
	buf[n] = 0;
	char *m = strstr(buf, marker);
	if (!m)
		return NULL;
	while (m > buf && m[-1] != '\n')
		m--;
	return m;
}

int main(void)
{
	int fd = SYS(open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
	const char *rec = "<5>contract-syslog-marker one\n";
	writeall(fd, rec, strlen(rec));
	int n = SYS(klogctl(3, buf, sizeof buf - 1));
	char *line = find(n, "contract-syslog-marker one");
	CHECK(line != NULL);
	OUT("prefix", "%.4s", line);
	char *rb = strchr(line, ']');
	CHECK(rb != NULL && line[4] == '[');
	OUT("after_stamp", "%.*s", (int)strcspn(rb, "\n"), rb);
	EQ("whole_lines", buf[n - 1] == '\n', 1);
	/* A buffer just big enough for the newest line gets only that. */
	int len = strchr(line, '\n') - line + 1;
	int m = SYS(klogctl(3, buf, len));
	EQ("short_read_len", m, len);
	EQ("short_read_is_newest", find(m, "contract-syslog-marker one") == buf, 1);
	EQ("too_short", klogctl(3, buf, len - 1) < len, 1);
	EQ("len_0", klogctl(3, buf, 0), 0);
	ERR("null_buf", klogctl(3, NULL, 10), EINVAL);
	ERR("neg_len", klogctl(3, buf, -1), EINVAL);
	ERR("read_null", klogctl(2, NULL, 10), EINVAL);
	ERR("bad_buf", klogctl(3, (char *)1, 100), EFAULT);
	EQ("size_unread_nonneg", klogctl(9, NULL, 0) >= 0, 1);

	/* READ_CLEAR returns the log, then READ_ALL starts after it. */
	n = SYS(klogctl(4, buf, sizeof buf - 1));
	EQ("read_clear_has_marker", find(n, "contract-syslog-marker one") != NULL, 1);
	n = SYS(klogctl(3, buf, sizeof buf - 1));
	EQ("after_clear_has_marker", find(n, "contract-syslog-marker one") != NULL, 0);
	const char *rec2 = "<11>contract-syslog-marker two\n";
	writeall(fd, rec2, strlen(rec2));
	n = SYS(klogctl(3, buf, sizeof buf - 1));
	line = find(n, "contract-syslog-marker two");
	CHECK(line != NULL);
	OUT("prefix_two", "%.4s", line);
	SYS(klogctl(5, NULL, 0)); /* CLEAR */
	n = SYS(klogctl(3, buf, sizeof buf - 1));
	EQ("after_clear_two", find(n, "contract-syslog-marker two") != NULL, 0);

	/* READ hands out unread records (the boot log at least) and
	 * consumes them: reading everything leaves SIZE_UNREAD at 0. */
	n = SYS(klogctl(2, buf, sizeof buf - 1));
	EQ("read_some", n > 0, 1);
	while (klogctl(9, NULL, 0) > 0)
		SYS(klogctl(2, buf, sizeof buf - 1));
	EQ("unread_after", klogctl(9, NULL, 0), 0);
	const char *rec3 = "<6>contract-syslog-marker three\n";
	writeall(fd, rec3, strlen(rec3));
	n = SYS(klogctl(2, buf, sizeof buf - 1));
	line = find(n, "contract-syslog-marker three");
	EQ("read_new", line == buf, 1);
	OUT("read_new_prefix", "%.4s", line);
	pass();
}
