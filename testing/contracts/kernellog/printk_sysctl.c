/* /proc/sys/kernel/printk holds the four console levels; writing it changes
 * console_loglevel (seen through syslog's CONSOLE_OFF/ON too), fewer numbers
 * leave the rest alone, only root may write it, and the second number is
 * the level of /dev/kmsg records written without one. */
#include "contract.h"
#include <sys/klog.h>

static void show(const char *key)
{
	char buf[64];
	CHECK(read_file("/proc/sys/kernel/printk", buf, sizeof buf) > 0);
	for (char *p = buf; *p; p++)
		if (*p == '\t')
			*p = ' ';
	buf[strcspn(buf, "\n")] = 0;
	OUT(key, "%s", buf);
}

int main(void)
{
	char orig[64];
	CHECK(read_file("/proc/sys/kernel/printk", orig, sizeof orig) > 0);
	show("initial");
	SYS(write_file("/proc/sys/kernel/printk", "5\n"));
	show("after_5");
	SYS(write_file("/proc/sys/kernel/printk", "3 4 1 7"));
	show("after_3417");
	SYS(klogctl(6, NULL, 0)); /* CONSOLE_OFF: console_loglevel = minimum */
	show("console_off");
	SYS(klogctl(7, NULL, 0)); /* CONSOLE_ON: back to the saved level */
	show("console_on");
	ERR("garbage", write_file("/proc/sys/kernel/printk", "abc"), EINVAL);
	show("after_garbage");
	struct stat st;
	SYS(stat("/proc/sys/kernel/printk", &st));
	OUT("mode", "%o", st.st_mode & 07777);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		int fd = open("/proc/sys/kernel/printk", O_WRONLY);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	STREQ("nonroot_write", wstatus(reap(pid)), "exit 0");
	/* default_message_loglevel is the level of an unprefixed /dev/kmsg
	 * record. */
	SYS(write_file("/proc/sys/kernel/printk", "1 6 1 7")); /* console off: no line on it */
	int k = SYS(open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
	writeall(k, "contract-default-level\n", 23);
	static char log[1 << 18];
	int n = SYS(klogctl(3, log, sizeof log - 1));
	log[n] = 0;
	char *m = strstr(log, "contract-default-level");
	CHECK(m != NULL);
	while (m > log && m[-1] != '\n')
		m--;
	OUT("unprefixed_prio", "%.4s", m);
	SYS(write_file("/proc/sys/kernel/printk", orig));
	show("restored");
	pass();
}
