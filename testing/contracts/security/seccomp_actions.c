/* The other actions: TRACE without a tracer and USER_NOTIF without a
 * listener fail with ENOSYS, LOG allows, KILL_PROCESS and KILL_THREAD kill
 * with SIGSYS; SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES. */
#include "sec.h"

static const char *with(uint32_t action)
{
	pid_t c = SYS(fork());
	if (c == 0) {
		if (deny(SYS_getppid, action) != 0)
			_exit(100);
		errno = 0;
		long r = syscall(SYS_getppid);
		_exit(r == -1 ? errno : 0);
	}
	return wstatus(reap(c));
}

int main(void)
{
	SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	STREQ("trace", with(SECCOMP_RET_TRACE | 3), "exit 38");
	STREQ("user_notif", with(SECCOMP_RET_USER_NOTIF), "exit 38");
	STREQ("log", with(SECCOMP_RET_LOG), "exit 0");
	STREQ("allow", with(SECCOMP_RET_ALLOW), "exit 0");
	STREQ("kill_process", with(SECCOMP_RET_KILL_PROCESS), "signal 31");
	STREQ("kill_thread", with(SECCOMP_RET_KILL_THREAD), "signal 31");
	STREQ("unknown_action_kills", with(0x00010000), "signal 31");
	uint32_t acts[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
			   SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW};
	for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		char k[32];
		snprintf(k, sizeof k, "avail_%08x", acts[i]);
		EQ(k, syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &acts[i]), 0);
	}
	uint32_t bad = 0x00010000, errnodata = SECCOMP_RET_ERRNO | 5;
	ERR("avail_unknown", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &bad), EOPNOTSUPP);
	ERR("avail_with_data", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &errnodata), EOPNOTSUPP);
	ERR("avail_flags", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 1, &acts[0]), EINVAL);
	ERR("avail_fault", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, (void *)8), EFAULT);
	struct seccomp_notif_sizes sz;
	SYS(syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz));
	EQ("sizes_notif", sz.seccomp_notif, sizeof(struct seccomp_notif));
	EQ("sizes_resp", sz.seccomp_notif_resp, sizeof(struct seccomp_notif_resp));
	EQ("sizes_data", sz.seccomp_data, sizeof(struct seccomp_data));
	pass();
}
