/* MADV_REMOVE frees the backing store of a shared writable mapping: shared
 * anonymous memory and a tmpfs file read back as zeros (the file too); private mappings refuse it (EINVAL anonymous, EACCES
 * file), as do shared mappings of a file not open for writing (EACCES) and
 * locked ones (EINVAL); a read-only mapping that could be made writable
 * takes it. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	char *s = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	memset(s, 5, 2 * 4096);
	SYS(madvise(s, 4096, MADV_REMOVE));
	EQ("shared_anon_removed", s[0], 0);
	EQ("shared_anon_rest", s[4096], 5);
	/* A child sharing the memory sees the hole too. */
	s[0] = 6;
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char c;
		if (read(p[0], &c, 1) != 1)
			_exit(99);
		_exit(s[0] + s[4096]);
	}
	SYS(madvise(s, 2 * 4096, MADV_REMOVE));
	writeall(p[1], "x", 1);
	STREQ("child_sees", wstatus(reap(pid)), "exit 0");

	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	char page[3 * 4096];
	memset(page, 'F', sizeof page);
	writeall(fd, page, sizeof page);
	char *fs = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(fs != MAP_FAILED);
	SYS(madvise(fs + 4096, 4096, MADV_REMOVE));
	EQ("file_map_zero", fs[4096], 0);
	EQ("file_map_rest", fs[0], 'F');
	char c;
	SYS(pread(fd, &c, 1, 4096));
	EQ("file_zero", c, 0);
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("size_kept", st.st_size, 3 * 4096);

	char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *fp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && fp != MAP_FAILED && ro != MAP_FAILED);
	ERR("private_anon", madvise(a, 4096, MADV_REMOVE), EINVAL);
	ERR("private_file", madvise(fp, 4096, MADV_REMOVE), EACCES);
	EQ("read_only_map", madvise(ro, 4096, MADV_REMOVE), 0);
	int rofd = SYS(open("f", O_RDONLY));
	char *rof = mmap(NULL, 4096, PROT_READ, MAP_SHARED, rofd, 0);
	CHECK(rof != MAP_FAILED);
	ERR("read_only_file", madvise(rof, 4096, MADV_REMOVE), EACCES);
	SYS(mlock(s, 4096));
	ERR("locked", madvise(s, 4096, MADV_REMOVE), EINVAL);
	pass();
}
