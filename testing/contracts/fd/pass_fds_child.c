/* What CPython's _posixsubprocess does for Popen(pass_fds=..., close_fds=True):
 * after fork or vfork the child clears close-on-exec on the kept descriptor
 * (FIONCLEX), closes every other descriptor above 2 (close_range over the
 * gaps around the kept ones, or one by one from a getdents64 walk of
 * /proc/self/fd), then execs. The new image must see only 0-2 and the kept
 * descriptor, and the parent must keep all of its own. */
#include "contract.h"
#include <dirent.h>
#include <sys/ioctl.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* list prints the descriptors this image holds, by fstat and by /proc/self/fd. */
static void list(const char *mode)
{
	char by_fstat[512] = "", by_proc[512] = "";
	struct stat st;
	for (int fd = 0; fd < 1024; fd++)
		if (fstat(fd, &st) == 0)
			sprintf(by_fstat + strlen(by_fstat), "%d,", fd);
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int dfd = dirfd(d), seen[1024] = {0};
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dfd && atoi(e->d_name) < 1024)
			seen[atoi(e->d_name)] = 1;
	closedir(d);
	for (int fd = 0; fd < 1024; fd++)
		if (seen[fd])
			sprintf(by_proc + strlen(by_proc), "%d,", fd);
	printf("%s_fstat: %s\n%s_proc: %s\n", mode, by_fstat, mode, by_proc);
	exit(0);
}

/* close_gaps closes first..INT_MAX except keep, the way CPython's
 * _close_range_except does, with the last argument given. */
static int close_gaps(int first, int keep, unsigned last)
{
	if (keep >= first) {
		if (keep > first && syscall(SYS_close_range, first, keep - 1, 0) < 0)
			return -1;
		first = keep + 1;
	}
	return syscall(SYS_close_range, first, last, 0);
}

/* close_walk closes descriptors >= 3 but keep found by getdents64 on
 * /proc/self/fd, closing each batch before reading the next, as CPython's
 * _close_open_fds_safe does (its buffer holds about 11 entries). CPython
 * gets there when the kept descriptor is 3: its first gap,
 * close_range(3, 2), is EINVAL. */
static int close_walk(int keep, size_t bufsize)
{
	if (syscall(SYS_close_range, 3, 2, 0) != -1 || errno != EINVAL)
		return -1;
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	char buf[1024];
	long n;
	while ((n = syscall(SYS_getdents64, dfd, buf, bufsize)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (void *)(buf + off);
			off += e->d_reclen;
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			int fd = atoi(e->d_name);
			if (fd >= 3 && fd != keep && fd != dfd)
				close(fd);
		}
	}
	close(dfd);
	return n < 0 ? -1 : 0;
}

static char *self;

static void child(const char *mode, int method, int keep)
{
	int r = 0;
	if (ioctl(keep, FIONCLEX) < 0)
		_exit(90);
	if (method == 0)
		r = close_gaps(3, keep, 0x7fffffff);
	else if (method == 1)
		r = close_gaps(3, keep, ~0U);
	else if (method == 2)
		r = close_walk(keep, 280);
	else
		r = close_walk(keep, 48);
	if (r < 0)
		_exit(91);
	execl("/proc/self/exe", self, "list", mode, (char *)NULL);
	_exit(92);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "list") == 0)
		list(argv[2]);
	self = argv[0];
	int fds[10];
	for (int i = 0; i < 5; i++) {
		SYS(pipe(fds + 2 * i)); /* inheritable, as os.set_inheritable leaves them */
	}
	int cloexec = SYS(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	OUT("cloexec_fd", "%d", cloexec);
	static const char *modes[] = {"fork_intmax", "fork_uintmax", "fork_walk", "fork_walk2",
				      "vfork_intmax", "vfork_uintmax", "vfork_walk", "vfork_walk2"};
	for (int m = 0; m < 8; m++) {
		for (int k = 0; k < 10; k += 3) { /* four of the ten */
			int keep = fds[k];
			char mode[64];
			snprintf(mode, sizeof mode, "%s_keep%d", modes[m], keep);
			fflush(stdout);
			pid_t pid = m < 4 ? fork() : vfork();
			CHECK(pid >= 0);
			if (pid == 0)
				child(mode, m % 4, keep);
			STREQ(mode, wstatus(reap(pid)), "exit 0");
			for (int i = 0; i < 10; i++)
				CHECK(fcntl(fds[i], F_GETFD) == 0);
			CHECK(fcntl(cloexec, F_GETFD) == FD_CLOEXEC);
		}
	}
	pass();
}
