/* readahead, posix_fadvise (fadvise64) and sync_file_range argument
 * validation: EBADF, ESPIPE for pipes, EINVAL for bad advice, flags, negative
 * offsets and lengths, and readahead on anything but a regular file. */
#include "contract.h"

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
	writeall(fd, "data", 4);
	int p[2];
	SYS(pipe(p));
	int dir = SYS(open(".", O_RDONLY | O_DIRECTORY));
	int null = SYS(open("/dev/null", O_RDWR));
	int wo = SYS(open("f", O_WRONLY));

	EQ("readahead_file", syscall(SYS_readahead, fd, 0, 4096), 0);
	EQ("readahead_beyond", syscall(SYS_readahead, fd, 1 << 20, 4096), 0);
	ERR("readahead_pipe", syscall(SYS_readahead, p[0], 0, 4096), EINVAL);
	ERR("readahead_dir", syscall(SYS_readahead, dir, 0, 4096), EINVAL);
	ERR("readahead_chr", syscall(SYS_readahead, null, 0, 4096), EINVAL);
	ERR("readahead_badfd", syscall(SYS_readahead, 999, 0, 4096), EBADF);
	ERR("readahead_wronly", syscall(SYS_readahead, wo, 0, 4096), EBADF);

	for (int adv = 0; adv <= 5; adv++) {
		char key[32];
		snprintf(key, sizeof key, "fadvise_%d", adv);
		EQ(key, syscall(SYS_fadvise64, fd, 0, 0, adv), 0);
	}
	ERR("fadvise_bad", syscall(SYS_fadvise64, fd, 0, 0, 6), EINVAL);
	ERR("fadvise_neglen", syscall(SYS_fadvise64, fd, 0, -1L, 0), EINVAL);
	EQ("fadvise_negoff", syscall(SYS_fadvise64, fd, -1L, 10, 0), 0);
	ERR("fadvise_pipe", syscall(SYS_fadvise64, p[0], 0, 0, 0), ESPIPE);
	ERR("fadvise_pipe_badadvice", syscall(SYS_fadvise64, p[0], 0, 0, 99), ESPIPE);
	ERR("fadvise_badfd", syscall(SYS_fadvise64, 999, 0, 0, 0), EBADF);
	EQ("fadvise_dir", syscall(SYS_fadvise64, dir, 0, 0, 0), 0);
	EQ("fadvise_chr", syscall(SYS_fadvise64, null, 0, 0, 4), 0);
	ERR("fadvise_chr_bad", syscall(SYS_fadvise64, null, 0, 0, 9), EINVAL);
	EQ("fadvise_wronly", syscall(SYS_fadvise64, wo, 0, 0, 3), 0);

	EQ("sfr_file", syscall(SYS_sync_file_range, fd, 0, 0, 7), 0);
	EQ("sfr_none", syscall(SYS_sync_file_range, fd, 0, 0, 0), 0);
	ERR("sfr_flags", syscall(SYS_sync_file_range, fd, 0, 0, 8), EINVAL);
	ERR("sfr_negoff", syscall(SYS_sync_file_range, fd, -1L, 0, 1), EINVAL);
	ERR("sfr_neglen", syscall(SYS_sync_file_range, fd, 0, -1L, 1), EINVAL);
	ERR("sfr_pipe", syscall(SYS_sync_file_range, p[0], 0, 0, 1), ESPIPE);
	ERR("sfr_chr", syscall(SYS_sync_file_range, null, 0, 0, 1), ESPIPE);
	EQ("sfr_dir", syscall(SYS_sync_file_range, dir, 0, 0, 1), 0);
	ERR("sfr_badfd", syscall(SYS_sync_file_range, 999, 0, 0, 1), EBADF);
	ERR("sfr_pipe_badflags", syscall(SYS_sync_file_range, p[0], 0, 0, 8), EINVAL);
	pass();
}
