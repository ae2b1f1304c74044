/*
 * bench.c: the benchmark program, run as PID 1 (/init) on both kernels.
 *
 * It prints "BENCH_INIT" as its very first action (the driver measures boot
 * time to that line), mounts what it needs, runs each benchmark and prints
 *     BENCH <name> <ns_per_op>
 * then "BENCH_DONE" and powers off. bench_set=syscall on the kernel command
 * line (or in the environment) runs only the syscall subset, bench_set=disk
 * only the disk rows, bench_set=net only the networking rows (netrows.h),
 * bench_only=NAME only that row of the main table (bench_ms=N calibrates it
 * to N ms instead of 100) or of the networking rows (tcp_*, udp_*; those
 * keep their own calibration). Each benchmark
 * is calibrated to run for about 100 ms of wall time.
 *
 * With the full set and a virtio-blk disk (/dev/vda, an empty ext4 made by
 * the driver with mke2fs; the reference kernel's virtio modules are loaded
 * from /lib/modules/bench/list) the disk rows follow, each run once and
 * reported as ns for the whole operation (disk_randread_4k: per read).
 * "Cold" means just after a umount and mount of /mnt, which empties the
 * page cache of the filesystem on both kernels.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char self[] = "/init";

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	printf("BENCH_ERROR %s errno=%d\n", what, errno);
	fflush(stdout);
	reboot(RB_POWER_OFF);
	_exit(1);
}

/* ---- the benchmarks: each runs n operations ---- */

static void b_getpid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
}

/* getppid has no fast path: the fixed cost of a system call that goes
 * through the kernel's Go dispatcher. */
static void b_getppid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void b_clock_gettime(long n)
{
	struct timespec ts;
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
}

static int zero_fd, null_fd;

static void b_read_zero(long n)
{
	char c;
	for (long i = 0; i < n; i++)
		if (read(zero_fd, &c, 1) != 1)
			die("read /dev/zero");
}

static void b_write_null(long n)
{
	char c = 0;
	for (long i = 0; i < n; i++)
		if (write(null_fd, &c, 1) != 1)
			die("write /dev/null");
}

/* pingpong: a child echoes one byte per round trip. The parent writes to
 * pout and reads pin; the child reads cin and writes cout. */
static void pingpong(long n, int pout, int pin, int cin, int cout)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char c;
		close(pout);
		if (pin != pout)
			close(pin);
		for (;;) {
			if (read(cin, &c, 1) != 1)
				_exit(0);
			if (write(cout, &c, 1) != 1)
				_exit(1);
		}
	}
	close(cin);
	if (cout != cin)
		close(cout);
	char c = 'x';
	for (long i = 0; i < n; i++) {
		if (write(pout, &c, 1) != 1 || read(pin, &c, 1) != 1)
			die("pingpong");
	}
	close(pout);
	if (pin != pout)
		close(pin);
	waitpid(pid, NULL, 0);
}

static void b_pipe(long n)
{
	int a[2], b[2];
	if (pipe(a) || pipe(b))
		die("pipe");
	pingpong(n, a[1], b[0], a[0], b[1]);
}

static void b_unix(long n)
{
	int a[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, a))
		die("socketpair");
	pingpong(n, a[0], a[0], a[1], a[1]);
}

static void b_fork_exit(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
}

static void b_fork_exec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			char *argv[] = {self, "exit", NULL};
			execve(self, argv, (char *[]){NULL});
			_exit(127);
		}
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("exec child");
	}
}

/*
 * b_fork_exec_large is b_fork_exec with a large program: /bin/exec-large is
 * a static glibc binary of over 800 KB (guest/exec_large.c), so its cost
 * shows whether exec grows with the file or with the pages it touches.
 */
static void b_fork_exec_large(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			char *argv[] = {"/bin/exec-large", "exit", NULL};
			execve(argv[0], argv, (char *[]){NULL});
			_exit(127);
		}
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("exec-large child");
	}
}

