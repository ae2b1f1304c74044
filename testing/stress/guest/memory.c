/*
 * memory.c: mmap/munmap/mremap churn, a memory hog, memfd churn.
 */
#include "stress.h"
#include "workloads.h"

#include <dirent.h>
#include <setjmp.h>
#include <sys/mman.h>

#define PG 4096UL

/* count_lines counts the lines of a /proc file. */
static int count_lines(const char *path)
{
	static char buf[65536];
	int fd = SYS(open(path, O_RDONLY));
	int lines = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* ---- mmap churn ------------------------------------------------------- */

struct slot {
	uint64_t *addr;
	size_t pages;
	uint64_t tag;
};

static void slot_fill(struct slot *s, size_t from)
{
	for (size_t p = from; p < s->pages; p++)
		s->addr[p * 512] = s->tag * 1000 + p, s->addr[p * 512 + 511] = ~(s->tag * 1000 + p);
}

static void slot_verify(struct slot *s, size_t upto)
{
	for (size_t p = 0; p < upto; p++)
		if (s->addr[p * 512] != s->tag * 1000 + p || s->addr[p * 512 + 511] != ~(s->tag * 1000 + p))
			FAIL("mapping tag %llu page %zu of %zu lost its data", (unsigned long long)s->tag, p,
			     s->pages);
}

void w_mmap_churn(int argc, char **argv)
{
	enum { SLOTS = 32, OPS = 3000 };
	struct slot s[SLOTS] = {0};
	int base = count_lines("/proc/self/maps");
	uint64_t tag = 1;
	long ops[7] = {0};
	for (int k = 0; k < OPS; k++) {
		struct slot *x = &s[rnd() % SLOTS];
		if (!x->addr) {
			x->pages = 1 + rnd() % 32;
			x->addr = mmap(NULL, x->pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0);
			CHECK(x->addr != MAP_FAILED);
			x->tag = tag++;
			slot_fill(x, 0);
			ops[0]++;
			continue;
		}
		slot_verify(x, x->pages);
		int op = 1 + rnd() % 6;
		ops[op]++;
		switch (op) {
		case 1: { /* grow, maybe moving */
			size_t np = x->pages + 1 + rnd() % 16;
			void *m = mremap(x->addr, x->pages * PG, np * PG, MREMAP_MAYMOVE);
			CHECK(m != MAP_FAILED);
			x->addr = m;
			size_t old = x->pages;
			x->pages = np;
			slot_verify(x, old);
			slot_fill(x, old);
			break;
		}
		case 2: /* shrink in place */
			if (x->pages > 1) {
				size_t np = 1 + rnd() % (x->pages - 1);
				void *m = mremap(x->addr, x->pages * PG, np * PG, 0);
				CHECKV((long)m, (long)x->addr);
				x->pages = np;
				slot_verify(x, np);
			}
			break;
		case 3: { /* move to a reserved place */
			void *r = mmap(NULL, x->pages * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			CHECK(r != MAP_FAILED);
			void *m = mremap(x->addr, x->pages * PG, x->pages * PG, MREMAP_MAYMOVE | MREMAP_FIXED, r);
			CHECKV((long)m, (long)r);
			x->addr = m;
			slot_verify(x, x->pages);
			break;
		}
		case 4: /* read-only for a while */
			SYS(mprotect(x->addr, x->pages * PG, PROT_READ));
			slot_verify(x, x->pages);
			SYS(mprotect(x->addr, x->pages * PG, PROT_READ | PROT_WRITE));
			break;
		case 5: /* punch a hole, check both sides, drop the rest */
			if (x->pages >= 3) {
				size_t h = 1 + rnd() % (x->pages - 2);
				SYS(munmap((char *)x->addr + h * PG, PG));
				slot_verify(x, h);
				for (size_t p = h + 1; p < x->pages; p++)
					CHECK(x->addr[p * 512] == x->tag * 1000 + p);
			}
			/* fallthrough */
		default:
			SYS(munmap(x->addr, x->pages * PG));
			x->addr = NULL;
		}
	}
	for (int i = 0; i < SLOTS; i++)
		if (s[i].addr) {
			slot_verify(&s[i], s[i].pages);
			SYS(munmap(s[i].addr, s[i].pages * PG));
		}
	int after = count_lines("/proc/self/maps");
	if (after != base)
		FAIL("/proc/self/maps has %d lines after the churn, %d before", after, base);

	/* Shared file mappings: what is stored through the mapping is what
	 * read(2) returns; MADV_DONTNEED on private anonymous memory zeroes it. */
	int fd = SYS(open("mmap-file", O_CREAT | O_RDWR | O_TRUNC, 0600));
	SYS(ftruncate(fd, 64 * PG));
	for (int k = 0; k < 200; k++) {
		size_t off = rnd() % 48;
		size_t len = 1 + rnd() % 16;
		uint64_t *m = mmap(NULL, len * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off * PG);
		CHECK(m != MAP_FAILED);
		for (size_t p = 0; p < len; p++)
			m[p * 512 + 7] = k * 100 + p;
		SYS(munmap(m, len * PG));
		for (size_t p = 0; p < len; p++) {
			uint64_t v;
			CHECKV(pread(fd, &v, 8, (off + p) * PG + 56), 8);
			CHECKV(v, k * 100 + p);
		}
	}
	uint64_t *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	for (int p = 0; p < 16; p++)
		a[p * 512] = p + 1;
	SYS(madvise(a, 16 * PG, MADV_DONTNEED));
	for (int p = 0; p < 16; p++)
		CHECKV(a[p * 512], 0);
	sayf("mmap-churn: %d operations (map %ld grow %ld shrink %ld move %ld protect %ld punch %ld), 200 shared-file maps\n",
	     OPS, ops[0], ops[1], ops[2], ops[3], ops[4], ops[5]);
}

/* ---- memory hog ------------------------------------------------------- */

void w_memory_hog(int argc, char **argv)
{
	enum { MIB = 128, CHILD_MIB = 16 };
	size_t pages = MIB * 256;
	uint64_t *m = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t p = 0; p < pages; p++)
			for (size_t w = 0; w < 512; w += 32)
				m[p * 512 + w] = p ^ w ^ (uint64_t)pass << 40;
		for (size_t p = 0; p < pages; p++)
			for (size_t w = 0; w < 512; w += 32)
				if (m[p * 512 + w] != (p ^ w ^ (uint64_t)pass << 40))
					FAIL("pass %d page %zu word %zu changed", pass, p, w);
	}
	pid_t kid = SYS(fork());
	if (kid == 0) {
		for (size_t p = 0; p < pages; p += 8)
			CHECK(m[p * 512] == (p ^ (uint64_t)1 << 40));
		for (size_t p = 0; p < CHILD_MIB * 256; p++)
			m[p * 512 + 1] = 0xc0ffee;
		for (size_t p = 0; p < CHILD_MIB * 256; p++)
			CHECKV(m[p * 512 + 1], 0xc0ffee);
		_exit(0);
	}
	WAIT_EXIT(kid, 0);
	for (size_t p = 0; p < pages; p++)
		if (m[p * 512 + 1] != 0 || m[p * 512] != (p ^ (uint64_t)1 << 40))
			FAIL("page %zu changed in the parent after the child wrote its copy", p);
	SYS(madvise(m, pages / 2 * PG, MADV_DONTNEED));
	for (size_t p = 0; p < pages / 2; p += 16)
		CHECKV(m[p * 512], 0);
	SYS(munmap(m, pages * PG));
	/* The memory is back: the same again through malloc. */
	for (int r = 0; r < 2; r++) {
		char *b = malloc(MIB / 2 << 20);
		CHECK(b != NULL);
		memset(b, r + 1, MIB / 2 << 20);
		for (size_t i = 0; i < (size_t)MIB / 2 << 20; i += 4096)
			CHECKV(b[i], r + 1);
		free(b);
	}
	sayf("memory-hog: %d MiB written and verified twice, a child copied %d MiB, returned and taken again\n",
	     MIB, CHILD_MIB);
}

