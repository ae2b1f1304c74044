/* A shell pipeline with redirection, command substitution and exit codes. */
#include "contract.h"

static const char *sh(const char *cmd, char *out, size_t n)
{
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execl("/bin/sh", "sh", "-c", cmd, NULL);
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
	char out[512];
	STREQ("pipeline", sh("printf 'b\\na\\nc\\na\\n' | sort | uniq -c | tr -s ' ' | head -n 2", out, sizeof out), "exit 0");
	STREQ("pipeline_out", out, " 2 a\n 1 b\n");
	STREQ("redirect", sh("echo one > f && echo two >> f && wc -l < f", out, sizeof out), "exit 0");
	STREQ("redirect_out", out, "2\n");
	STREQ("subst", sh("x=$(echo abc | tr a-c A-C); echo \"[$x]\"", out, sizeof out), "exit 0");
	STREQ("subst_out", out, "[ABC]\n");
	STREQ("exit_code", sh("false || exit 7", out, sizeof out), "exit 7");
	STREQ("pipefail_last", sh("false | true", out, sizeof out), "exit 0");
	STREQ("background_wait", sh("sleep 0.05 & wait $!; echo done $?", out, sizeof out), "exit 0");
	STREQ("background_out", out, "done 0\n");
	pass();
}
