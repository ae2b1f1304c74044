/* /proc/self/mounts and mountinfo list the runner's mounts with types and
 * options in the expected format. */
#include "contract.h"

static int has(const char *buf, const char *needle)
{
	return strstr(buf, needle) != NULL;
}

int main(void)
{
	static char m[16384], mi[16384];
	SYS(read_file("/proc/self/mounts", m, sizeof m));
	EQ("proc", has(m, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"), 1);
	EQ("sysfs", has(m, "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"), 1);
	EQ("tmp", has(m, " /tmp tmpfs rw,nosuid,nodev"), 1);
	EQ("dev", has(m, " /dev devtmpfs rw,nosuid"), 1);
	EQ("devpts", has(m, " /dev/pts devpts rw,nosuid,noexec"), 1);
	SYS(read_file("/proc/self/mountinfo", mi, sizeof mi));
	int found = 0;
	for (char *l = strtok(mi, "\n"); l; l = strtok(NULL, "\n")) {
		int id, parent;
		unsigned maj, min;
		char root[64], point[64];
		if (sscanf(l, "%d %d %u:%u %63s %63s", &id, &parent, &maj, &min, root, point) == 6 &&
		    strcmp(point, "/proc") == 0) {
			found = 1;
			STREQ("proc_root", root, "/");
			EQ("has_separator", strstr(l, " - proc proc ") != NULL, 1);
		}
	}
	EQ("mountinfo_proc", found, 1);
	pass();
}
