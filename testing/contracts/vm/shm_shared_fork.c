/* MAP_SHARED|MAP_ANONYMOUS memory and /dev/shm files are shared between
 * parent and child. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	volatile int *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = SYS(open("/dev/shm/contract-shm", O_RDWR | O_CREAT | O_TRUNC, 0600));
	SYS(ftruncate(fd, 4096));
	volatile int *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	SYS(unlink("/dev/shm/contract-shm"));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		a[0] = 111;
		b[1] = 222;
		_exit(0);
	}
	reap(pid);
	EQ("anon_shared", a[0], 111);
	EQ("shm_file", b[1], 222);
	int v;
	SYS(pread(fd, &v, sizeof v, 4));
	EQ("via_fd", v, 222);
	pass();
}
