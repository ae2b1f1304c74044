/* IN_DELETE_SELF comes when the inode goes, not when its last name does:
 * unlinking a file still open sends only IN_ATTRIB; the last close sends
 * the close event, IN_DELETE_SELF and IN_IGNORED. A file mapped after its
 * descriptor is closed stays until the mapping goes. */
#include "contract.h"
#include <sys/inotify.h>
#include <sys/mman.h>

static void drain(int fd, const char *key)
{
	char buf[4096] __attribute__((aligned(8)));
	char out[512] = "";
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			char one[96];
			snprintf(one, sizeof one, "%s%d:%#x:%s", out[0] ? " " : "", e->wd, e->mask, e->len ? e->name : "-");
			strncat(out, one, sizeof out - strlen(out) - 1);
			p += sizeof *e + e->len;
		}
	}
	OUT(key, "%s", out[0] ? out : "none");
}

int main(void)
{
	int in = SYS(inotify_init1(IN_NONBLOCK));
	int f = SYS(open("f", O_CREAT | O_RDWR, 0600));
	SYS(inotify_add_watch(in, "f", IN_ATTRIB | IN_CLOSE | IN_DELETE_SELF));
	SYS(unlink("f"));
	drain(in, "unlink_open");
	int g = SYS(dup(f));
	close(f);
	drain(in, "close_one_of_two");
	close(g);
	drain(in, "last_close");

	int h = SYS(open("m", O_CREAT | O_RDWR, 0600));
	SYS(ftruncate(h, 4096));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
	CHECK(p != MAP_FAILED);
	SYS(inotify_add_watch(in, "m", IN_DELETE_SELF));
	close(h);
	SYS(unlink("m"));
	drain(in, "unlink_mapped");
	SYS(munmap(p, 4096));
	drain(in, "munmap");
	pass();
}
