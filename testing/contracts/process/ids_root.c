/* The contract runs as root: all uids/gids 0; getresuid agrees. */
#include "contract.h"

int main(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	SYS(getresuid(&r, &e, &s));
	SYS(getresgid(&gr, &ge, &gs));
	OUT("uids", "%d %d %d", r, e, s);
	OUT("gids", "%d %d %d", gr, ge, gs);
	CHECK(r == 0 && e == 0 && s == 0 && gr == 0 && ge == 0 && gs == 0);
	EQ("getuid", getuid(), 0);
	EQ("geteuid", geteuid(), 0);
	EQ("getgid", getgid(), 0);
	EQ("getegid", getegid(), 0);
	EQ("ngroups", getgroups(0, NULL), 0);
	pass();
}
