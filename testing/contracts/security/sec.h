/*
 * sec.h: helpers for the capability and seccomp contracts.
 */
#ifndef SEC_H
#define SEC_H

#include "../contract.h"
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

struct caps { uint64_t eff, prm, inh; };

/* getcaps reads the calling process's sets with capget v3. */
static inline struct caps getcaps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		fail("capget: %s", errname(errno));
	struct caps c = {
		d[0].effective | (uint64_t)d[1].effective << 32,
		d[0].permitted | (uint64_t)d[1].permitted << 32,
		d[0].inheritable | (uint64_t)d[1].inheritable << 32,
	};
	return c;
}

/* setcaps sets the three sets with capset v3; returns 0 or -1/errno. */
static inline int setcaps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
		{(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
		{(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};
	return syscall(SYS_capset, &h, d);
}

/* fullcaps is every capability up to /proc/sys/kernel/cap_last_cap. */
static inline uint64_t fullcaps(void)
{
	char buf[16] = {0};
	if (read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) < 0)
		fail("cap_last_cap: %s", errname(errno));
	int last = atoi(buf);
	return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

/* status_field copies the value of "<key>:\t" in /proc/self/status. */
static inline const char *status_field(const char *key)
{
	static char buf[4096], val[128];
	if (read_file("/proc/self/status", buf, sizeof buf) < 0)
		fail("status: %s", errname(errno));
	char pat[64];
	snprintf(pat, sizeof pat, "\n%s:\t", key);
	char *p = strstr(buf, pat);
	if (!p)
		return "missing";
	p += strlen(pat);
	size_t n = strcspn(p, "\n");
	if (n >= sizeof val)
		n = sizeof val - 1;
	memcpy(val, p, n);
	val[n] = 0;
	return val;
}

/* status_hex parses a hexadecimal /proc/self/status field. */
static inline uint64_t status_hex(const char *key)
{
	return strtoull(status_field(key), NULL, 16);
}

/* install sets a filter of n instructions with seccomp(2) and flags. */
static inline long install(struct sock_filter *f, unsigned short n, unsigned long flags)
{
	struct sock_fprog p = {n, f};
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p);
}

/* Filter building blocks: load nr, match one call, return. */
#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define ON(nr, ret) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, (ret))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* deny installs "nr returns ret, everything else allowed". */
static inline long deny(int nr, uint32_t ret)
{
	struct sock_filter f[] = {LD_NR, ON(nr, ret), RET(SECCOMP_RET_ALLOW)};
	return install(f, sizeof f / sizeof f[0], 0);
}

#endif
