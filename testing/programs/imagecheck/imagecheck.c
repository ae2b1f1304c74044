/* imagecheck: a PID-1 program for mkimage's compiled-program recipe.
 * It checks what the image builder promises (device node, machine-id,
 * symlinks), runs its musl twin as a child if present, prints one
 * TEST_PASS/TEST_FAIL line per check and powers the machine off. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int failed;

static void check(const char *name, int ok)
{
	printf("%s %s\n", ok ? "TEST_PASS" : "TEST_FAIL", name);
	if (!ok)
		failed++;
}

int main(int argc, char **argv)
{
	struct stat st;
	char buf[64] = {0};
	int fd;

	if (argc > 1 && strcmp(argv[1], "child") == 0) {
#ifdef __GLIBC__
		puts("imagecheck child: glibc");
#else
		puts("imagecheck child: musl");
#endif
		return 7;
	}
	check("console_is_char_5_1", stat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode) &&
	      major(st.st_rdev) == 5 && minor(st.st_rdev) == 1);
	fd = open("/etc/machine-id", O_RDONLY);
	check("machine_id_32_hex", fd >= 0 && read(fd, buf, sizeof buf - 1) == 33 && buf[32] == '\n');
	check("var_run_symlink", lstat("/var/run", &st) == 0 && S_ISLNK(st.st_mode));
	if (access("/sbin/imagecheck-musl", X_OK) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/sbin/imagecheck-musl", "imagecheck-musl", "child", (char *)0);
			_exit(127);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		check("musl_child_exit_7", WIFEXITED(status) && WEXITSTATUS(status) == 7);
	}
	printf("TEST_END %s\n", failed ? "FAIL" : "OK");
	fflush(stdout);
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
	return failed != 0;
}
