/* capget/capset header versions: v1 one word, v2/v3 two; the probe with a
 * NULL data pointer writes back v3 and succeeds; other pids; bad pids. */
#include "sec.h"

int main(void)
{
	uint64_t full = fullcaps();
	struct __user_cap_data_struct d[2];
	memset(d, 0xff, sizeof d);
	struct __user_cap_header_struct h1 = {_LINUX_CAPABILITY_VERSION_1, 0};
	SYS(syscall(SYS_capget, &h1, d));
	EQ("v1_word0_full", d[0].effective == (uint32_t)full, 1);
	EQ("v1_word1_untouched", d[1].effective, 0xffffffff);
	struct __user_cap_header_struct h2 = {_LINUX_CAPABILITY_VERSION_2, 0};
	SYS(syscall(SYS_capget, &h2, d));
	EQ("v2_word1", d[1].permitted == (uint32_t)(full >> 32), 1);
	EQ("v2_inheritable", d[0].inheritable | d[1].inheritable, 0);

	struct __user_cap_header_struct probe = {0, 0};
	EQ("probe_null_data", syscall(SYS_capget, &probe, NULL), 0);
	EQ("probe_version", probe.version, _LINUX_CAPABILITY_VERSION_3);
	struct __user_cap_header_struct bad = {0x1234, 0};
	ERR("bad_version_with_data", syscall(SYS_capget, &bad, d), EINVAL);
	EQ("bad_version_written", bad.version, _LINUX_CAPABILITY_VERSION_3);
	struct __user_cap_header_struct badset = {0x1234, 0};
	ERR("capset_bad_version", syscall(SYS_capset, &badset, d), EINVAL);
	EQ("capset_bad_version_written", badset.version, _LINUX_CAPABILITY_VERSION_3);

	struct __user_cap_header_struct neg = {_LINUX_CAPABILITY_VERSION_3, -5};
	ERR("negative_pid", syscall(SYS_capget, &neg, d), EINVAL);
	struct __user_cap_header_struct none = {_LINUX_CAPABILITY_VERSION_3, 999999};
	ERR("no_such_pid", syscall(SYS_capget, &none, d), ESRCH);

	/* Another process's sets: a child that dropped everything. */
	int p[2];
	SYS(pipe(p));
	pid_t c = SYS(fork());
	if (c == 0) {
		close(p[0]);
		if (setcaps(0, 0, 0) != 0)
			_exit(1);
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	char x;
	CHECK(read(p[0], &x, 1) == 1);
	struct __user_cap_header_struct hc = {_LINUX_CAPABILITY_VERSION_3, c};
	SYS(syscall(SYS_capget, &hc, d));
	EQ("child_permitted", d[0].permitted | d[1].permitted, 0);
	struct __user_cap_header_struct hs = {_LINUX_CAPABILITY_VERSION_3, c};
	ERR("capset_other_pid", syscall(SYS_capset, &hs, d), EPERM);
	struct __user_cap_header_struct hself = {_LINUX_CAPABILITY_VERSION_3, getpid()};
	SYS(syscall(SYS_capget, &hself, d));
	EQ("self_by_pid_full", d[0].effective == (uint32_t)full, 1);
	kill(c, SIGKILL);
	reap(c);
	pass();
}
