/* boot_id is a stable UUID across reads; uuid gives a fresh one each read;
 * osrelease looks like a kernel version systemd accepts. */
#include "contract.h"

static int is_uuid(const char *s)
{
	if (strlen(s) != 37 || s[36] != '\n')
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!strchr("0123456789abcdef", s[i])) {
			return 0;
		}
	}
	return 1;
}

int main(void)
{
	char a[64], b[64], u1[64], u2[64], rel[128];
	SYS(read_file("/proc/sys/kernel/random/boot_id", a, sizeof a));
	SYS(read_file("/proc/sys/kernel/random/boot_id", b, sizeof b));
	EQ("boot_id_uuid", is_uuid(a), 1);
	EQ("boot_id_stable", strcmp(a, b), 0);
	SYS(read_file("/proc/sys/kernel/random/uuid", u1, sizeof u1));
	SYS(read_file("/proc/sys/kernel/random/uuid", u2, sizeof u2));
	EQ("uuid_format", is_uuid(u1), 1);
	EQ("uuid_fresh", strcmp(u1, u2) != 0, 1);
	EQ("uuid_v4", u1[14], '4');
	SYS(read_file("/proc/sys/kernel/osrelease", rel, sizeof rel));
	int maj = 0, min = 0;
	EQ("osrelease_parse", sscanf(rel, "%d.%d", &maj, &min), 2);
	EQ("osrelease_ge_4_15", maj > 4 || (maj == 4 && min >= 15), 1);
	pass();
}
