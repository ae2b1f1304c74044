/* capset: permitted only shrinks, effective within permitted, inheritable
 * bounded by permitted (without CAP_SETPCAP) and the bounding set; the
 * status file follows. */
#include "sec.h"

static void child(void)
{
	uint64_t full = fullcaps();
	uint64_t dac = 1ULL << CAP_DAC_OVERRIDE;
	ERR("effective_beyond_permitted", setcaps(full, full & ~dac, 0), EPERM);
	EQ("drop_from_permitted", setcaps(full & ~dac, full & ~dac, 0), 0);
	struct caps c = getcaps();
	EQ("permitted_now", c.prm == (full & ~dac), 1);
	ERR("raise_permitted_again", setcaps(full & ~dac, full, 0), EPERM);
	EQ("status_CapPrm", status_hex("CapPrm") == (full & ~dac), 1);
	EQ("status_CapEff", status_hex("CapEff") == (full & ~dac), 1);
	/* With CAP_SETPCAP effective, inheritable may hold anything in the
	 * bounding set, even what is not permitted. */
	EQ("inheritable_with_setpcap", setcaps(full & ~dac, full & ~dac, dac), 0);
	EQ("status_CapInh", status_hex("CapInh") == dac, 1);
	/* Effective may be lowered and raised back within permitted. */
	EQ("lower_effective", setcaps(0, full & ~dac, dac), 0);
	EQ("status_CapEff_zero", status_hex("CapEff"), 0);
	EQ("raise_effective", setcaps(1ULL << CAP_SETPCAP, full & ~dac, dac), 0);
	/* Without CAP_SETPCAP in effective, inheritable cannot gain what is
	 * not permitted. */
	EQ("drop_setpcap_effective", setcaps(1ULL << CAP_KILL, full & ~dac, 0), 0);
	ERR("inheritable_without_setpcap", setcaps(1ULL << CAP_KILL, full & ~dac, dac), EPERM);
	EQ("inheritable_from_permitted", setcaps(1ULL << CAP_KILL, full & ~dac, 1ULL << CAP_KILL), 0);
	/* Bits above CAP_LAST_CAP are ignored. */
	EQ("high_bits_ignored", setcaps(1ULL << CAP_KILL, (full & ~dac) | (1ULL << 63), 1ULL << CAP_KILL), 0);
	EQ("permitted_high_bit_clear", getcaps().prm >> 63, 0);
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
