/*
 * badptr.c: system calls given bad pointers. Every pointer argument is tried
 * with three kinds of address: "low" (1, inside the user range but never
 * mapped), "kernel" (0xffff800000000000, the kernel half) and "unmapped" (a
 * page that was mapped and then unmapped). Each line names the call, the
 * kind and the errno name (or "ok"). The kernel must answer every one and
 * stay up; the tail checks a few partially valid buffers.
 */
#include "contract.h"
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define PG 4096
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static long kinds[3];
static const char *kind_names[3] = {"low", "kernel", "unmapped"};
static int calls;

static void show(const char *name, const char *kind, long r)
{
	calls++;
	if (r == -1)
		printf("%s %s: %s\n", name, kind, errname(errno));
	else
		printf("%s %s: ok\n", name, kind);
}

/* T runs expr once per bad-pointer kind with BAD bound to that pointer. */
#define T(name, expr) do { for (int _k = 0; _k < 3; _k++) { long BADL = kinds[_k]; \
	void *BAD = (void *)BADL; (void)BAD; (void)BADL; errno = 0; long _r = (long)(expr); \
	show(name, kind_names[_k], _r); } } while (0)

int main(void)
{
	char *un = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(un != MAP_FAILED);
	CHECK(munmap(un, PG) == 0);
	kinds[0] = 1;
	kinds[1] = (long)0xffff800000000000UL;
	kinds[2] = (long)un;

	int zero = open("/dev/zero", O_RDONLY);
	int nul = open("/dev/null", O_WRONLY);
	CHECK(zero >= 0 && nul >= 0);
	int fd = open("file.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	writeall(fd, "some file contents\n", 19);
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	int p[2];
	CHECK(pipe(p) == 0);
	writeall(p[1], "pipe data", 9);
	CHECK(mkdir("dir", 0755) == 0);
	char ok_buf[256];
	struct iovec bad_iov[3];

	/* I/O buffers. */
	T("read/devzero", syscall(SYS_read, zero, BAD, 16));
	T("read/file", syscall(SYS_pread64, fd, BAD, 8, 0));
	T("read/pipe", syscall(SYS_read, p[0], BAD, 4));
	T("write/pipe", syscall(SYS_write, p[1], BAD, 4));
	T("write/file", syscall(SYS_pwrite64, fd, BAD, 4, 0));
	T("write/devnull", syscall(SYS_write, nul, BAD, 4));
	T("readv/iov", syscall(SYS_readv, zero, BAD, 1));
	T("readv/base", (bad_iov[0] = (struct iovec){BAD, 8}, syscall(SYS_readv, zero, bad_iov, 1)));
	T("writev/iov", syscall(SYS_writev, p[1], BAD, 1));
	T("writev/base", (bad_iov[0] = (struct iovec){BAD, 8}, syscall(SYS_writev, p[1], bad_iov, 1)));
	T("getdents64", syscall(SYS_getdents64, dfd, BAD, 4096));
	T("sendfile/offset", syscall(SYS_sendfile, p[1], fd, BAD, 4));
	T("getrandom", syscall(SYS_getrandom, BAD, 16, 0));

	/* Path names. */
	T("open", syscall(SYS_open, BAD, O_RDONLY));
	T("openat", syscall(SYS_openat, AT_FDCWD, BAD, O_RDONLY));
	T("stat/path", syscall(SYS_stat, BAD, ok_buf));
	T("stat/buf", syscall(SYS_stat, "file.txt", BAD));
	T("lstat/path", syscall(SYS_lstat, BAD, ok_buf));
	T("fstat/buf", syscall(SYS_fstat, fd, BAD));
	T("newfstatat/path", syscall(SYS_newfstatat, AT_FDCWD, BAD, ok_buf, 0));
	T("statx/path", syscall(SYS_statx, AT_FDCWD, BAD, 0, 0x7ff, ok_buf));
	T("statx/buf", syscall(SYS_statx, AT_FDCWD, "file.txt", 0, 0x7ff, BAD));
	T("access", syscall(SYS_access, BAD, F_OK));
	T("faccessat", syscall(SYS_faccessat, AT_FDCWD, BAD, F_OK));
	T("mkdir", syscall(SYS_mkdir, BAD, 0755));
	T("rmdir", syscall(SYS_rmdir, BAD));
	T("unlink", syscall(SYS_unlink, BAD));
	T("chdir", syscall(SYS_chdir, BAD));
	T("chmod", syscall(SYS_chmod, BAD, 0644));
	T("chown", syscall(SYS_chown, BAD, 0, 0));
	T("rename/old", syscall(SYS_rename, BAD, "x"));
	T("rename/new", syscall(SYS_rename, "file.txt", BAD));
	T("link", syscall(SYS_link, "file.txt", BAD));
	T("symlink/target", syscall(SYS_symlink, BAD, "sl"));
	T("readlink/path", syscall(SYS_readlink, BAD, ok_buf, sizeof ok_buf));
	T("truncate", syscall(SYS_truncate, BAD, 0));
	T("utimensat/times", syscall(SYS_utimensat, AT_FDCWD, "file.txt", BAD, 0));
	T("execve/path", syscall(SYS_execve, BAD, NULL, NULL));
	T("statfs/path", syscall(SYS_statfs, BAD, ok_buf));
	T("statfs/buf", syscall(SYS_statfs, "/", BAD));
	T("fstatfs/buf", syscall(SYS_fstatfs, fd, BAD));
	T("getcwd", syscall(SYS_getcwd, BAD, 256));
	T("memfd_create", syscall(SYS_memfd_create, BAD, 0));

	/* Structures filled in by the kernel. */
	T("uname", syscall(SYS_uname, BAD));
	T("pipe", syscall(SYS_pipe, BAD));
	T("pipe2", syscall(SYS_pipe2, BAD, 0));
	T("clock_gettime", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD));
	T("clock_getres", syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD));
	T("gettimeofday", syscall(SYS_gettimeofday, BAD, NULL));
	T("time", syscall(SYS_time, BAD));
	T("nanosleep/req", syscall(SYS_nanosleep, BAD, NULL));
	T("clock_nanosleep/req", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD, NULL));
	T("getrlimit", syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD));
	T("prlimit64/old", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD));
	T("getrusage", syscall(SYS_getrusage, RUSAGE_SELF, BAD));
	T("sysinfo", syscall(SYS_sysinfo, BAD));
	T("times", syscall(SYS_times, BAD));
	T("getresuid", syscall(SYS_getresuid, BAD, BAD, BAD));
	T("getitimer", syscall(SYS_getitimer, ITIMER_REAL, BAD));
	T("setitimer/new", syscall(SYS_setitimer, ITIMER_REAL, BAD, NULL));
	T("sched_getaffinity", syscall(SYS_sched_getaffinity, 0, 128, BAD));
	T("sched_getparam", syscall(SYS_sched_getparam, 0, BAD));
	T("getcpu", syscall(SYS_getcpu, BAD, NULL, NULL));
	T("arch_prctl/get_fs", syscall(SYS_arch_prctl, 0x1003, BAD));
	T("prctl/get_name", syscall(SYS_prctl, PR_GET_NAME, BAD, 0, 0, 0));
	T("prctl/set_name", syscall(SYS_prctl, PR_SET_NAME, BAD, 0, 0, 0));
	T("capget", syscall(SYS_capget, BAD, BAD));
	T("sethostname", syscall(SYS_sethostname, BAD, 4));

	/* Signals. */
	T("rt_sigaction/act", syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8));
	T("rt_sigaction/old", syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD, 8));
	T("rt_sigprocmask/set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, 8));
	T("rt_sigprocmask/old", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD, 8));
	T("rt_sigpending", syscall(SYS_rt_sigpending, BAD, 8));
	T("rt_sigtimedwait/set", syscall(SYS_rt_sigtimedwait, BAD, NULL, NULL, 8));
	T("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, BAD));
	T("rt_sigsuspend", syscall(SYS_rt_sigsuspend, BAD, 8));
	T("sigaltstack/new", syscall(SYS_sigaltstack, BAD, NULL));
	T("sigaltstack/old", syscall(SYS_sigaltstack, NULL, BAD));

	/* Polling, futexes, sockets, ioctl, fcntl. */
	T("poll", syscall(SYS_poll, BAD, 1, 0));
	T("ppoll/fds", syscall(SYS_ppoll, BAD, 1, NULL, NULL, 8));
	T("select/readfds", syscall(SYS_select, 1, BAD, NULL, NULL, NULL));
	int ep = epoll_create1(0);
	T("epoll_ctl/event", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], BAD));
	T("epoll_wait/events", syscall(SYS_epoll_wait, ep, BAD, 4, 0));
	T("futex/wait", syscall(SYS_futex, BAD, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
	T("futex/wake", syscall(SYS_futex, BAD, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	T("socketpair/sv", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD));
	T("ioctl/fionread", syscall(SYS_ioctl, p[0], FIONREAD, BAD));
	T("fcntl/getlk", syscall(SYS_fcntl, fd, F_GETLK, BAD));
	T("mincore/vec", syscall(SYS_mincore, ok_buf - ((long)ok_buf & (PG - 1)), PG, BAD));
	T("set_robust_list", syscall(SYS_set_robust_list, BAD, 24));
	T("getgroups", syscall(SYS_getgroups, 4, BAD));

	/* wait4 with a bad status pointer and a zombie to report. */
	for (int k = 0; k < 3; k++) {
		pid_t c = fork();
		CHECK(c >= 0);
		if (c == 0)
			_exit(3);
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		errno = 0;
		long r = syscall(SYS_wait4, c, kinds[k], 0, NULL);
		show("wait4/status", kind_names[k], r == c ? 0 : r);
		int st = 0;
		errno = 0;
		r = waitpid(c, &st, WNOHANG);
		printf("wait4/status %s then: %s\n", kind_names[k],
			r == c ? wstatus(st) : r == 0 ? "still there" : errname(errno));
	}

	/* Partially valid buffers: the valid prefix is used. */
	char *two = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(two != MAP_FAILED);
	CHECK(munmap(two + PG, PG) == 0);
	memset(two, 'x', PG);
	int q[2];
	CHECK(pipe(q) == 0);
	errno = 0;
	long r = syscall(SYS_write, q[1], two + PG - 100, 200);
	printf("write/straddle: %ld %s\n", r, r < 0 ? errname(errno) : "");
	errno = 0;
	r = syscall(SYS_read, zero, two + PG - 100, 200);
	printf("read/straddle devzero: %ld %s\n", r, r < 0 ? errname(errno) : "");
	errno = 0;
	r = syscall(SYS_pread64, fd, two + PG - 10, 19, 0);
	printf("read/straddle file: %ld %s\n", r, r < 0 ? errname(errno) : "");
	lseek(fd, 0, SEEK_SET);
	struct iovec iv[2] = {{ok_buf, 4}, {(void *)1, 4}};
	errno = 0;
	r = syscall(SYS_readv, fd, iv, 2);
	printf("readv/second_iov_bad: %ld %s\n", r, r < 0 ? errname(errno) : "");

	/* The descriptors and the process are still fine. */
	/* Linux leaves pipe data in place when a read faults: "pipe data"
	 * written at the start is still there (non-blocking, so a kernel that
	 * lost it answers EAGAIN instead of hanging the test). */
	char b[16] = {0};
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	errno = 0;
	r = read(p[0], b, sizeof b - 1);
	printf("pipe_after_faults: %ld %s\n", r, r < 0 ? errname(errno) : b);
	printf("calls: %d\n", calls);
	CHECK(calls >= 40 * 3);
	pass();
}
