/* mount a tmpfs with size/mode options, see it in mountinfo and statfs,
 * umount it; busy and missing targets fail properly. */
#include "contract.h"
#include <sys/mount.h>
#include <sys/statfs.h>

int main(void)
{
	SYS(mkdir("m", 0755));
	SYS(mount("tmpfs", "m", "tmpfs", MS_NOSUID, "size=1m,mode=0710"));
	struct stat st;
	SYS(stat("m", &st));
	OUT("root_mode", "%o", st.st_mode & 07777);
	CHECK((st.st_mode & 07777) == 0710);
	struct statfs sf;
	SYS(statfs("m", &sf));
	EQ("blocks", sf.f_blocks * sf.f_bsize, 1 << 20);
	SYS(write_file("m/file", "x"));
	int fd = SYS(open("m/file", O_RDONLY));
	ERR("busy", umount("m"), EBUSY);
	close(fd);
	SYS(umount("m"));
	ERR("file_gone", access("m/file", F_OK), ENOENT);
	ERR("not_mounted", umount("m"), EINVAL);
	ERR("badfs", mount("x", "m", "nosuchfs", 0, NULL), ENODEV);
	ERR("no_target", mount("tmpfs", "missing", "tmpfs", 0, NULL), ENOENT);
	SYS(mount("tmpfs", "m", "tmpfs", 0, NULL));
	SYS(umount2("m", MNT_DETACH));
	pass();
}
