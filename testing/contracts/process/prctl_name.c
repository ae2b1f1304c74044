/* PR_SET_NAME/PR_GET_NAME round-trip (truncated to 15 bytes) and show up in
 * /proc/self/comm. */
#include "contract.h"
#include <sys/prctl.h>

int main(void)
{
	SYS(prctl(PR_SET_NAME, "contract-name-that-is-long", 0, 0, 0));
	char name[32] = {0};
	SYS(prctl(PR_GET_NAME, name, 0, 0, 0));
	STREQ("name", name, "contract-name-t");
	char comm[32] = {0};
	SYS(read_file("/proc/self/comm", comm, sizeof comm));
	STREQ("comm", comm, "contract-name-t\n");
	ERR("badopt", prctl(0x7fffffff, 0, 0, 0, 0), EINVAL);
	pass();
}
