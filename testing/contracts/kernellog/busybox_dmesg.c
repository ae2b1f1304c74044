/* busybox dmesg reads the kernel log through syslog(2): a record written
 * to /dev/kmsg shows up (with -r, with its raw <prio>), -c clears it, and
 * -n sets the console level. */
#include "contract.h"

static char out[1 << 18];

static int run(const char *const argv[])
{
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv("/bin/busybox", (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t r;
	while ((r = read(p[0], out + got, sizeof out - 1 - got)) > 0)
		got += r;
	out[got] = 0;
	close(p[0]);
	return reap(pid);
}

static const char *line_of(const char *marker)
{
	static char line[256];
	char *m = strstr(out, marker);
	if (!m)
		return "missing";
	while (m > out && m[-1] != '\n')
		m--;
	snprintf(line, sizeof line, "%.*s", (int)strcspn(m, "\n"), m);
	/* Drop the timestamp: "[    1.234567] " */
	char *rb = strstr(line, "] ");
	if (rb && (line[0] == '[' || line[3] == '[' || line[4] == '['))
		memmove(strchr(line, '[') + 1, rb, strlen(rb) + 1);
	return line;
}

int main(void)
{
	int fd = SYS(open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
	const char *rec = "<4>contract-dmesg-marker\n";
	writeall(fd, rec, strlen(rec));
	STREQ("dmesg", wstatus(run((const char *const[]){"dmesg", NULL})), "exit 0");
	OUT("line", "%s", line_of("contract-dmesg-marker"));
	STREQ("dmesg_r", wstatus(run((const char *const[]){"dmesg", "-r", NULL})), "exit 0");
	OUT("raw_line", "%s", line_of("contract-dmesg-marker"));
	STREQ("dmesg_c", wstatus(run((const char *const[]){"dmesg", "-c", NULL})), "exit 0");
	OUT("cleared_run_shows", "%s", strstr(out, "contract-dmesg-marker") ? "yes" : "no");
	STREQ("dmesg_again", wstatus(run((const char *const[]){"dmesg", NULL})), "exit 0");
	OUT("after_clear", "%s", strstr(out, "contract-dmesg-marker") ? "present" : "gone");
	char orig[64];
	CHECK(read_file("/proc/sys/kernel/printk", orig, sizeof orig) > 0);
	STREQ("dmesg_n", wstatus(run((const char *const[]){"dmesg", "-n", "3", NULL})), "exit 0");
	char now[64];
	CHECK(read_file("/proc/sys/kernel/printk", now, sizeof now) > 0);
	EQ("level_after_n", atoi(now), 3);
	SYS(write_file("/proc/sys/kernel/printk", orig));
	pass();
}
