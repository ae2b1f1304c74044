/*
 * mmap.c: anonymous and file-backed, private and shared mappings across
 * fork; mprotect faults caught by a SIGSEGV handler; a MAP_FIXED overlay
 * over a reservation (the dynamic loader's pattern); munmap holes, mremap,
 * SIGBUS beyond the end of a file, brk.
 */
#include "contract.h"
#include <setjmp.h>
#include <sys/mman.h>

#define PG 4096

static sigjmp_buf jb;
static volatile int fsig, fcode;
static volatile char *faddr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fsig = sig;
	fcode = si->si_code;
	faddr = si->si_addr;
	siglongjmp(jb, 1);
}

/* probe touches p (reading or writing) and names what happened. */
static const char *probe(volatile char *p, int write)
{
	static char buf[64];
	if (sigsetjmp(jb, 1) == 0) {
		if (write)
			*p = 'w';
		else
			(void)*p;
		return "ok";
	}
	snprintf(buf, sizeof buf, "%s code=%d addr_ok=%d", fsig == SIGSEGV ? "SIGSEGV" : fsig == SIGBUS ? "SIGBUS" : "signal",
		fcode, faddr == p);
	return buf;
}

static int make_file(const char *name, size_t size, char fill)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	char *b = malloc(size);
	for (size_t i = 0; i < size; i++)
		b[i] = fill + (char)(i / PG);
	writeall(fd, b, size);
	free(b);
	return fd;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* Anonymous private: zero-filled, copy-on-write across fork. */
	char *ap = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ap == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "ap", errname(errno));
	int zero = 1;
	for (int i = 0; i < 4 * PG; i++)
		zero &= ap[i] == 0;
	OUT("anon_private_zero", "%d", zero);
	strcpy(ap, "parent");
	/* Anonymous shared: visible across fork. */
	char *as = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (as == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "as", errname(errno));
	strcpy(as, "parent");
	pid_t c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		int ok = strcmp(ap, "parent") == 0;
		strcpy(ap, "child");
		strcpy(as, "child");
		strcpy(as + PG, "child page 2");
		_exit(ok ? 0 : 1);
	}
	OUT("fork_child", "%s", wstatus(reap(c)));
	OUT("anon_private_after_fork", "%s", ap);
	OUT("anon_shared_after_fork", "%s / %s", as, as + PG);

	/* File shared: stores reach the file; write() reaches the mapping. */
	int fd = make_file("shared.dat", 3 * PG, 'A');
	char *fs = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fs == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "fs", errname(errno));
	OUT("file_shared_initial", "%c%c%c", fs[0], fs[PG], fs[2 * PG]);
	memcpy(fs + PG + 10, "via-mapping", 11);
	CHECK(msync(fs, 3 * PG, MS_SYNC) == 0);
	char buf[32] = {0};
	CHECK(pread(fd, buf, 11, PG + 10) == 11);
	OUT("file_shared_pread", "%s", buf);
	CHECK(pwrite(fd, "via-write", 9, 2 * PG + 5) == 9);
	OUT("file_shared_sees_write", "%.9s", fs + 2 * PG + 5);
	/* A second, offset mapping of the same file shares the page. */
	char *fs2 = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
	if (fs2 == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "fs2", errname(errno));
	OUT("file_shared_offset", "%.11s", fs2 + 10);
	c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		memcpy(fs, "child-wrote", 11);
		_exit(0);
	}
	reap(c);
	CHECK(pread(fd, buf, 11, 0) == 11);
	OUT("file_shared_child_store", "%.11s", buf);
	munmap(fs2, PG);

	/* File private: stores stay private; the file is untouched. */
	char *fp = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (fp == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "fp", errname(errno));
	memcpy(fp + PG, "private!", 8);
	CHECK(pread(fd, buf, 8, PG) == 8);
	OUT("file_private_file", "%.8s", buf);
	OUT("file_private_map", "%.8s", fp + PG);
	OUT("file_private_other_page", "%.11s", fp);
	/* A write() after the private copy does not reach the copied page, but
	 * reaches pages never written (still shared with the page cache). */
	CHECK(pwrite(fd, "late", 4, PG) == 4);
	CHECK(pwrite(fd, "late", 4, 2 * PG) == 4);
	OUT("file_private_after_write", "%.4s %.4s", fp + PG, fp + 2 * PG);

	/* mprotect: read-only then write faults; PROT_NONE faults on read; back
	 * to read-write works and keeps the data. */
	CHECK(mprotect(ap, PG, PROT_READ) == 0);
	OUT("mprotect_ro_read", "%s", probe(ap, 0));
	OUT("mprotect_ro_write", "%s", probe(ap, 1));
	CHECK(mprotect(ap, PG, PROT_NONE) == 0);
	OUT("mprotect_none_read", "%s", probe(ap, 0));
	OUT("mprotect_neighbour", "%s", probe(ap + PG, 1));
	CHECK(mprotect(ap, PG, PROT_READ | PROT_WRITE) == 0);
	OUT("mprotect_rw_again", "%s", probe(ap + 1, 1));
	OUT("mprotect_data_kept", "%.1s%s", ap, ap + 2);
	errno = 0;
	OUT("mprotect_unaligned", "%s", syscall(SYS_mprotect, ap + 1, PG, PROT_READ) < 0 ? errname(errno) : "ok");
	/* Shared file mapping made read-only, then PROT_WRITE refused on an
	 * O_RDONLY descriptor's shared mapping. */
	int rfd = open("shared.dat", O_RDONLY);
	CHECK(rfd >= 0);
	char *rs = mmap(NULL, PG, PROT_READ, MAP_SHARED, rfd, 0);
	if (rs == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "rs", errname(errno));
	errno = 0;
	OUT("mprotect_write_on_rdonly_shared", "%s", mprotect(rs, PG, PROT_READ | PROT_WRITE) < 0 ? errname(errno) : "ok");
	errno = 0;
	OUT("mmap_shared_write_rdonly_fd", "%s",
		mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0) == MAP_FAILED ? errname(errno) : "ok");

	/* MAP_FIXED overlay: reserve 6 pages of the file read-only, then overlay
	 * page 1-2 with anonymous memory and page 4 with a private writable copy
	 * of file page 0, as ld.so does with its segments. */
	int big = make_file("big.dat", 6 * PG, 'a');
	char *res = mmap(NULL, 6 * PG, PROT_READ, MAP_PRIVATE, big, 0);
	if (res == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "res", errname(errno));
	char *o1 = mmap(res + PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	OUT("fixed_anon_same_addr", "%d", o1 == res + PG);
	char *o2 = mmap(res + 4 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, big, 0);
	OUT("fixed_file_same_addr", "%d", o2 == res + 4 * PG);
	o2[1] = '!';
	OUT("fixed_pages", "%c %d %d %c %c%c %c", res[0], res[PG], res[2 * PG + 7], res[3 * PG], res[4 * PG], res[4 * PG + 1], res[5 * PG]);
	OUT("fixed_ro_page_write", "%s", probe(res, 1));
	OUT("fixed_anon_write", "%s", probe(res + 2 * PG, 1));
	/* MAP_FIXED_NOREPLACE refuses to clobber. */
	errno = 0;
	void *nr = mmap(res, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | 0x100000, -1, 0);
	OUT("fixed_noreplace", "%s", nr == MAP_FAILED ? errname(errno) : nr == res ? "replaced" : "elsewhere");

	/* munmap a hole in the middle. */
	CHECK(munmap(res + 3 * PG, PG) == 0);
	OUT("hole_read", "%s", probe(res + 3 * PG, 0));
	OUT("hole_neighbours", "%c %c", res[2 * PG] ? 'x' : '0', res[4 * PG]);

	/* mremap grows (and may move) an anonymous mapping keeping contents. */
	char *g = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(g + PG, "keep me");
	char *g2 = mremap(g, 2 * PG, 8 * PG, MREMAP_MAYMOVE);
	if (g2 == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "g2", errname(errno));
	OUT("mremap", "%s tail_zero=%d", g2 + PG, g2[7 * PG] == 0);
	errno = 0;
	OUT("mremap_nomove_into_used", "%s", mremap(res, PG, 3 * PG, 0) == MAP_FAILED ? errname(errno) : "ok");

	/* Beyond the end of a file: the rest of the last page reads zero, the
	 * next page raises SIGBUS. */
	int tiny = open("tiny.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	writeall(tiny, "0123456789", 10);
	char *t = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, tiny, 0);
	if (t == MAP_FAILED)
		fail("line %d: mmap %s: %s", __LINE__, "t", errname(errno));
	OUT("eof_tail", "%.10s zero=%d", t, t[100] == 0);
	OUT("eof_next_page", "%s", probe(t + PG, 0));
	/* Growing the file makes the page valid. */
	CHECK(ftruncate(tiny, 2 * PG) == 0);
	OUT("eof_after_truncate", "%s", probe(t + PG, 0));

	/* Bad arguments. */
	errno = 0;
	OUT("mmap_len0", "%s", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? errname(errno) : "ok");
	errno = 0;
	OUT("mmap_badfd", "%s", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED ? errname(errno) : "ok");
	errno = 0;
	OUT("mmap_noflags", "%s", mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? errname(errno) : "ok");
	errno = 0;
	OUT("munmap_unaligned", "%s", munmap(ap + 1, PG) < 0 ? errname(errno) : "ok");

	/* brk grows the heap. */
	char *b0 = sbrk(0);
	char *b1 = sbrk(3 * PG);
	if (b1 != (void *)-1) {
		memset(b1, 7, 3 * PG);
		OUT("brk", "grew=%d byte=%d", (char *)sbrk(0) - b0 == 3 * PG, b1[3 * PG - 1]);
	} else {
		OUT("brk", "%s", errname(errno));
	}
	pass();
}
