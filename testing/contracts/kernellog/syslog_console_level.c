/* syslog(2)'s console actions: CONSOLE_LEVEL takes 1..8 (raised to the
 * minimum), CONSOLE_OFF saves the level and drops to the minimum,
 * CONSOLE_ON restores it once, and a CONSOLE_LEVEL while off turns the
 * console back on (ON then changes nothing). */
#include "contract.h"
#include <sys/klog.h>

static int level(void)
{
	char buf[64];
	CHECK(read_file("/proc/sys/kernel/printk", buf, sizeof buf) > 0);
	return atoi(buf);
}

int main(void)
{
	char orig[64];
	CHECK(read_file("/proc/sys/kernel/printk", orig, sizeof orig) > 0);
	ERR("level_0", klogctl(8, NULL, 0), EINVAL);
	ERR("level_9", klogctl(8, NULL, 9), EINVAL);
	ERR("level_neg", klogctl(8, NULL, -1), EINVAL);
	EQ("level_3", klogctl(8, NULL, 3), 0);
	EQ("now", level(), 3);
	SYS(write_file("/proc/sys/kernel/printk", "3 4 2 7"));
	EQ("level_1_raised", klogctl(8, NULL, 1), 0);
	EQ("now_min", level(), 2);
	SYS(klogctl(8, NULL, 6));
	SYS(klogctl(6, NULL, 0));
	EQ("off", level(), 2);
	SYS(klogctl(6, NULL, 0));
	EQ("off_twice", level(), 2);
	SYS(klogctl(7, NULL, 0));
	EQ("on", level(), 6);
	SYS(klogctl(7, NULL, 0));
	EQ("on_twice", level(), 6);
	SYS(klogctl(6, NULL, 0));
	SYS(klogctl(8, NULL, 5));
	EQ("level_while_off", level(), 5);
	SYS(klogctl(7, NULL, 0));
	EQ("on_after_level", level(), 5);
	EQ("close", klogctl(0, NULL, 0), 0);
	EQ("open", klogctl(1, NULL, 0), 0);
	EQ("size_buffer", klogctl(10, NULL, 0), 131072);
	ERR("action_11", klogctl(11, NULL, 0), EINVAL);
	ERR("action_neg", klogctl(-1, NULL, 0), EINVAL);
	SYS(write_file("/proc/sys/kernel/printk", orig));
	pass();
}
