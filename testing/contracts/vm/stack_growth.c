/* The main stack grows on demand well past its first pages (recursion using
 * 1 MiB), and RLIMIT_STACK is reported. */
#include "contract.h"
#include <sys/resource.h>

static int depth(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	if (n == 0)
		return pad[0];
	return depth(n - 1) + 1 + (pad[0] - (char)n);
}

int main(void)
{
	EQ("recursion", depth(1024), 1024);
	struct rlimit rl;
	SYS(getrlimit(RLIMIT_STACK, &rl));
	OUT("stack_soft_mb", "%llu", (unsigned long long)rl.rlim_cur >> 20);
	pass();
}
