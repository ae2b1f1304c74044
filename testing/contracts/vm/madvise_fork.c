/* MADV_DONTFORK leaves a mapping out of the child (SIGSEGV there),
 * MADV_DOFORK brings it back; MADV_WIPEONFORK gives the child zeros while
 * the parent keeps its data, MADV_KEEPONFORK undoes it; WIPEONFORK takes
 * only private anonymous memory. */
#include "contract.h"
#include <sys/mman.h>

static int child_reads(volatile char *p)
{
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(p[0] + p[4096]);
	return reap(pid);
}

int main(void)
{
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 3;
	p[4096] = 4;
	STREQ("plain", wstatus(child_reads(p)), "exit 7");
	SYS(madvise(p, 2 * 4096, MADV_DONTFORK));
	STREQ("dontfork", wstatus(child_reads(p)), "signal 11");
	SYS(madvise(p, 2 * 4096, MADV_DOFORK));
	STREQ("dofork", wstatus(child_reads(p)), "exit 7");

	SYS(madvise(p + 4096, 4096, MADV_WIPEONFORK));
	STREQ("wipeonfork_half", wstatus(child_reads(p)), "exit 3");
	EQ("parent_kept", p[4096], 4);
	SYS(madvise(p, 2 * 4096, MADV_WIPEONFORK));
	STREQ("wipeonfork", wstatus(child_reads(p)), "exit 0");
	/* The child's mapping is there, zero, and writable. */
	pid_t pid = SYS(fork());
	if (pid == 0) {
		p[0] = 9;
		_exit(p[0]);
	}
	STREQ("child_writes", wstatus(reap(pid)), "exit 9");
	EQ("parent_still", p[0], 3);
	SYS(madvise(p, 2 * 4096, MADV_KEEPONFORK));
	STREQ("keeponfork", wstatus(child_reads(p)), "exit 7");

	char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	ERR("wipe_shared", madvise(s, 4096, MADV_WIPEONFORK), EINVAL);
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	SYS(ftruncate(fd, 4096));
	char *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED);
	ERR("wipe_file", madvise(f, 4096, MADV_WIPEONFORK), EINVAL);
	EQ("keep_shared", madvise(s, 4096, MADV_KEEPONFORK), 0);
	EQ("dontfork_shared", madvise(s, 4096, MADV_DONTFORK), 0);
	s[0] = 5;
	pid = SYS(fork());
	if (pid == 0)
		_exit(s[0]);
	STREQ("shared_dontfork", wstatus(reap(pid)), "signal 11");
	pass();
}
