/* flock: exclusive locks conflict across open file descriptions, not across
 * dups; LOCK_NB reports EWOULDBLOCK; unlock releases. */
#include "contract.h"
#include <sys/file.h>

int main(void)
{
	int a = SYS(open("lock", O_RDWR | O_CREAT, 0644));
	int b = SYS(open("lock", O_RDWR));
	int a2 = SYS(dup(a));
	EQ("a_ex", flock(a, LOCK_EX | LOCK_NB), 0);
	ERR("b_ex", flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	ERR("b_sh", flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	EQ("dup_ex", flock(a2, LOCK_EX | LOCK_NB), 0);
	EQ("unlock", flock(a, LOCK_UN), 0);
	EQ("b_sh_after", flock(b, LOCK_SH | LOCK_NB), 0);
	EQ("a_sh", flock(a, LOCK_SH | LOCK_NB), 0);
	ERR("a_ex_vs_sh", flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(flock(b, LOCK_UN) == 0 ? 0 : 1);
	STREQ("child_unlock", wstatus(reap(pid)), "exit 0");
	EQ("a_ex_after_child", flock(a, LOCK_EX | LOCK_NB), 0);
	ERR("badop", flock(a, 0), EINVAL);
	pass();
}
