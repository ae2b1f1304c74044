/* mlockall: flag rules (0, MCL_ONFAULT alone and unknown bits are EINVAL),
 * MCL_CURRENT locks every mapping but the special vvar and
 * vdso ones, MCL_FUTURE locks
 * (and faults in) later mappings, MCL_FUTURE|MCL_ONFAULT locks them
 * without faulting, munlockall undoes all of it, and fork does not pass
 * MCL_FUTURE on. */
#include "contract.h"
#include <sys/mman.h>

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static long field(const char *name)
{
	char buf[4096];
	CHECK(read_file("/proc/self/status", buf, sizeof buf) > 0);
	char *l = strstr(buf, name);
	CHECK(l != NULL);
	return atol(l + strlen(name));
}

static long map_kb(const char *name)
{
	static char buf[16384];
	CHECK(read_file("/proc/self/maps", buf, sizeof buf) > 0);
	char *l = strstr(buf, name);
	CHECK(l != NULL);
	while (l > buf && l[-1] != '\n')
		l--;
	unsigned long lo, hi;
	CHECK(sscanf(l, "%lx-%lx", &lo, &hi) == 2);
	return (hi - lo) / 1024;
}

/* special_kb is the size of the kernel's special mappings, which mlock
 * leaves alone. */
static long special_kb(void) { return map_kb("[vvar]") + map_kb("[vdso]"); }

int main(void)
{
	ERR("zero", mlockall(0), EINVAL);
	ERR("onfault_alone", mlockall(MCL_ONFAULT), EINVAL);
	ERR("bad_bit", mlockall(MCL_CURRENT | 8), EINVAL);

	SYS(mlockall(MCL_FUTURE));
	EQ("future_now", field("VmLck:"), 0);
	char *p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	EQ("future_map_kb", field("VmLck:"), 64);
	unsigned char vec[16];
	SYS(mincore(p, 16 * 4096, vec));
	OUT("future_resident", "%d%d", vec[0], vec[15]);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(c != MAP_FAILED && field("VmLck:") == 0 ? 0 : 1);
	}
	STREQ("child_not_future", wstatus(reap(pid)), "exit 0");

	SYS(mlockall(MCL_FUTURE | MCL_ONFAULT));
	char *q = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED);
	EQ("onfault_map_kb", field("VmLck:"), 80);
	SYS(mincore(q, 4 * 4096, vec));
	OUT("onfault_resident", "%d%d", vec[0], vec[3]);

	SYS(munlockall());
	EQ("munlockall", field("VmLck:"), 0);
	char *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED);
	EQ("after_munlockall_map", field("VmLck:"), 0);

	SYS(mlockall(MCL_CURRENT));
	EQ("current_all_but_special", field("VmLck:") + special_kb() == field("VmSize:"), 1);
	SYS(munlockall());
	SYS(mlockall(MCL_CURRENT | MCL_ONFAULT));
	EQ("current_onfault", field("VmLck:") + special_kb() == field("VmSize:"), 1);
	SYS(munlockall());
	EQ("end", field("VmLck:"), 0);
	pass();
}
