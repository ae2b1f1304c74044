/* inotify reports IN_CREATE, IN_MODIFY, IN_CLOSE_WRITE, IN_DELETE with names. */
#include "contract.h"
#include <sys/inotify.h>

int main(void)
{
	SYS(mkdir("d", 0755));
	int in = SYS(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	int wd = SYS(inotify_add_watch(in, "d", IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE));
	EQ("wd", wd, 1);
	int fd = SYS(open("d/f", O_WRONLY | O_CREAT, 0644));
	writeall(fd, "x", 1);
	close(fd);
	SYS(unlink("d/f"));
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = SYS(read(in, buf, sizeof buf));
	int count = 0;
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *e = (void *)p;
		OUT("event", "wd=%d mask=%#x name=%s", e->wd, e->mask, e->len ? e->name : "");
		CHECK(e->wd == wd);
		p += sizeof *e + e->len;
		count++;
	}
	EQ("count", count, 4);
	char b;
	ERR("empty", read(in, &b, sizeof buf), EAGAIN);
	ERR("missing", inotify_add_watch(in, "nope", IN_CREATE), ENOENT);
	ERR("rm_bad", inotify_rm_watch(in, 99), EINVAL);
	pass();
}
