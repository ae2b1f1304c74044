/* mount(2) with MS_MOVE: a mount moves with the mounts below it; moving
 * something that is not a mount's root, the namespace root, a directory
 * onto a file, or a mount into itself fails (EINVAL, EINVAL, EINVAL,
 * ELOOP). (switch_root's move onto / is left to the host tests: it would
 * cover / for the contracts that follow.) */
#include "contract.h"
#include <sys/mount.h>
#include <sys/stat.h>

static void mountinfo_points(const char *cwd)
{
	static char buf[16384];
	if (read_file("/proc/self/mountinfo", buf, sizeof buf) < 0)
		fail("mountinfo: %s", errname(errno));
	size_t cl = strlen(cwd);
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		char point[512];
		if (sscanf(l, "%*d %*d %*s %*s %511s", point) != 1)
			continue;
		if (strncmp(point, cwd, cl) == 0)
			OUT("mount", "%s", point + cl);
	}
}

int main(void)
{
	char cwd[256];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	SYS(mkdir("a", 0755));
	SYS(mkdir("b", 0755));
	SYS(mkdir("plain", 0755));
	SYS(write_file("file", "f"));
	SYS(mount("tmpfs", "a", "tmpfs", 0, "mode=0755"));
	SYS(write_file("a/inside", "x"));
	SYS(mkdir("a/sub", 0755));
	SYS(mount("tmpfs", "a/sub", "tmpfs", 0, "mode=0755"));
	SYS(write_file("a/sub/deep", "y"));

	ERR("not_a_mount", mount("plain", "b", NULL, MS_MOVE, NULL), EINVAL);
	ERR("namespace_root", mount("/", "b", NULL, MS_MOVE, NULL), EINVAL);
	ERR("dir_onto_file", mount("a", "file", NULL, MS_MOVE, NULL), EINVAL);
	ERR("into_itself", mount("a", "a/sub", NULL, MS_MOVE, NULL), ELOOP);
	ERR("missing_source", mount("nope", "b", NULL, MS_MOVE, NULL), ENOENT);
	ERR("missing_target", mount("a", "nope", NULL, MS_MOVE, NULL), ENOENT);

	SYS(mount("a", "b", NULL, MS_MOVE, NULL));
	char buf[16];
	EQ("b_inside", read_file("b/inside", buf, sizeof buf), 1);
	EQ("b_sub_deep", read_file("b/sub/deep", buf, sizeof buf), 1);
	ERR("a_inside", open("a/inside", O_RDONLY), ENOENT);
	strcat(cwd, "/");
	mountinfo_points(cwd);

	SYS(umount2("b", MNT_DETACH));
	pass();
}
