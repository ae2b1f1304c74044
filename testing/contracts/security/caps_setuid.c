/* Capabilities follow uid changes as Linux computes them: euid leaving 0
 * empties the effective set and returning restores it from permitted;
 * leaving uid 0 in real, effective and saved uid empties everything; an
 * fsuid change moves only the filesystem capabilities. */
#include "sec.h"
#include <sys/fsuid.h>

static uint64_t fsmask(void)
{
	return 1ULL << CAP_CHOWN | 1ULL << CAP_MKNOD | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_DAC_READ_SEARCH |
	       1ULL << CAP_FOWNER | 1ULL << CAP_FSETID | 1ULL << CAP_LINUX_IMMUTABLE | 1ULL << CAP_MAC_OVERRIDE;
}

static int run(void (*fn)(uint64_t))
{
	pid_t p = SYS(fork());
	if (p == 0) {
		fn(fullcaps());
		_exit(0);
	}
	int st = reap(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("child: %s", wstatus(st));
	return 0;
}

static void euid(uint64_t full)
{
	SYS(setresuid(0, 1000, 0));
	struct caps c = getcaps();
	EQ("euid1000_effective", c.eff, 0);
	EQ("euid1000_permitted_full", c.prm == full, 1);
	SYS(setresuid(-1, 0, -1));
	c = getcaps();
	EQ("euid0_effective_restored", c.eff == full, 1);
}

static void all(uint64_t full)
{
	SYS(setresuid(1000, 1000, 1000));
	struct caps c = getcaps();
	EQ("all1000_effective", c.eff, 0);
	EQ("all1000_permitted", c.prm, 0);
	EQ("status_CapPrm", status_hex("CapPrm"), 0);
	ERR("back_to_root", setuid(0), EPERM);
	EQ("bounding_kept", status_hex("CapBnd") == full, 1);
}

static void saved(uint64_t full)
{
	/* Keeping uid 0 as the saved uid keeps permitted. */
	SYS(setresuid(1000, 1000, 0));
	struct caps c = getcaps();
	EQ("saved0_effective", c.eff, 0);
	EQ("saved0_permitted_full", c.prm == full, 1);
	SYS(seteuid(0));
	EQ("saved0_regained", getcaps().eff == full, 1);
}

static void fsuid(uint64_t full)
{
	EQ("setfsuid_returns_old", setfsuid(1000), 0);
	struct caps c = getcaps();
	EQ("fsuid1000_effective", c.eff == (full & ~fsmask()), 1);
	EQ("fsuid1000_permitted_full", c.prm == full, 1);
	EQ("setfsuid_back", setfsuid(0), 1000);
	EQ("fsuid0_effective", getcaps().eff == full, 1);
}

static void unpriv(uint64_t full)
{
	(void)full;
	SYS(setresuid(1000, 1001, 1002));
	EQ("setfsuid_other_denied", setfsuid(5), 1001);
	EQ("fsuid_unchanged", setfsuid(-1), 1001);
	EQ("setfsuid_to_saved", setfsuid(1002), 1001);
	EQ("fsuid_now", setfsuid(-1), 1002);
	ERR("setreuid_real_to_saved", setreuid(1002, -1), EPERM);
	EQ("setreuid_effective_to_saved", setreuid(-1, 1002), 0);
	uid_t r, e, s;
	SYS(getresuid(&r, &e, &s));
	OUT("after_setreuid", "%u %u %u", r, e, s);
	EQ("setreuid_real_to_effective", setreuid(1002, -1), 0);
	SYS(getresuid(&r, &e, &s));
	OUT("after_setreuid2", "%u %u %u", r, e, s);
	ERR("setuid_minus_one", setuid(-1), EINVAL);
}

int main(void)
{
	run(euid);
	run(all);
	run(saved);
	run(fsuid);
	run(unpriv);
	pass();
}
