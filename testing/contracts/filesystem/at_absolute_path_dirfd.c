/* An absolute path makes the *at calls ignore dirfd, even one that is not
 * an open descriptor or not a directory; a relative path with such a dirfd
 * fails with EBADF or ENOTDIR. */
#define _GNU_SOURCE
#include "contract.h"
#include <sys/stat.h>
#include <sys/syscall.h>

int main(void)
{
	char cwd[512], a[600], b[600], c[600];
	SYS(getcwd(cwd, sizeof cwd));
	snprintf(a, sizeof a, "%s/d", cwd);
	snprintf(b, sizeof b, "%s/d/f", cwd);
	snprintf(c, sizeof c, "%s/d/g", cwd);
	int bad = 999;
	int file = SYS(open(".", O_RDONLY | O_DIRECTORY));
	int notdir = SYS(open("plain", O_RDWR | O_CREAT, 0600));
	(void)file;

	EQ("mkdirat_abs_badfd", mkdirat(bad, a, 0755), 0);
	EQ("mknodat_abs_badfd", mknodat(bad, b, S_IFREG | 0600, 0), 0);
	EQ("fchmodat_abs_badfd", fchmodat(bad, b, 0640, 0), 0);
	EQ("fchownat_abs_notdir", fchownat(notdir, b, 0, 0, 0), 0);
	EQ("linkat_abs_badfds", linkat(bad, b, bad, c, 0), 0);
	char h[600];
	snprintf(h, sizeof h, "%s/d/h", cwd);
	EQ("renameat_abs_badfds", renameat(bad, c, notdir, h), 0);
	EQ("renameat_back", renameat(notdir, h, bad, c), 0);
	EQ("unlink_link", unlink(c), 0);
	EQ("symlinkat_abs_badfd", symlinkat("target", bad, c), 0);
	char buf[32];
	EQ("readlinkat_abs_badfd", readlinkat(bad, c, buf, sizeof buf), 6);
	EQ("unlinkat_abs_badfd", unlinkat(bad, c, 0), 0);
	EQ("unlinkat_file_abs_notdir", unlinkat(notdir, b, 0), 0);
	EQ("rmdir_abs_badfd", unlinkat(bad, a, AT_REMOVEDIR), 0);

	ERR("mkdirat_rel_badfd", mkdirat(bad, "x", 0755), EBADF);
	ERR("mkdirat_rel_notdir", mkdirat(notdir, "x", 0755), ENOTDIR);
	ERR("unlinkat_rel_badfd", unlinkat(bad, "plain", 0), EBADF);
	ERR("renameat_rel_badfd", renameat(bad, "plain", AT_FDCWD, "q"), EBADF);
	ERR("symlinkat_rel_notdir", symlinkat("t", notdir, "s"), ENOTDIR);
	pass();
}
