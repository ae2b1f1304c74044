/* /proc/meminfo has the fields systemd and free read, in kB, consistent. */
#include "contract.h"

static long field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	if (!p)
		fail("missing %s", key);
	long v;
	char unit[8];
	if (sscanf(p + strlen(key), " %ld %7s", &v, unit) != 2 || strcmp(unit, "kB") != 0)
		fail("bad %s line", key);
	return v;
}

int main(void)
{
	char buf[8192];
	SYS(read_file("/proc/meminfo", buf, sizeof buf));
	long total = field(buf, "MemTotal:"), free = field(buf, "MemFree:"), avail = field(buf, "MemAvailable:");
	field(buf, "Buffers:");
	field(buf, "Cached:");
	field(buf, "SwapTotal:");
	field(buf, "Shmem:");
	EQ("total_plausible", total > 64 * 1024 && total < 1024 * 1024, 1);
	EQ("free_le_total", free <= total, 1);
	EQ("avail_le_total", avail <= total, 1);
	STREQ("first_key", strtok(buf, " "), "MemTotal:");
	pass();
}
