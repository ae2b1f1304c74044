/* Events on the watched inode itself and on watch removal: IN_MOVE_SELF on
 * a rename, IN_DELETE_SELF then IN_IGNORED when the last link goes (a
 * second link keeps it: IN_ATTRIB only), IN_IGNORED on inotify_rm_watch,
 * IN_MOVED_FROM/IN_MOVED_TO paired by one non-zero cookie, unique per
 * rename. FIONREAD counts the queued bytes. */
#include "contract.h"
#include <sys/inotify.h>
#include <sys/ioctl.h>

static struct inotify_event *evs[32];
static char buf[8192] __attribute__((aligned(8)));

static int fetch(int fd)
{
	ssize_t r = read(fd, buf, sizeof buf);
	int n = 0;
	for (char *p = buf; r > 0 && p < buf + r && n < 32;) {
		evs[n++] = (struct inotify_event *)p;
		p += sizeof(struct inotify_event) + evs[n - 1]->len;
	}
	return n;
}

static void show(const char *key, int n)
{
	char out[512] = "";
	for (int i = 0; i < n; i++) {
		char one[96];
		snprintf(one, sizeof one, "%s%d:%#x:%s", i ? " " : "", evs[i]->wd, evs[i]->mask,
			 evs[i]->len ? evs[i]->name : "-");
		strncat(out, one, sizeof out - strlen(out) - 1);
	}
	OUT(key, "%s", n ? out : "none");
}

int main(void)
{
	int fd = SYS(inotify_init1(IN_NONBLOCK));
	SYS(mkdir("a", 0755));
	SYS(mkdir("b", 0755));
	close(SYS(open("a/f", O_CREAT | O_WRONLY, 0600)));
	int wf = SYS(inotify_add_watch(fd, "a/f", IN_ALL_EVENTS));
	int wa = SYS(inotify_add_watch(fd, "a", IN_MOVE | IN_DELETE));
	int wb = SYS(inotify_add_watch(fd, "b", IN_MOVE | IN_DELETE));
	EQ("wds", wf * 100 + wa * 10 + wb, 123);

	SYS(rename("a/f", "b/g"));
	int q;
	SYS(ioctl(fd, FIONREAD, &q));
	int n = fetch(fd);
	EQ("fionread", q, n ? (int)(((char *)evs[n - 1] - buf) + sizeof(struct inotify_event) + evs[n - 1]->len) : 0);
	show("rename", n);
	CHECK(n == 3);
	EQ("cookie_nonzero", evs[0]->cookie != 0, 1);
	EQ("cookie_paired", evs[0]->cookie == evs[1]->cookie, 1);
	EQ("cookie_self_zero", evs[2]->cookie, 0);
	uint32_t c1 = evs[0]->cookie;
	SYS(rename("b/g", "a/f"));
	n = fetch(fd);
	show("rename_back", n);
	EQ("cookie_new", n >= 2 && evs[0]->cookie != c1 && evs[0]->cookie == evs[1]->cookie, 1);

	SYS(link("a/f", "b/h"));
	fetch(fd);
	SYS(unlink("a/f"));
	n = fetch(fd);
	show("unlink_one_of_two", n);
	SYS(unlink("b/h"));
	n = fetch(fd);
	show("unlink_last", n);
	ERR("rm_after_delete", inotify_rm_watch(fd, wf), EINVAL);

	SYS(inotify_rm_watch(fd, wb));
	n = fetch(fd);
	show("rm_watch", n);
	SYS(rmdir("a"));
	n = fetch(fd);
	show("rmdir_watched", n);
	SYS(ioctl(fd, FIONREAD, &q));
	EQ("fionread_empty", q, 0);
	pass();
}
