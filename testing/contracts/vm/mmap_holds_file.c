/* A file mapping keeps the file open after its descriptor is closed: the
 * data stays readable and the mount stays busy (umount EBUSY) as long as
 * any piece of any mapping remains — after a partial munmap, in a forked
 * child's copy — and the last munmap lets the mount go. */
#include "contract.h"
#include <sys/mman.h>
#include <sys/mount.h>

int main(void)
{
	SYS(mkdir("m", 0755));
	SYS(mount("tmpfs", "m", "tmpfs", 0, "size=1m"));
	int fd = SYS(open("m/f", O_RDWR | O_CREAT, 0644));
	char page[4096];
	for (int i = 0; i < 3; i++) {
		memset(page, 'a' + i, sizeof page);
		writeall(fd, page, sizeof page);
	}
	char *p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	SYS(close(fd));
	OUT("after_close", "%c%c%c", p[0], p[4096], p[8192]);
	ERR("umount_mapped", umount("m"), EBUSY);

	/* Two pieces left after unmapping the middle page. */
	SYS(munmap(p + 4096, 4096));
	ERR("umount_split", umount("m"), EBUSY);
	SYS(munmap(p, 4096));
	ERR("umount_one_piece", umount("m"), EBUSY);

	/* A child's copy of the mapping holds the file too. */
	int sync[2];
	SYS(pipe(sync));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		close(sync[1]);
		char c;
		read(sync[0], &c, 1); /* wait until the parent has unmapped */
		_exit(p[8192] == 'c' ? 0 : 1);
	}
	close(sync[0]);
	SYS(munmap(p + 8192, 4096));
	ERR("umount_child_maps", umount("m"), EBUSY);
	writeall(sync[1], "x", 1);
	STREQ("child", wstatus(reap(pid)), "exit 0");
	SYS(umount("m"));
	OUT("umount_unmapped", "ok");
	pass();
}
