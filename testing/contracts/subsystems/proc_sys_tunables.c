/* The /proc/sys tunables systemd reads exist and hold sane values; a
 * writable one round-trips. */
#include "contract.h"

static long num(const char *path)
{
	char buf[64];
	if (read_file(path, buf, sizeof buf) < 0)
		fail("%s: %s", path, errname(errno));
	return atol(buf);
}

int main(void)
{
	EQ("kptr_restrict_valid", num("/proc/sys/kernel/kptr_restrict") <= 2, 1);
	EQ("dmesg_restrict_valid", num("/proc/sys/kernel/dmesg_restrict") <= 1, 1);
	EQ("overcommit_valid", num("/proc/sys/vm/overcommit_memory") <= 2, 1);
	EQ("max_map_count_positive", num("/proc/sys/vm/max_map_count") > 0, 1);
	EQ("pid_max_min", num("/proc/sys/kernel/pid_max") >= 32768, 1);
	EQ("overflowuid", num("/proc/sys/kernel/overflowuid"), 65534);
	EQ("overflowgid", num("/proc/sys/kernel/overflowgid"), 65534);
	EQ("cap_last_cap_min", num("/proc/sys/kernel/cap_last_cap") >= 40, 1);
	EQ("file_max_positive", num("/proc/sys/fs/file-max") > 0, 1);
	long orig = num("/proc/sys/fs/file-max");
	SYS(write_file("/proc/sys/fs/file-max", "123456\n"));
	EQ("file_max_written", num("/proc/sys/fs/file-max"), 123456);
	char buf[32];
	snprintf(buf, sizeof buf, "%ld\n", orig);
	SYS(write_file("/proc/sys/fs/file-max", buf));
	ERR("missing", open("/proc/sys/kernel/no_such_knob", O_RDONLY), ENOENT);
	pass();
}
