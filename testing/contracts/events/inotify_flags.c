/* inotify_add_watch's flags: IN_MASK_ADD ors into the existing mask,
 * IN_MASK_CREATE fails with EEXIST on a watched inode (both together are
 * EINVAL), IN_ONLYDIR refuses a non-directory (ENOTDIR), IN_DONT_FOLLOW
 * watches the symlink itself, a mask with no inotify bit at all is EINVAL
 * (IN_ONESHOT alone is one), and
 * IN_ONESHOT removes the watch after one event (IN_IGNORED follows). */
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
	int fd = SYS(inotify_init1(IN_NONBLOCK));
	close(SYS(open("f", O_CREAT | O_WRONLY, 0600)));
	SYS(mkdir("d", 0755));
	SYS(symlink("f", "l"));
	int wd = SYS(inotify_add_watch(fd, "f", IN_MODIFY));
	EQ("wd", wd, 1);
	EQ("mask_add", inotify_add_watch(fd, "f", IN_ATTRIB | IN_MASK_ADD), 1);
	SYS(chmod("f", 0644));
	int w = SYS(open("f", O_WRONLY));
	writeall(w, "x", 1);
	drain(fd, "after_mask_add");
	EQ("replace", inotify_add_watch(fd, "f", IN_ATTRIB), 1);
	writeall(w, "x", 1);
	SYS(chmod("f", 0600));
	drain(fd, "after_replace");
	ERR("mask_create_exists", inotify_add_watch(fd, "f", IN_MODIFY | IN_MASK_CREATE), EEXIST);
	ERR("create_and_add", inotify_add_watch(fd, "d", IN_MODIFY | IN_MASK_CREATE | IN_MASK_ADD), EINVAL);
	EQ("mask_create_new", inotify_add_watch(fd, "d", IN_CREATE | IN_MASK_CREATE), 2);
	ERR("onlydir_file", inotify_add_watch(fd, "f", IN_MODIFY | IN_ONLYDIR), ENOTDIR);
	EQ("onlydir_dir", inotify_add_watch(fd, "d", IN_CREATE | IN_ONLYDIR), 2);
	EQ("oneshot_only_flag", inotify_add_watch(fd, "f", IN_ONESHOT), 1);
	ERR("zero_mask", inotify_add_watch(fd, "f", 0), EINVAL);
	EQ("follow", inotify_add_watch(fd, "l", IN_ATTRIB), 1);
	EQ("dont_follow", inotify_add_watch(fd, "l", IN_ATTRIB | IN_DONT_FOLLOW), 3);
	ERR("missing", inotify_add_watch(fd, "nope", IN_ATTRIB), ENOENT);
	ERR("not_inotify", inotify_add_watch(w, "f", IN_ATTRIB), EINVAL);
	ERR("rm_unknown", inotify_rm_watch(fd, 42), EINVAL);

	/* IN_ONESHOT: one event, then IN_IGNORED; the wd is gone. */
	int os = SYS(inotify_add_watch(fd, "d", IN_CREATE | IN_ONESHOT));
	EQ("oneshot_same_wd", os, 2);
	close(SYS(open("d/a", O_CREAT | O_WRONLY, 0600)));
	close(SYS(open("d/b", O_CREAT | O_WRONLY, 0600)));
	drain(fd, "oneshot");
	ERR("oneshot_removed", inotify_rm_watch(fd, os), EINVAL);
	EQ("new_wd_after", inotify_add_watch(fd, "d", IN_CREATE), 4);
	pass();
}
