/* IN_ACCESS: read, pread, readv and sendfile from a file report it to the
 * file's watch and its directory's (with the name); a read at the end of
 * the file (0 bytes) does not; getdents on a watched directory reports
 * IN_ACCESS|IN_ISDIR on the directory itself; mmap and page faults do
 * not. A watched directory's own open, close, attribute and removal events
 * (IN_ALL_EVENTS) show which carry IN_ISDIR. */
#include "contract.h"
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

static int in;

static void events(const char *key)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = read(in, buf, sizeof buf);
	if (n < 0) {
		OUT(key, "none (%s)", errno == EAGAIN ? "EAGAIN" : strerror(errno));
		return;
	}
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *e = (void *)p;
		OUT(key, "wd=%d mask=%#x name=%s", e->wd, e->mask, e->len ? e->name : "");
		p += sizeof *e + e->len;
	}
}

int main(void)
{
	SYS(mkdir("d", 0755));
	SYS(write_file("d/f", "hello world"));
	in = SYS(inotify_init1(IN_NONBLOCK));
	SYS(inotify_add_watch(in, "d", IN_ACCESS));
	SYS(inotify_add_watch(in, "d/f", IN_ACCESS));
	int f = SYS(open("d/f", O_RDONLY));
	char b[64];
	SYS(read(f, b, 5));
	events("read");
	SYS(read(f, b, sizeof b));
	EQ("eof", read(f, b, sizeof b), 0);
	events("read_rest_then_eof");
	SYS(pread(f, b, 3, 1));
	events("pread");
	struct iovec iov[2] = {{b, 2}, {b + 2, 2}};
	SYS(preadv(f, iov, 2, 0));
	events("preadv");
	int o = SYS(open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	off_t off = 0;
	SYS(sendfile(o, f, &off, 4));
	events("sendfile");
	char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, f, 0);
	EQ("mapped", m != MAP_FAILED, 1);
	EQ("mapped_byte", m[0], 'h');
	events("mmap_fault");
	int dir = SYS(open("d", O_RDONLY | O_DIRECTORY));
	char dents[4096];
	SYS(syscall(SYS_getdents64, dir, dents, sizeof dents));
	events("getdents");

	SYS(mkdir("e", 0755));
	SYS(inotify_add_watch(in, "e", IN_ALL_EVENTS));
	int e = SYS(open("e", O_RDONLY | O_DIRECTORY));
	close(e);
	SYS(chmod("e", 0700));
	SYS(rename("e", "e2"));
	SYS(rmdir("e2"));
	events("dir_self");
	pass();
}
