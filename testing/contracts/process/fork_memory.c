/* After fork, parent and child memory are independent copies. */
#include "contract.h"
#include <sys/mman.h>

static int global = 1;

int main(void)
{
	int *heap = malloc(sizeof *heap);
	*heap = 10;
	int *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*anon = 100;
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*shared = 1000;
	pid_t pid = SYS(fork());
	if (pid == 0) {
		global = 2;
		*heap = 20;
		*anon = 200;
		*shared = 2000;
		_exit(0);
	}
	reap(pid);
	EQ("global", global, 1);
	EQ("heap", *heap, 10);
	EQ("anon_private", *anon, 100);
	EQ("anon_shared", *shared, 2000);
	pass();
}
