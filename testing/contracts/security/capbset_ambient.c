/* The bounding set (PR_CAPBSET_READ/DROP) and the ambient set
 * (PR_CAP_AMBIENT): argument checks, the permitted-and-inheritable rule,
 * capset trimming ambient, and the status lines. */
#include "sec.h"

static void child(void)
{
	uint64_t full = fullcaps();
	EQ("bset_read_kill", prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0), 1);
	ERR("bset_read_invalid", prctl(PR_CAPBSET_READ, 64, 0, 0, 0), EINVAL);
	EQ("bset_drop", prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0), 0);
	EQ("bset_read_dropped", prctl(PR_CAPBSET_READ, CAP_SYS_BOOT, 0, 0, 0), 0);
	EQ("status_CapBnd", status_hex("CapBnd") == (full & ~(1ULL << CAP_SYS_BOOT)), 1);
	ERR("bset_drop_invalid", prctl(PR_CAPBSET_DROP, 99, 0, 0, 0), EINVAL);
	/* Inheritable may not gain what left the bounding set. */
	struct caps c = getcaps();
	ERR("inheritable_outside_bset", setcaps(c.eff, c.prm, 1ULL << CAP_SYS_BOOT), EPERM);

	ERR("ambient_raise_not_inheritable", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0), EPERM);
	ERR("ambient_bad_cap", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 64, 0, 0), EINVAL);
	ERR("ambient_bad_arg4", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 1, 0), EINVAL);
	ERR("ambient_bad_op", prctl(PR_CAP_AMBIENT, 9, CAP_NET_RAW, 0, 0), EINVAL);
	ERR("ambient_clear_extra", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), EINVAL);
	uint64_t inh = 1ULL << CAP_NET_RAW | 1ULL << CAP_KILL;
	SYS(setcaps(c.eff, c.prm, inh));
	EQ("ambient_raise", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0), 0);
	EQ("ambient_raise_kill", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0), 0);
	EQ("ambient_is_set", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 1);
	EQ("status_CapAmb", status_hex("CapAmb") == inh, 1);
	EQ("ambient_lower", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_RAW, 0, 0), 0);
	EQ("ambient_is_set_after_lower", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0), 0);
	/* Dropping CAP_KILL from inheritable drops it from ambient. */
	SYS(setcaps(c.eff, c.prm, 1ULL << CAP_NET_RAW));
	EQ("ambient_follows_capset", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0), 0);
	SYS(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0));
	EQ("ambient_clear_all", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 0);
	EQ("status_CapAmb_clear", status_hex("CapAmb"), 0);
	/* Without CAP_SETPCAP the bounding set cannot shrink. */
	SYS(setcaps(c.eff & ~(1ULL << CAP_SETPCAP), c.prm, 0));
	ERR("bset_drop_without_setpcap", prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0), EPERM);
	pass();
}

int main(void)
{
	pid_t p = SYS(fork());
	if (p == 0)
		child();
	int st = reap(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("child: %s", wstatus(st));
	return 0;
}
