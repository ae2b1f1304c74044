/* umask masks creation modes of files, directories and FIFOs; umask returns
 * the old mask. */
#include "contract.h"

int main(void)
{
	mode_t old = umask(027);
	OUT("old_umask", "%03o", old);
	EQ("get_again", umask(027), 027);
	int fd = SYS(open("f", O_CREAT | O_WRONLY, 0666));
	struct stat st;
	SYS(fstat(fd, &st));
	OUT("file_mode", "%o", st.st_mode & 07777);
	CHECK((st.st_mode & 07777) == 0640);
	SYS(mkdir("d", 0777));
	SYS(stat("d", &st));
	OUT("dir_mode", "%o", st.st_mode & 07777);
	CHECK((st.st_mode & 07777) == 0750);
	SYS(mkfifo("p", 0666));
	SYS(stat("p", &st));
	OUT("fifo_mode", "%o", st.st_mode & 07777);
	CHECK((st.st_mode & 07777) == 0640);
	SYS(chmod("f", 0777));
	SYS(stat("f", &st));
	OUT("chmod_ignores_umask", "%o", st.st_mode & 07777);
	CHECK((st.st_mode & 07777) == 0777);
	pass();
}
