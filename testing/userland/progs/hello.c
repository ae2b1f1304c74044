/*
 * hello.c: one small libc program built four ways (glibc static, glibc
 * dynamic, musl static, musl dynamic). It touches what a C runtime does at
 * start-up and in everyday calls: argv/envp/auxv, stdio buffering, malloc of
 * small and large blocks, string formatting, files in the cwd, atexit.
 */
#include "contract.h"
#include <math.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/utsname.h>

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void bye(void)
{
	/* Runs after main returns: stdout is unbuffered (contract.h), so the
	 * line lands before CONTRACT_PASS only if atexit order is right. */
	printf("atexit: ran\n");
	printf("CONTRACT_PASS\n");
}

int main(int argc, char **argv, char **envp)
{
	OUT("argc", "%d", argc);
	for (int i = 1; i < argc; i++)
		OUT("argv", "%s", argv[i]);
	int ne = 0;
	for (char **e = envp; *e; e++)
		ne++;
	OUT("envc", "%d", ne);
	OUT("PATH", "%s", getenv("PATH") ? getenv("PATH") : "(unset)");
	OUT("argv0_is_abs", "%d", argv[0][0] == '/');

	OUT("AT_PAGESZ", "%lu", getauxval(AT_PAGESZ));
	OUT("AT_SECURE", "%lu", getauxval(AT_SECURE));
	OUT("AT_UID", "%lu", getauxval(AT_UID));
	OUT("AT_EGID", "%lu", getauxval(AT_EGID));
	OUT("AT_CLKTCK", "%lu", getauxval(AT_CLKTCK));
	OUT("AT_RANDOM_set", "%d", getauxval(AT_RANDOM) != 0);
	OUT("AT_ENTRY_set", "%d", getauxval(AT_ENTRY) != 0);
	OUT("AT_PHDR_set", "%d", getauxval(AT_PHDR) != 0);
	const char *plat = (const char *)getauxval(AT_PLATFORM);
	OUT("AT_PLATFORM", "%s", plat ? plat : "(none)");
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	OUT("AT_EXECFN_matches", "%d", execfn && strcmp(execfn, argv[0]) == 0);

	struct utsname u;
	CHECK(uname(&u) == 0);
	OUT("sysname", "%s", u.sysname);
	OUT("machine", "%s", u.machine);

	/* malloc: many small blocks, then large ones (mmap-backed in both libcs). */
	unsigned long sum = 0;
	char *blocks[256];
	for (int i = 0; i < 256; i++) {
		blocks[i] = malloc(16 + i * 7);
		CHECK(blocks[i] != NULL);
		memset(blocks[i], i, 16 + i * 7);
	}
	for (int i = 0; i < 256; i++) {
		sum += (unsigned char)blocks[i][15 + i * 7];
		free(blocks[i]);
	}
	OUT("small_sum", "%lu", sum);
	for (int k = 0; k < 4; k++) {
		size_t n = (size_t)(1 + k) << 20;
		unsigned char *big = malloc(n);
		CHECK(big != NULL);
		for (size_t i = 0; i < n; i += 4096)
			big[i] = (unsigned char)(i >> 12);
		unsigned long s = 0;
		for (size_t i = 0; i < n; i += 4096)
			s += big[i];
		big = realloc(big, n * 2);
		CHECK(big != NULL);
		OUT("big", "%zu %lu %d", n, s, big[4096 * 3]);
		free(big);
	}
	void *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	OUT("mmap_zeroed", "%d", ((char *)m)[12345] == 0);
	munmap(m, 1 << 16);

	/* Formatting and maths. */
	char buf[128];
	snprintf(buf, sizeof buf, "%08.3f|%-6s|%+d|%x|%e", M_PI, "ab", 42, 0xbeef, 12345.678);
	OUT("fmt", "%s", buf);
	OUT("strtol", "%ld %ld", strtol("-0x7f", NULL, 16), strtol("0777", NULL, 0));
	OUT("sqrt", "%.6f", sqrt(2.0));
	int arr[] = {5, 3, 9, 1, 7, 2, 8};
	qsort(arr, 7, sizeof arr[0], cmp_int);
	printf("sorted:");
	for (int i = 0; i < 7; i++)
		printf(" %d", arr[i]);
	printf("\n");

	/* Files in the cwd. */
	FILE *f = fopen("hello.txt", "w");
	CHECK(f != NULL);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d\n", i);
	CHECK(fclose(f) == 0);
	f = fopen("hello.txt", "r");
	CHECK(f != NULL);
	int lines = 0;
	long bytes = 0;
	while (fgets(buf, sizeof buf, f)) {
		lines++;
		bytes += (long)strlen(buf);
	}
	fclose(f);
	OUT("file", "%d lines %ld bytes", lines, bytes);
	struct stat st;
	CHECK(stat("hello.txt", &st) == 0);
	OUT("stat_size", "%lld", (long long)st.st_size);
	OUT("stat_mode", "%o", st.st_mode);
	CHECK(unlink("hello.txt") == 0);
	errno = 0;
	OUT("open_missing", "%s", open("hello.txt", O_RDONLY) < 0 ? errname(errno) : "opened");

	atexit(bye);
	/* Buffered output left pending at exit must be flushed. */
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	printf("buffered: ");
	printf("flushed at exit\n");
	return 0;
}
