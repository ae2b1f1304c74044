/* mknod makes FIFOs and device nodes (as root), refuses to open devices on a nodev mount; the FIFO passes data
 * between a reader and a writer opened on the name. */
#include "contract.h"
#include <sys/sysmacros.h>

int main(void)
{
	SYS(mknod("fifo", S_IFIFO | 0644, 0));
	struct stat st;
	SYS(stat("fifo", &st));
	EQ("is_fifo", S_ISFIFO(st.st_mode), 1);
	SYS(mknod("null2", S_IFCHR | 0666, makedev(1, 3)));
	SYS(stat("null2", &st));
	EQ("is_chr", S_ISCHR(st.st_mode), 1);
	EQ("major", major(st.st_rdev), 1);
	EQ("minor", minor(st.st_rdev), 3);
	/* The work directory is on a nodev tmpfs: device nodes cannot be opened. */
	ERR("nodev_open", open("null2", O_RDWR), EACCES);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		int w = open("fifo", O_WRONLY);
		write(w, "via-fifo", 8);
		_exit(0);
	}
	int r = SYS(open("fifo", O_RDONLY));
	char buf[16] = {0};
	EQ("read", read(r, buf, sizeof buf), 8);
	STREQ("data", buf, "via-fifo");
	reap(pid);
	EQ("eof", read(r, buf, 1), 0);
	ERR("exists", mknod("fifo", S_IFIFO | 0644, 0), EEXIST);
	ERR("badtype", mknod("bad", 0170000 | 0644, 0), EINVAL);
	pass();
}