/* b_sys_clock_gettime enters the kernel for the clock (no vDSO). */
static void b_sys_clock_gettime(long n)
{
	struct timespec ts;
	for (long i = 0; i < n; i++)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
}

static void b_open_close(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open("/tmp/bench-file", O_RDONLY);
		if (fd < 0)
			die("open");
		close(fd);
	}
}

static void b_stat(long n)
{
	struct stat st;
	for (long i = 0; i < n; i++)
		if (stat("/tmp/bench-file", &st))
			die("stat");
}

static void b_mmap(long n)
{
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		munmap(p, 4096);
	}
}

static volatile long sig_count;
static void on_sig(int s)
{
	(void)s;
	sig_count++;
}

static void b_signal(long n)
{
	signal(SIGUSR1, on_sig);
	for (long i = 0; i < n; i++)
		raise(SIGUSR1);
}

static void b_epoll(long n)
{
	int ep = epoll_create1(0), ev = eventfd(1, 0);
	struct epoll_event e = {.events = EPOLLIN};
	if (ep < 0 || ev < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e))
		die("epoll setup");
	for (long i = 0; i < n; i++)
		if (epoll_wait(ep, &e, 1, 0) != 1)
			die("epoll_wait");
	close(ep);
	close(ev);
}

static volatile int fword;
static long frounds;

