/* capget (v3) reports the full capability set for root; cap_last_cap agrees. */
#include "contract.h"
#include <linux/capability.h>

int main(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	SYS(syscall(SYS_capget, &h, d));
	char buf[16] = {0};
	SYS(read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof buf));
	int last = atoi(buf);
	OUT("cap_last_cap", "%d", last);
	uint64_t eff = d[0].effective | (uint64_t)d[1].effective << 32;
	uint64_t want = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	EQ("effective_full", eff == want, 1);
	EQ("permitted_full", (d[0].permitted | (uint64_t)d[1].permitted << 32) == want, 1);
	struct __user_cap_header_struct bad = {0x12345678, 0};
	ERR("badversion", syscall(SYS_capget, &bad, d), EINVAL);
	EQ("version_written_back", bad.version, _LINUX_CAPABILITY_VERSION_3);
	pass();
}
