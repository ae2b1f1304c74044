/* devtmpfs holds device nodes only: /dev/fd, /dev/stdin, /dev/stdout and
 * /dev/stderr are symlinks that udev or systemd (dev_setup) create, not
 * the kernel. A fresh devtmpfs mount shows the kernel's own contents. */
#include "contract.h"
#include <sys/mount.h>

static const char *kind(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errname(errno);
	if (S_ISLNK(st.st_mode))
		return "symlink";
	if (S_ISCHR(st.st_mode))
		return "char";
	if (S_ISDIR(st.st_mode))
		return "dir";
	return "other";
}

int main(void)
{
	SYS(mkdir("d", 0755));
	SYS(mount("devtmpfs", "d", "devtmpfs", 0, NULL));
	const char *names[] = {"d/fd", "d/stdin", "d/stdout", "d/stderr", "d/null", "d/zero", "d/console", "d/pts", "d/shm"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		OUT(names[i], "%s", kind(names[i]));
	SYS(umount("d"));
	pass();
}