/* ---- memfd churn ------------------------------------------------------ */

static sigjmp_buf bus_jmp;
static volatile int bus_hits;

static void on_bus(int sig)
{
	bus_hits++;
	siglongjmp(bus_jmp, 1);
}

void w_memfd_churn(int argc, char **argv)
{
	enum { N = 400 };
	struct sigaction sa = {.sa_handler = on_bus};
	SYS(sigaction(SIGBUS, &sa, NULL));
	int fds_before = count_fds();
	long bus_tests = 0, seal_tests = 0;
	for (int i = 0; i < N; i++) {
		int fd = SYS(memfd_create("churn", MFD_ALLOW_SEALING | MFD_CLOEXEC));
		size_t pages = 2 + rnd() % 15;
		SYS(ftruncate(fd, pages * PG));
		uint64_t *m = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(m != MAP_FAILED);
		for (size_t p = 0; p < pages; p++)
			m[p * 512 + 3] = i * 100 + p;
		for (size_t p = 0; p < pages; p++) {
			uint64_t v;
			CHECKV(pread(fd, &v, 8, p * PG + 24), 8);
			CHECKV(v, i * 100 + p);
		}
		uint64_t w = 0x5eed0000 + i;
		CHECKV(pwrite(fd, &w, 8, 8), 8);
		CHECKV(m[1], w);
		struct stat st;
		SYS(fstat(fd, &st));
		CHECKV(st.st_size, pages * PG);
		if (i % 8 == 0) {
			/* Past the end of a shrunk file is SIGBUS; grown again, it reads zero. */
			SYS(ftruncate(fd, PG));
			int before = bus_hits;
			volatile uint64_t sink = 0;
			if (sigsetjmp(bus_jmp, 1) == 0) {
				sink = m[512 + 3];
				FAIL("read past the end of a shrunk memfd gave %llu, not SIGBUS",
				     (unsigned long long)sink);
			}
			CHECKV(bus_hits, before + 1);
			SYS(ftruncate(fd, pages * PG));
			CHECKV(m[512 + 3], 0);
			CHECKV(m[3], i * 100);
			bus_tests++;
		}
		if (i % 10 == 0) {
			SYS(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
			ERRNO(ftruncate(fd, PG), EPERM);
			SYS(ftruncate(fd, (pages + 1) * PG));
			ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
			SYS(munmap(m, pages * PG));
			m = NULL;
			SYS(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL));
			CHECKV(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_WRITE | F_SEAL_SEAL);
			ERRNO(pwrite(fd, &w, 8, 0), EPERM);
			CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
			      errno == EPERM);
			ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
			uint64_t v;
			CHECKV(pread(fd, &v, 8, 8), 8);
			CHECKV(v, w);
			seal_tests++;
		}
		if (i % 50 == 0) {
			char path[64], link[128];
			snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
			ssize_t n = SYS(readlink(path, link, sizeof link - 1));
			link[n] = 0;
			if (strcmp(link, "/memfd:churn (deleted)") != 0)
				FAIL("%s -> %s", path, link);
		}
		if (m)
			SYS(munmap(m, pages * PG));
		SYS(close(fd));
	}
	CHECKV(count_fds(), fds_before);
	sayf("memfd-churn: %d memfds created, mapped, resized and closed; %ld SIGBUS checks, %ld seal checks\n",
	     N, bus_tests, seal_tests);
}
