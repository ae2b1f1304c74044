/* sysfs exposes what udev-less systemd looks at: /sys/fs/cgroup exists,
 * /sys/class and /sys/devices/system/cpu/online, /sys/kernel. */
#include "contract.h"
#include <sched.h>

int main(void)
{
	struct stat st;
	EQ("fs_cgroup", stat("/sys/fs/cgroup", &st) == 0 && S_ISDIR(st.st_mode), 1);
	EQ("class", stat("/sys/class", &st) == 0 && S_ISDIR(st.st_mode), 1);
	EQ("kernel", stat("/sys/kernel", &st) == 0 && S_ISDIR(st.st_mode), 1);
	char buf[64];
	SYS(read_file("/sys/devices/system/cpu/online", buf, sizeof buf));
	/* Every CPU the process may run on is online (nobody pinned it). */
	cpu_set_t set;
	SYS(sched_getaffinity(0, sizeof set, &set));
	char want[32];
	int n = CPU_COUNT(&set);
	if (n == 1)
		snprintf(want, sizeof want, "0\n");
	else
		snprintf(want, sizeof want, "0-%d\n", n - 1);
	EQ("cpu_online_is_affinity", strcmp(buf, want), 0);
	EQ("tty_class", stat("/sys/class/tty/ttyS0", &st), 0);
	SYS(read_file("/sys/class/tty/ttyS0/dev", buf, sizeof buf));
	STREQ("ttyS0_dev", buf, "4:64\n");
	ERR("ro_write", write_file("/sys/devices/system/cpu/online", "1"), EACCES);
	pass();
}
