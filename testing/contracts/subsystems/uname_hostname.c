/* uname fields, sethostname/setdomainname visible in uname and /proc. */
#include "contract.h"
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;
	SYS(uname(&u));
	STREQ("sysname", u.sysname, "Linux");
	STREQ("machine", u.machine, "x86_64");
	SYS(sethostname("contract-host", 13));
	SYS(setdomainname("example", 7));
	SYS(uname(&u));
	STREQ("nodename", u.nodename, "contract-host");
	STREQ("domainname", u.domainname, "example");
	char buf[64];
	SYS(read_file("/proc/sys/kernel/hostname", buf, sizeof buf));
	STREQ("proc_hostname", buf, "contract-host\n");
	char big[100];
	memset(big, 'a', sizeof big);
	ERR("too_long", sethostname(big, 65), EINVAL);
	char rel[128];
	SYS(read_file("/proc/sys/kernel/osrelease", rel, sizeof rel));
	rel[strcspn(rel, "\n")] = 0;
	EQ("release_matches", strcmp(rel, u.release), 0);
	pass();
}
