/* IN_EXCL_UNLINK: after a file is unlinked, writes and closes through a
 * descriptor still open on it no longer reach a directory watch that asked
 * for IN_EXCL_UNLINK, while watches without it keep getting them.
 * Identical consecutive events coalesce. */
#include "contract.h"
#include <sys/inotify.h>

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
	SYS(mkdir("d", 0755));
	int f = SYS(open("d/f", O_CREAT | O_RDWR, 0600));
	int excl = SYS(inotify_init1(IN_NONBLOCK));
	int plain = SYS(inotify_init1(IN_NONBLOCK));
	EQ("excl_dir", inotify_add_watch(excl, "d", IN_MODIFY | IN_CLOSE | IN_EXCL_UNLINK), 1);
	EQ("plain_dir", inotify_add_watch(plain, "d", IN_MODIFY | IN_CLOSE), 1);
	writeall(f, "a", 1);
	writeall(f, "b", 1);
	writeall(f, "c", 1);
	drain(excl, "excl_linked");
	drain(plain, "plain_linked");
	SYS(unlink("d/f"));
	drain(excl, "excl_unlink");
	drain(plain, "plain_unlink");
	writeall(f, "d", 1);
	close(f);
	drain(excl, "excl_after");
	drain(plain, "plain_after");
	pass();
}
