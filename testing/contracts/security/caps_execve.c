/* Capabilities across execve without file capabilities: root gets the
 * bounding set plus inheritable (effective only with euid 0), ambient
 * capabilities survive, and a real-root, effective-user program starts
 * with an empty effective set. */
#include "sec.h"

static void report(const char *tag)
{
	uint64_t full = fullcaps();
	struct caps c = getcaps();
	uint64_t boot = 1ULL << CAP_SYS_BOOT;
	printf("%s_prm_full_but_boot: %d\n", tag, c.prm == (full & ~boot));
	printf("%s_eff_equals_prm: %d\n", tag, c.eff == c.prm);
	printf("%s_eff: %s\n", tag, c.eff == 0 ? "empty" : "nonempty");
	printf("%s_inh: %llx\n", tag, (unsigned long long)c.inh);
	printf("%s_amb: %llx\n", tag, (unsigned long long)status_hex("CapAmb"));
	printf("%s_bnd_has_boot: %d\n", tag, (int)(status_hex("CapBnd") >> CAP_SYS_BOOT & 1));
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	printf("%s_resuid: %u %u %u\n", tag, r, e, s);
}

static void execself(const char *mode)
{
	char *argv[] = {"caps_execve", (char *)mode, NULL};
	execv("/proc/self/exe", argv);
	fail("execv: %s", errname(errno));
}

int main(int argc, char **argv)
{
	if (argc == 2) {
		report(argv[1]);
		return 0;
	}
	pid_t p = SYS(fork());
	if (p == 0) {
		SYS(prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
		struct caps c = getcaps();
		uint64_t raw = 1ULL << CAP_NET_RAW;
		SYS(setcaps(c.eff & ~(1ULL << CAP_SYS_BOOT), c.prm & ~(1ULL << CAP_SYS_BOOT), raw));
		SYS(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0));
		execself("root");
	}
	int st = reap(p);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	p = SYS(fork());
	if (p == 0) {
		SYS(prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
		SYS(setresuid(0, 1000, 0));
		execself("euid1000");
	}
	st = reap(p);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pass();
}
