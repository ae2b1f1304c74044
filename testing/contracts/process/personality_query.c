/* personality(2): the persona of a normal process is PER_LINUX; a query
 * (0xffffffff) returns it without changing it, setting PER_LINUX returns
 * the previous persona, and a child inherits it. Only the low 32 bits of
 * the argument count. */
#include "contract.h"

int main(void)
{
	EQ("query", syscall(SYS_personality, 0xffffffffUL), 0);
	EQ("set_per_linux", syscall(SYS_personality, 0UL), 0);
	EQ("query_again", syscall(SYS_personality, 0xffffffffUL), 0);
	EQ("query_high_bits_ignored", syscall(SYS_personality, 0x1ffffffffUL), 0);
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char r = syscall(SYS_personality, 0xffffffffUL) == 0;
		write(p[1], &r, 1);
		_exit(0);
	}
	char r;
	SYS(read(p[0], &r, 1));
	EQ("child_per_linux", r, 1);
	reap(pid);
	pass();
}
