/* Filter mode: installing needs no_new_privs or CAP_SYS_ADMIN (EACCES);
 * SECCOMP_RET_ERRNO fails the call with its data (capped at 4095, 0 is a
 * success), other calls go through; filter after strict is refused. */
#include "sec.h"

static void child(void)
{
	struct caps c = getcaps();
	SYS(setcaps(c.eff & ~(1ULL << CAP_SYS_ADMIN), c.prm & ~(1ULL << CAP_SYS_ADMIN), 0));
	ERR("no_nnp_no_sysadmin", deny(SYS_getppid, SECCOMP_RET_ERRNO | EPERM), EACCES);
	EQ("status_Seccomp_before", atoi(status_field("Seccomp")), 0);
	SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	EQ("install", deny(SYS_getppid, SECCOMP_RET_ERRNO | EPERM), 0);
	ERR("getppid_denied", syscall(SYS_getppid), EPERM);
	EQ("getpid_allowed", syscall(SYS_getpid) == getpid(), 1);
	EQ("install_capped", deny(SYS_getuid, SECCOMP_RET_ERRNO | 0xffff), 0);
	errno = 0;
	long r = syscall(SYS_getuid);
	EQ("getuid_ret", r, -1);
	EQ("getuid_errno", errno, 4095);
	EQ("install_zero", deny(SYS_getgid, SECCOMP_RET_ERRNO | 0), 0);
	EQ("getgid_errno0_returns", syscall(SYS_getgid), 0);
	EQ("get_seccomp", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	EQ("status_Seccomp", atoi(status_field("Seccomp")), 2);
	EQ("status_Seccomp_filters", atoi(status_field("Seccomp_filters")), 3);
	ERR("strict_after_filter", syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL), EINVAL);
	/* Installing through prctl. */
	struct sock_filter f[] = {LD_NR, ON(SYS_getegid, SECCOMP_RET_ERRNO | ENOTTY), RET(SECCOMP_RET_ALLOW)};
	struct sock_fprog p = {sizeof f / sizeof f[0], f};
	EQ("prctl_install", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p, 0, 0), 0);
	ERR("getegid_denied", syscall(SYS_getegid), ENOTTY);
	pass();
}

int main(void)
{
	/* Root with CAP_SYS_ADMIN needs no no_new_privs. */
	pid_t c = SYS(fork());
	if (c == 0) {
		if (deny(SYS_getppid, SECCOMP_RET_ERRNO | EPERM) != 0)
			_exit(1);
		_exit(syscall(SYS_getppid) == -1 && errno == EPERM && !prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) ? 0 : 2);
	}
	STREQ("root_installs", wstatus(reap(c)), "exit 0");
	c = SYS(fork());
	if (c == 0)
		child();
	int st = reap(c);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("child: %s", wstatus(st));
	return 0;
}
