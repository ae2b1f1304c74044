/* getcwd follows chdir/fchdir, reports ERANGE for a small buffer, and a
 * removed cwd shows as unreachable. */
#include "contract.h"

int main(void)
{
	char base[256], cwd[256];
	CHECK(getcwd(base, sizeof base) != NULL);
	SYS(mkdir("a", 0755));
	SYS(mkdir("a/b", 0755));
	SYS(chdir("a/b"));
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	OUT("suffix", "%s", cwd + strlen(base));
	CHECK(strcmp(cwd + strlen(base), "/a/b") == 0);
	int fd = SYS(open("..", O_RDONLY | O_DIRECTORY));
	SYS(fchdir(fd));
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	OUT("fchdir_suffix", "%s", cwd + strlen(base));
	ERR("erange", syscall(SYS_getcwd, cwd, 2), ERANGE);
	SYS(chdir("b"));
	SYS(rmdir("../b"));
	long n = syscall(SYS_getcwd, cwd, sizeof cwd);
	OUT("removed_cwd_len_ok", "%d", n > 0);
	OUT("removed_cwd_unreachable", "%d", strstr(cwd, "(unreachable)") == cwd);
	ERR("fchdir_file", fchdir(SYS(open("/proc/self/stat", O_RDONLY))), ENOTDIR);
	pass();
}
