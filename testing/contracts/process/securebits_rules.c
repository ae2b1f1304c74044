/* prctl securebits (man 7 capabilities): PR_GET_SECUREBITS starts at 0; root
 * (CAP_SETPCAP) may set the known flags and their locks; a locked flag cannot
 * change and a lock cannot be released (EPERM); an unknown bit is EPERM too
 * (commoncap's single check); PR_SET_KEEPCAPS is the KEEP_CAPS flag (EINVAL
 * above 1, EPERM once locked); without CAP_SETPCAP every change is EPERM.
 * fork inherits the bits; execve clears KEEP_CAPS and keeps the rest. */
#include "contract.h"
#include <linux/securebits.h>
#include <sys/prctl.h>

static long get(void) { return prctl(PR_GET_SECUREBITS, 0, 0, 0, 0); }

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "after-exec") == 0) {
		OUT("after_exec", "%#lx", get());
		EQ("keepcaps_after_exec", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
		exit(0);
	}
	EQ("initial", get(), 0);

	/* Without CAP_SETPCAP (uid 1000 after setuid) no change is allowed,
	 * not even to the same value; KEEPCAPS needs no capability. */
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(setuid(1000));
		ERR("unpriv_set", prctl(PR_SET_SECUREBITS, SECBIT_NOROOT, 0, 0, 0), EPERM);
		ERR("unpriv_same", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0), EPERM);
		EQ("unpriv_get", get(), 0);
		EQ("unpriv_keepcaps", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
		OUT("unpriv_after_keepcaps", "%#lx", get());
		exit(0);
	}
	STREQ("unpriv_child", wstatus(reap(pid)), "exit 0");
	EQ("keepcaps_initial", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
	EQ("set_keepcaps", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
	OUT("after_set_keepcaps", "%#lx", get());
	EQ("keepcaps", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
	ERR("set_keepcaps_2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
	EQ("clear_keepcaps", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), 0);
	EQ("after_clear", get(), 0);

	ERR("unknown_bit", prctl(PR_SET_SECUREBITS, 1UL << 8, 0, 0, 0), EPERM);
	ERR("high_bit", prctl(PR_SET_SECUREBITS, 1UL << 40, 0, 0, 0), EPERM);
	EQ("still", get(), 0);

	/* Every flag, then lock NO_SETUID_FIXUP and KEEP_CAPS. */
	EQ("set_all", prctl(PR_SET_SECUREBITS, SECURE_ALL_BITS, 0, 0, 0), 0);
	OUT("all", "%#lx", get());
	EQ("set_none", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0), 0);
	unsigned long v = SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED;
	EQ("lock", prctl(PR_SET_SECUREBITS, v, 0, 0, 0), 0);
	OUT("locked", "%#lx", get());
	ERR("change_locked_flag", prctl(PR_SET_SECUREBITS, v & ~SECBIT_KEEP_CAPS, 0, 0, 0), EPERM);
	ERR("set_locked_flag", prctl(PR_SET_SECUREBITS, v | SECBIT_NO_SETUID_FIXUP, 0, 0, 0), EPERM);
	ERR("release_lock", prctl(PR_SET_SECUREBITS, v & ~SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0), EPERM);
	ERR("set_keepcaps_locked", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), EPERM);
	EQ("unlocked_flag_may_change", prctl(PR_SET_SECUREBITS, v | SECBIT_NOROOT, 0, 0, 0), 0);
	OUT("now", "%#lx", get());
	EQ("same_again", prctl(PR_SET_SECUREBITS, v | SECBIT_NOROOT, 0, 0, 0), 0);

	pid = SYS(fork());
	if (pid == 0) {
		OUT("child", "%#lx", get());
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
		_exit(99);
	}
	STREQ("exec_child", wstatus(reap(pid)), "exit 0");
	pass();
}
