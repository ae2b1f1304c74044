/* dup2 onto itself is a no-op returning the fd; dup2 replaces an open target. */
#include "contract.h"

int main(void)
{
	int a = SYS(open("a", O_RDWR | O_CREAT | O_TRUNC, 0644));
	int b = SYS(open("b", O_RDWR | O_CREAT | O_TRUNC, 0644));
	EQ("dup2_self", dup2(a, a), a);
	ERR("dup2_self_bad", dup2(77, 77), EBADF);
	EQ("dup2_replace", dup2(a, b), b);
	writeall(b, "xy", 2);
	struct stat st;
	SYS(fstat(a, &st));
	EQ("size_via_a", st.st_size, 2);
	ERR("dup3_same", syscall(SYS_dup3, a, a, 0), EINVAL);
	ERR("dup3_badflag", syscall(SYS_dup3, a, 50, 0x1234), EINVAL);
	pass();
}
