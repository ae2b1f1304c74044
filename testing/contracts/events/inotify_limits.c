/* max_user_instances and max_user_watches are per-user limits, across
 * instances and for root too: one instance too many is EMFILE, one watch
 * too many ENOSPC; closing gives the room back. Another user has its own
 * count. */
#include "contract.h"
#include <sys/inotify.h>

static int open_instances(int max, int *fds)
{
	int n = 0;
	while (n < max) {
		int fd = inotify_init1(IN_CLOEXEC);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	return n;
}

int main(void)
{
	char oi[32], ow[32];
	CHECK(read_file("/proc/sys/fs/inotify/max_user_instances", oi, sizeof oi) > 0);
	CHECK(read_file("/proc/sys/fs/inotify/max_user_watches", ow, sizeof ow) > 0);
	OUT("default_instances", "%ld", atol(oi));
	OUT("default_watches", "%ld", atol(ow));

	/* Instances: count how many more we may open under a limit of 4
	 * (the runner may hold some). */
	SYS(write_file("/proc/sys/fs/inotify/max_user_instances", "4"));
	int fds[64];
	int got = open_instances(64, fds);
	int err = errno;
	EQ("instances_capped", got <= 4, 1);
	STREQ("instances_errno", errname(err), "EMFILE");
	close(fds[0]);
	int again = inotify_init1(IN_CLOEXEC);
	EQ("after_close", again >= 0, 1);
	fds[0] = again;
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		int mine[8];
		_exit(open_instances(8, mine) == 4 ? 0 : 1);
	}
	STREQ("other_user", wstatus(reap(pid)), "exit 0");
	for (int i = 0; i < got; i++)
		close(fds[i]);
	SYS(write_file("/proc/sys/fs/inotify/max_user_instances", oi));

	/* Watches: 5 allowed across two instances. */
	SYS(write_file("/proc/sys/fs/inotify/max_user_watches", "5"));
	int a = SYS(inotify_init1(0)), b = SYS(inotify_init1(0));
	char name[16];
	int w = 0;
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "w%d", i);
		close(SYS(open(name, O_CREAT | O_WRONLY, 0600)));
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "w%d", i);
		w += inotify_add_watch(a, name, IN_MODIFY) > 0;
	}
	for (int i = 3; i < 5; i++) {
		snprintf(name, sizeof name, "w%d", i);
		w += inotify_add_watch(b, name, IN_MODIFY) > 0;
	}
	EQ("watches_added", w, 5);
	ERR("sixth", inotify_add_watch(b, "w5", IN_MODIFY), ENOSPC);
	EQ("same_inode_again", inotify_add_watch(a, "w0", IN_ATTRIB), 1);
	SYS(inotify_rm_watch(a, 1));
	EQ("after_rm", inotify_add_watch(b, "w5", IN_MODIFY) > 0, 1);
	ERR("full_again", inotify_add_watch(a, "w6", IN_MODIFY), ENOSPC);
	close(a);
	EQ("after_close_instance", inotify_add_watch(b, "w6", IN_MODIFY) > 0, 1);
	close(b);
	SYS(write_file("/proc/sys/fs/inotify/max_user_watches", ow));
	pass();
}
