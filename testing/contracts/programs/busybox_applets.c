/* busybox runs as a multi-call binary: applets by argv[0] through symlinks
 * and by name, with their exit codes. */
#include "contract.h"

static const char *run(char *const argv[], char *out, size_t n)
{
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t r;
	while ((r = read(p[0], out + got, n - 1 - got)) > 0)
		got += r;
	out[got] = 0;
	close(p[0]);
	return wstatus(reap(pid));
}

int main(void)
{
	char out[256];
	STREQ("echo_status", run((char *[]){"/bin/echo", "hello", "world", NULL}, out, sizeof out), "exit 0");
	STREQ("echo_out", out, "hello world\n");
	STREQ("by_name", run((char *[]){"/bin/busybox", "echo", "-n", "x", NULL}, out, sizeof out), "exit 0");
	STREQ("by_name_out", out, "x");
	STREQ("false", run((char *[]){"/bin/false", NULL}, out, sizeof out), "exit 1");
	STREQ("cat_proc", run((char *[]){"/bin/cat", "/proc/sys/kernel/ostype", NULL}, out, sizeof out), "exit 0");
	STREQ("ostype", out, "Linux\n");
	pass();
}
