/* /proc/PID/exe of a program exec'd inside a chroot: readlink gives the
 * path from the process's root, and opening or exec'ing the link reaches
 * the program (busybox sh runs its applets through /proc/self/exe). The
 * same holds for a root the kernel mounted from a disk (root=). */
#include "contract.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <fcntl.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "inside") == 0) {
		char buf[256] = {0};
		ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
		printf("readlink: %s\n", n < 0 ? errname(errno) : buf);
		int fd = open("/proc/self/exe", O_RDONLY);
		printf("open: %s\n", fd < 0 ? errname(errno) : "ok");
		fflush(stdout);
		if (strcmp(argv[2], "again") == 0) {
			execl("/proc/self/exe", "prog", "inside", "done", (char *)NULL);
			printf("exec: %s\n", errname(errno));
		}
		return 0;
	}
	SYS(mkdir("jail", 0755));
	SYS(mkdir("jail/proc", 0755));
	SYS(mkdir("jail/bin", 0755));
	int in = SYS(open("/proc/self/exe", O_RDONLY));
	int out = SYS(open("jail/bin/prog", O_WRONLY | O_CREAT, 0755));
	char b[65536];
	ssize_t n;
	while ((n = read(in, b, sizeof b)) > 0)
		writeall(out, b, n);
	close(in);
	close(out);
	SYS(mount("proc", "jail/proc", "proc", 0, NULL));
	fflush(stdout);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (chroot("jail") < 0 || chdir("/") < 0)
			_exit(1);
		execl("/bin/prog", "prog", "inside", "again", (char *)NULL);
		_exit(2);
	}
	int st;
	SYS(waitpid(pid, &st, 0));
	OUT("child", "%s", wstatus(st));
	SYS(umount("jail/proc"));
	pass();
}
