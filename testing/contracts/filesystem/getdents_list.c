/* getdents64 lists every entry once, including . and .., with d_type. */
#include "contract.h"
#include <dirent.h>

struct d64 { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; };

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(void)
{
	SYS(mkdir("d", 0755));
	SYS(write_file("d/file", "x"));
	SYS(mkdir("d/sub", 0755));
	SYS(symlink("file", "d/link"));
	SYS(mkfifo("d/fifo", 0644));
	int fd = SYS(open("d", O_RDONLY | O_DIRECTORY));
	char buf[256] __attribute__((aligned(8)));
	char *names[16];
	int n = 0;
	for (;;) {
		long got = SYS(syscall(SYS_getdents64, fd, buf, 64));
		if (got == 0)
			break;
		for (long off = 0; off < got;) {
			struct d64 *d = (void *)(buf + off);
			char *s = malloc(300);
			snprintf(s, 300, "%s type=%d", d->name, d->type);
			CHECK(n < 16);
			names[n++] = s;
			off += d->reclen;
		}
	}
	qsort(names, n, sizeof names[0], cmp);
	for (int i = 0; i < n; i++)
		OUT("entry", "%s", names[i]);
	EQ("count", n, 6);
	ERR("notdir", syscall(SYS_getdents64, open("d/file", O_RDONLY), buf, sizeof buf), ENOTDIR);
	ERR("tiny_buf", syscall(SYS_getdents64, open("d", O_RDONLY), buf, 8), EINVAL);
	pass();
}