static void fwait(int val)
{
	while (__atomic_load_n(&fword, __ATOMIC_ACQUIRE) == val)
		syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void fset(int val)
{
	__atomic_store_n(&fword, val, __ATOMIC_RELEASE);
	syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *fpartner(void *a)
{
	(void)a;
	for (long i = 0; i < frounds; i++) {
		fwait(0);
		fset(0);
	}
	return NULL;
}

static void b_futex(long n)
{
	pthread_t t;
	fword = 0;
	frounds = n;
	if (pthread_create(&t, NULL, fpartner, NULL))
		die("pthread_create");
	for (long i = 0; i < n; i++) {
		fset(1);
		fwait(1);
	}
	pthread_join(t, NULL);
}

static void b_tmpfs(long n)
{
	static char buf[1 << 20];
	memset(buf, 'b', sizeof buf);
	for (long i = 0; i < n; i++) {
		int fd = open("/tmp/bench-64m", O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die("open 64m");
		for (int k = 0; k < 64; k++)
			if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
				die("write 64m");
		lseek(fd, 0, SEEK_SET);
		for (int k = 0; k < 64; k++)
			if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
				die("read 64m");
		close(fd);
		unlink("/tmp/bench-64m");
	}
}

/* ---- the disk rows (run once each, on /dev/vda mounted at /mnt) ---- */

/* load_modules loads the kernel modules listed in /lib/modules/bench/list
 * (the reference kernel's virtio-blk), in order; a kernel that refuses
 * them goes on without. */
static void load_modules(void)
{
	static char list[4096];
	int fd = open("/lib/modules/bench/list", O_RDONLY);
	if (fd < 0)
		return;
	long n = read(fd, list, sizeof list - 1);
	close(fd);
	if (n <= 0)
		return;
	list[n] = 0;
	for (char *line = list, *next; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		int m = open(line, O_RDONLY | O_CLOEXEC);
		if (m < 0)
			continue;
		syscall(SYS_finit_module, m, "", 0);
		close(m);
	}
}

static void disk_mount(void)
{
	if (mount("/dev/vda", "/mnt", "ext4", 0, NULL) != 0)
		die("mount /dev/vda");
}

/* disk_remount empties the page cache of the filesystem: umount, mount. */
static void disk_remount(void)
{
	if (umount("/mnt") != 0)
		die("umount /mnt");
	disk_mount();
}

#define BIG_MIB 256
static char iobuf[1 << 20];

static void report(const char *name, double ns)
{
	printf("BENCH %s %.1f\n", name, ns);
}

static void d_seqwrite(void)
{
	memset(iobuf, 'w', sizeof iobuf);
	long long t0 = now_ns();
	int fd = open("/mnt/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create /mnt/big");
	for (int i = 0; i < BIG_MIB; i++) {
		iobuf[0] = (char)i;
		if (write(fd, iobuf, sizeof iobuf) != (ssize_t)sizeof iobuf)
			die("write /mnt/big");
	}
	if (fsync(fd) != 0)
		die("fsync /mnt/big");
	close(fd);
	report("disk_seqwrite_fsync_256mib", (double)(now_ns() - t0));
}

static void d_coldread(void)
{
	disk_remount();
	long long t0 = now_ns();
	int fd = open("/mnt/big", O_RDONLY);
	if (fd < 0)
		die("open /mnt/big");
	for (int i = 0; i < BIG_MIB; i++) {
		if (read(fd, iobuf, sizeof iobuf) != (ssize_t)sizeof iobuf || iobuf[0] != (char)i || iobuf[4095] != 'w')
			die("read /mnt/big");
	}
	close(fd);
	report("disk_coldread_256mib", (double)(now_ns() - t0));
}

static void d_randread(void)
{
	enum { reads = 2000 };
	disk_remount();
	int fd = open("/mnt/big", O_RDONLY);
	if (fd < 0)
		die("open /mnt/big");
	unsigned x = 12345;
	long long t0 = now_ns();
	for (int i = 0; i < reads; i++) {
		x = x * 1103515245u + 12345u;
		off_t off = (off_t)((x >> 8) % (BIG_MIB * 256)) * 4096;
		if (pread(fd, iobuf, 4096, off) != 4096 || iobuf[1] != 'w')
			die("pread /mnt/big");
	}
	report("disk_randread_4k", (double)(now_ns() - t0) / reads);
	close(fd);
}

static void d_create_fsync_unlink(void)
{
	char name[64];
	long long t0 = now_ns();
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "/mnt/f%04d", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("create small file");
		if (fsync(fd) != 0)
			die("fsync small file");
		close(fd);
		if (unlink(name) != 0)
			die("unlink small file");
	}
	report("disk_create_fsync_unlink_1000", (double)(now_ns() - t0));
}

/* d_untar unpacks /bench-tree.tar (ustar: directories and regular files,
 * made by the driver) into /mnt/tree and syncs the filesystem. */
static void d_untar(void)
{
	int fd = open("/bench-tree.tar", O_RDONLY);
	if (fd < 0)
		return; /* no tree in this image */
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("stat tar");
	char *tar = malloc(st.st_size);
	if (!tar)
		die("malloc tar");
	for (off_t got = 0; got < st.st_size;) {
		ssize_t n = read(fd, tar + got, st.st_size - got);
		if (n <= 0)
			die("read tar");
		got += n;
	}
	close(fd);
	char path[512];
	long long t0 = now_ns();
	if (mkdir("/mnt/tree", 0755) != 0)
		die("mkdir /mnt/tree");
	for (off_t pos = 0; pos + 512 <= st.st_size;) {
		const char *h = tar + pos;
		if (h[0] == 0)
			break;
		long size = strtol(h + 124, NULL, 8);
		long mode = strtol(h + 100, NULL, 8);
		snprintf(path, sizeof path, "/mnt/tree/%.100s", h);
		pos += 512;
		if (h[156] == '5') {
			if (mkdir(path, mode) != 0 && errno != EEXIST)
				die("untar mkdir");
		} else if (h[156] == '0' || h[156] == 0) {
			int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
			if (out < 0)
				die("untar create");
			if (write(out, tar + pos, size) != size)
				die("untar write");
			close(out);
		}
		pos += (size + 511) / 512 * 512;
	}
	int d = open("/mnt", O_RDONLY | O_DIRECTORY);
	if (d < 0 || syncfs(d) != 0)
		die("syncfs /mnt");
	close(d);
	report("disk_untar_20mb", (double)(now_ns() - t0));
	free(tar);
}

static void disk_rows(void)
{
	load_modules();
	if (access("/dev/vda", F_OK) != 0)
		return; /* no disk in this run */
	mkdir("/mnt", 0755);
	disk_mount();
	d_seqwrite();
	d_coldread();
	d_randread();
	d_create_fsync_unlink();
	d_untar();
	if (umount("/mnt") != 0)
		die("umount /mnt");
}

struct bench {
	const char *name;
	void (*fn)(long);
	int syscall_set; /* part of bench_set=syscall */
};

static const struct bench benches[] = {
	{"getpid", b_getpid, 1},
	{"getppid", b_getppid, 1},
	{"clock_gettime", b_clock_gettime, 1},
	{"read_devzero_1b", b_read_zero, 1},
	{"write_devnull_1b", b_write_null, 0},
	{"pipe_pingpong", b_pipe, 1},
	{"unix_pingpong", b_unix, 0},
	{"fork_exit_wait", b_fork_exit, 1},
	{"fork_exec_wait", b_fork_exec, 1},
	{"fork_exec_large_wait", b_fork_exec_large, 1},
	{"sys_clock_gettime", b_sys_clock_gettime, 1},
	{"open_close", b_open_close, 0},
	{"stat", b_stat, 0},
	{"mmap_fault_munmap", b_mmap, 1},
	{"signal_delivery", b_signal, 0},
	{"epoll_wait_ready", b_epoll, 0},
	{"futex_pingpong", b_futex, 0},
	{"tmpfs_64mib_write_read", b_tmpfs, 0},
};

/* measure calibrates n so one run takes about target_ns and returns ns/op. */
static double measure(void (*fn)(long), long long target_ns)
{
	long n = 1;
	for (;;) {
		long long t0 = now_ns();
		fn(n);
		long long dt = now_ns() - t0;
		if (dt >= target_ns / 4 || n >= (1L << 30)) {
			long want = dt > 0 ? (long)((double)n * target_ns / dt) : n * 4;
			if (want <= n)
				return (double)dt / n;
			t0 = now_ns();
			fn(want);
			return (double)(now_ns() - t0) / want;
		}
		n *= 4;
	}
}

static const char *param(const char *key)
{
	static char cmdline[4096];
	const char *v = getenv(key);
	if (v)
		return v;
	int fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	cmdline[n] = 0;
	size_t kl = strlen(key);
	for (char *p = cmdline; (p = strstr(p, key)) != NULL; p += kl) {
		if ((p == cmdline || p[-1] == ' ') && p[kl] == '=') {
			p[kl + 1 + strcspn(p + kl + 1, " \n")] = 0;
			return p + kl + 1;
		}
	}
	return NULL;
}

#include "netrows.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		_exit(0);
	write(1, "BENCH_INIT\n", 11);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/proc", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, "size=80%");
	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	if (zero_fd < 0 || null_fd < 0)
		die("open devices");
	int fd = open("/tmp/bench-file", O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		die("create bench-file");
	close(fd);
	const char *set = param("bench_set");
	int only_syscall = set && strcmp(set, "syscall") == 0;
	int only_disk = set && strcmp(set, "disk") == 0;
	int only_net = set && strcmp(set, "net") == 0;
	/* bench_only=NAME runs that row alone, for bench_ms (default 100) ms:
	 * how testing/cmd/pcprof profiles one row. param returns its own
	 * buffer: copy before the next call. */
	const char *only = param("bench_only");
	if (only)
		only = strdup(only);
	const char *ms = param("bench_ms");
	long long target = (ms ? atoll(ms) : 100) * 1000 * 1000LL;
	if (only)
		only_disk = only_net = 0; /* the net rows take bench_only too */
	for (size_t i = 0; i < sizeof benches / sizeof benches[0] && !only_disk && !only_net; i++) {
		if (only_syscall && !benches[i].syscall_set)
			continue;
		if (only && strcmp(only, benches[i].name) != 0)
			continue;
		double ns = measure(benches[i].fn, target);
		printf("BENCH %s %.1f\n", benches[i].name, ns);
	}
	if (!only_syscall && !only_disk && (!only || strncmp(only, "tcp_", 4) == 0 || strncmp(only, "udp_", 4) == 0))
		net_rows(only);
	if (!only_syscall && !only_net && !only)
		disk_rows();
	printf("BENCH_DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
