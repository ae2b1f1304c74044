/* execve runs "#!" scripts through the named interpreter with the script
 * path and arguments. */
#include "contract.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "interp") == 0) {
		for (int i = 2; i < argc; i++)
			printf("arg%d: %s\n", i - 2, strstr(argv[i], "script") ? "script" : argv[i]);
		exit(0);
	}
	char self[256] = {0};
	SYS(readlink("/proc/self/exe", self, sizeof self - 1));
	char text[512];
	snprintf(text, sizeof text, "#!%s interp\n", self);
	SYS(write_file("script", text));
	SYS(chmod("script", 0755));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char *av[] = {"script", "one", "two", NULL};
		execve("./script", av, (char *[]){NULL});
		_exit(99);
	}
	STREQ("status", wstatus(reap(pid)), "exit 0");
	pass();
}
