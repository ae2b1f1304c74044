/*
 * memfd_truncate_seal: a MAP_SHARED mapping of a memfd loses the pages a
 * truncation cuts off (a read there is SIGBUS, and a regrown file reads
 * zero there), and F_SEAL_WRITE holds against mappings: refused (EBUSY)
 * while a writable shared mapping exists, and once set, no shared mapping
 * may write (mmap EPERM, mprotect EACCES).
 */
#include "contract.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;

static void on_bus(int sig)
{
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_bus};
	SYS(sigaction(SIGBUS, &sa, NULL));
	long pg = sysconf(_SC_PAGESIZE);
	int fd = SYS(memfd_create("contract", MFD_ALLOW_SEALING));
	SYS(ftruncate(fd, 2 * pg));
	volatile char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 'a';
	m[pg] = 'b';
	SYS(ftruncate(fd, pg));
	int bus = 0;
	if (sigsetjmp(env, 1) == 0) {
		char c = m[pg];
		OUT("read_past_end", "%d", c);
	} else {
		bus = 1;
	}
	EQ("sigbus_past_end", bus, 1);
	EQ("page0_kept", m[0], 'a');
	SYS(ftruncate(fd, 2 * pg));
	EQ("regrown_page_reads", m[pg], 0);

	ERR("seal_write_while_mapped", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	SYS(munmap((void *)m, 2 * pg));
	SYS(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EQ("seals", fcntl(fd, F_GET_SEALS), F_SEAL_WRITE);
	errno = 0;
	void *w = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	OUT("mmap_shared_write", "%s", w == MAP_FAILED ? errname(errno) : "success");
	CHECK(w == MAP_FAILED && errno == EPERM);
	char *r = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(r != MAP_FAILED);
	EQ("read_only_map_reads", r[0], 'a');
	ERR("mprotect_write", mprotect(r, pg, PROT_READ | PROT_WRITE), EACCES);
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 'z';
	EQ("private_copy_writes", p[0], 'z');
	EQ("file_unchanged", r[0], 'a');
	pass();
}
