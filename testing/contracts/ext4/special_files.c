/* Special files on ext4: fifos, character and block device nodes (with
 * large major and minor numbers, kept in the inode's new encoding), a
 * unix socket bound to a path, their modes and st_rdev after a remount,
 * and a fifo on ext4 passing data. */
#include "ext4.h"
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

static void show(const char *k, const char *p)
{
	struct stat st = lstat_of(p);
	OUT(k, "mode=%o rdev=%u:%u size=%lld", st.st_mode, major(st.st_rdev), minor(st.st_rdev),
	    (long long)st.st_size);
}

int main(void)
{
	fs_begin("special_files");
	SYS(mkfifo("fifo", 0640));
	SYS(mknod("chr", S_IFCHR | 0600, makedev(1, 3)));
	SYS(mknod("blk", S_IFBLK | 0660, makedev(8, 17)));
	SYS(mknod("bigdev", S_IFCHR | 0600, makedev(300, 70000)));
	int s = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, "sock");
	SYS(bind(s, (struct sockaddr *)&a, sizeof a));
	close(s);
	ERR("bad_type", mknod("bad", 0170000 | 0600, 0), EINVAL);
	int r = SYS(open("fifo", O_RDONLY | O_NONBLOCK));
	int w = SYS(open("fifo", O_WRONLY));
	writeall(w, "through", 7);
	char b[16] = {0};
	EQ("fifo_read", read(r, b, sizeof b), 7);
	STREQ("fifo_data", b, "through");
	close(r);
	close(w);
	int c = SYS(open("chr", O_RDWR));
	EQ("null_write", write(c, "x", 1), 1);
	close(c);
	fs_remount("special_files", 0);
	show("fifo", "fifo");
	show("chr", "chr");
	show("blk", "blk");
	show("bigdev", "bigdev");
	show("sock", "sock");
	fs_end();
}
