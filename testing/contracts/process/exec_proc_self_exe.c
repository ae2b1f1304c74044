/* Executing /proc/self/exe (busybox does it to run its own applets) starts
 * the same program, and the new image's /proc/self/exe names the real file,
 * not the magic link it was reached through. */
#include "contract.h"

int main(int argc, char **argv)
{
	char self[256] = {0};
	SYS(readlink("/proc/self/exe", self, sizeof self - 1));
	if (argc >= 2 && strcmp(argv[1], "again") == 0) {
		char *parent = getenv("PARENT_EXE");
		STREQ("same file", strcmp(self, parent ? parent : "") == 0 ? "yes" : self, "yes");
		printf("depth: %s\n", argv[2]);
		if (strcmp(argv[2], "2") == 0)
			exit(0);
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "again", "2", (char *)NULL);
		_exit(98);
	}
	SYS(setenv("PARENT_EXE", self, 1));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "again", "1", (char *)NULL);
		_exit(99);
	}
	STREQ("status", wstatus(reap(pid)), "exit 0");
	pass();
}
