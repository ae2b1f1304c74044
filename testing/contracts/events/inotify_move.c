/* A rename inside a watched directory is IN_MOVED_FROM + IN_MOVED_TO with
 * the same cookie; removing the watch yields IN_IGNORED. */
#include "contract.h"
#include <sys/inotify.h>

int main(void)
{
	SYS(mkdir("d", 0755));
	SYS(write_file("d/a", "x"));
	int in = SYS(inotify_init1(IN_NONBLOCK));
	int wd = SYS(inotify_add_watch(in, "d", IN_MOVE));
	SYS(rename("d/a", "d/b"));
	SYS(inotify_rm_watch(in, wd));
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = SYS(read(in, buf, sizeof buf));
	uint32_t cookies[2] = {0, 0};
	int i = 0;
	for (char *p = buf; p < buf + n; i++) {
		struct inotify_event *e = (void *)p;
		OUT("event", "mask=%#x name=%s", e->mask, e->len ? e->name : "");
		if (i < 2)
			cookies[i] = e->cookie;
		p += sizeof *e + e->len;
	}
	EQ("count", i, 3);
	EQ("cookie_match", cookies[0] == cookies[1] && cookies[0] != 0, 1);
	pass();
}
