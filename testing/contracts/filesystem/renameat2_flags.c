/* renameat2: RENAME_NOREPLACE refuses an existing target, RENAME_EXCHANGE
 * swaps two names, both together are EINVAL. */
#include "contract.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

int main(void)
{
	SYS(write_file("a", "A"));
	SYS(write_file("b", "B"));
	ERR("noreplace", syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST);
	EQ("exchange", syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE), 0);
	char buf[4] = {0};
	SYS(read_file("a", buf, sizeof buf));
	STREQ("a_now", buf, "B");
	SYS(read_file("b", buf, sizeof buf));
	STREQ("b_now", buf, "A");
	ERR("exchange_missing", syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "c", RENAME_EXCHANGE), ENOENT);
	ERR("both", syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	EQ("noreplace_new", syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE), 0);
	pass();
}
