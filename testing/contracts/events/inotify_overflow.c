/* The inotify queue holds max_queued_events events (the value when the
 * instance was made), then one IN_Q_OVERFLOW record (wd -1) however many
 * more come; the limit file is writable and takes effect for new
 * instances. */
#include "contract.h"
#include <sys/inotify.h>

static int count(int fd, int *overflow, int *last_wd)
{
	char buf[1 << 16] __attribute__((aligned(8)));
	int n = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0)
			break;
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			n++;
			*overflow += (e->mask & IN_Q_OVERFLOW) != 0;
			*last_wd = e->wd;
			p += sizeof *e + e->len;
		}
	}
	return n;
}

int main(void)
{
	char orig[32];
	CHECK(read_file("/proc/sys/fs/inotify/max_queued_events", orig, sizeof orig) > 0);
	OUT("default", "%ld", atol(orig));
	SYS(write_file("/proc/sys/fs/inotify/max_queued_events", "10"));
	int fd = SYS(inotify_init1(IN_NONBLOCK));
	SYS(write_file("/proc/sys/fs/inotify/max_queued_events", orig));
	SYS(mkdir("d", 0755));
	SYS(inotify_add_watch(fd, "d", IN_CREATE));
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "d/f%d", i);
		close(SYS(open(name, O_CREAT | O_WRONLY, 0600)));
	}
	int overflow = 0, wd = 0;
	EQ("events", count(fd, &overflow, &wd), 11);
	EQ("overflows", overflow, 1);
	EQ("last_wd", wd, -1);
	/* Room again: new events queue normally. */
	close(SYS(open("d/late", O_CREAT | O_WRONLY, 0600)));
	overflow = 0;
	EQ("after_drain", count(fd, &overflow, &wd), 1);
	/* A new instance takes the restored limit. */
	int fd2 = SYS(inotify_init1(IN_NONBLOCK));
	SYS(inotify_add_watch(fd2, "d", IN_CREATE));
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "d/g%d", i);
		close(SYS(open(name, O_CREAT | O_WRONLY, 0600)));
	}
	overflow = 0;
	EQ("restored_events", count(fd2, &overflow, &wd), 20);
	EQ("restored_overflows", overflow, 0);
	ERR("negative", write_file("/proc/sys/fs/inotify/max_queued_events", "-1"), EINVAL);
	pass();
}
