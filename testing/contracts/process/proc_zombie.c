/* A child that exited but was not waited for is a zombie: /proc/<pid> is
 * still listed, stat and status say Z, its cmdline is empty and its exe
 * link is gone; once reaped the directory disappears. */
#include "contract.h"
#include <dirent.h>

static int listed(pid_t pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;
	while ((e = readdir(d)))
		found |= atoi(e->d_name) == pid;
	closedir(d);
	return found;
}

static void show(const char *key, const char *path, int maxlen)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		OUT(key, "open: %s", errname(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		OUT(key, "read: %s", errname(errno));
		return;
	}
	buf[n] = 0;
	if (n > maxlen)
		buf[maxlen] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	OUT(key, "%zd [%s]", n, buf);
}

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0)
		_exit(3);
	/* Wait until it has exited without reaping it. */
	siginfo_t si;
	SYS(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	char path[64], key[64];
	EQ("listed_as_zombie", listed(pid), 1);
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	char buf[512];
	int fd = SYS(open(path, O_RDONLY));
	ssize_t n = SYS(read(fd, buf, sizeof buf - 1));
	buf[n] = 0;
	close(fd);
	char *rp = strrchr(buf, ')');
	OUT("stat_state", "%c", rp && rp[1] == ' ' ? rp[2] : '?');
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	fd = SYS(open(path, O_RDONLY));
	n = SYS(read(fd, buf, sizeof buf - 1));
	buf[n] = 0;
	close(fd);
	char *st = strstr(buf, "State:");
	if (st)
		*strchr(st, '\n') = 0;
	OUT("status_state", "%s", st ? st : "none");
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	show("cmdline", path, 64);
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	char link[256];
	ERR("exe_link", readlink(path, link, sizeof link), ENOENT);
	snprintf(key, sizeof key, "/proc/%d", pid);
	struct stat sb;
	EQ("dir_exists", stat(key, &sb), 0);
	EQ("reaped", reap(pid) >> 8, 3);
	EQ("listed_after_reap", listed(pid), 0);
	ERR("dir_after_reap", stat(key, &sb), ENOENT);
	pass();
}
