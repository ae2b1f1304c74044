/* A program cannot be executed while it is open for writing, and cannot
 * be opened for writing or truncated while it runs (ETXTBSY); reading,
 * unlinking and, once the program has exited, writing work. */
#include "contract.h"
#include <sys/sendfile.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc > 1) { /* the running program: wait for a byte on fd 0 */
		char c;
		read(0, &c, 1);
		return 7;
	}
	int in = SYS(open("/proc/self/exe", O_RDONLY));
	int out = SYS(open("prog", O_WRONLY | O_CREAT | O_TRUNC, 0755));
	struct stat st;
	SYS(fstat(in, &st));
	SYS(sendfile(out, in, NULL, st.st_size));
	close(in);
	char *av[] = {"prog", "run", NULL};
	ERR("exec_while_open_for_write", execv("prog", av), ETXTBSY);
	close(out);

	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		dup2(p[0], 0);
		close(p[1]);
		execv("prog", av);
		_exit(99);
	}
	close(p[0]);
	/* Wait until the child runs prog (its exe link names it). */
	char lpath[512], want[512], cwd[400];
	SYS(getcwd(cwd, sizeof cwd));
	snprintf(want, sizeof want, "%s/prog", cwd);
	snprintf(lpath, sizeof lpath, "/proc/%d/exe", pid);
	for (int i = 0; i < 2000; i++) {
		char got[512] = {0};
		if (readlink(lpath, got, sizeof got - 1) > 0 && strcmp(got, want) == 0)
			break;
		usleep(1000);
	}
	ERR("open_write_while_running", open("prog", O_WRONLY), ETXTBSY);
	ERR("open_rdwr_while_running", open("prog", O_RDWR), ETXTBSY);
	ERR("truncate_while_running", truncate("prog", 0), ETXTBSY);
	ERR("open_rdonly_trunc_while_running", open("prog", O_RDONLY | O_TRUNC), ETXTBSY);
	int r = open("prog", O_RDONLY);
	EQ("open_read_ok", r >= 0, 1);
	close(r);
	EQ("link_ok", link("prog", "prog2"), 0);
	EQ("unlink_ok", unlink("prog"), 0);
	ERR("other_name_too", open("prog2", O_WRONLY), ETXTBSY);
	SYS(write(p[1], "x", 1));
	EQ("child_exit", reap(pid) >> 8, 7);
	int w = open("prog2", O_WRONLY);
	EQ("open_write_after_exit", w >= 0, 1);
	close(w);
	pass();
}
