/* clock_settime steps CLOCK_REALTIME for everyone who reads it — the
 * system call, the vDSO (libc's clock_gettime, time()), file times — and
 * leaves CLOCK_MONOTONIC alone; it refuses other clocks (EINVAL; a CPU
 * clock named by pid EPERM), a bad timespec (EINVAL) and a non-root caller (EPERM). */
#include "contract.h"
#include <time.h>
#include <sys/stat.h>

static long sys_settime(clockid_t id, const struct timespec *ts) { return syscall(SYS_clock_settime, id, ts); }

static struct timespec sys_gettime(clockid_t id)
{
	struct timespec ts;
	syscall(SYS_clock_gettime, id, &ts);
	return ts;
}

static int near(long long got, long long want) { return got > want - 60 && got < want + 60; }

int main(void)
{
	struct timespec r0 = sys_gettime(CLOCK_REALTIME), m0 = sys_gettime(CLOCK_MONOTONIC);
	ERR("monotonic", sys_settime(CLOCK_MONOTONIC, &m0), EINVAL);
	ERR("boottime", sys_settime(CLOCK_BOOTTIME, &m0), EINVAL);
	ERR("realtime_coarse", sys_settime(CLOCK_REALTIME_COARSE, &r0), EINVAL);
	ERR("process_cputime", sys_settime(CLOCK_PROCESS_CPUTIME_ID, &r0), EINVAL);
	ERR("thread_cputime", sys_settime(CLOCK_THREAD_CPUTIME_ID, &r0), EINVAL);
	ERR("cpu_clock_of_pid", sys_settime((~(clockid_t)getpid() << 3) | 2, &r0), EPERM);
	ERR("bad_id", sys_settime(100, &r0), EINVAL);
	struct timespec bad = {.tv_sec = -1};
	ERR("negative_sec", sys_settime(CLOCK_REALTIME, &bad), EINVAL);
	bad = (struct timespec){.tv_sec = r0.tv_sec, .tv_nsec = 1000000000};
	ERR("nsec_too_big", sys_settime(CLOCK_REALTIME, &bad), EINVAL);
	ERR("fault", sys_settime(CLOCK_REALTIME, (void *)8), EFAULT);

	pid_t c = SYS(fork());
	if (c == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		struct timespec now = sys_gettime(CLOCK_REALTIME);
		_exit(sys_settime(CLOCK_REALTIME, &now) == -1 && errno == EPERM ? 0 : 1);
	}
	STREQ("non_root", wstatus(reap(c)), "exit 0");

	struct timespec back = {.tv_sec = r0.tv_sec - 86400, .tv_nsec = r0.tv_nsec};
	SYS(sys_settime(CLOCK_REALTIME, &back));
	struct timespec r1 = sys_gettime(CLOCK_REALTIME), m1 = sys_gettime(CLOCK_MONOTONIC);
	struct timespec v1;
	clock_gettime(CLOCK_REALTIME, &v1); /* libc: the vDSO */
	time_t tt = time(NULL);
	EQ("syscall_stepped_back", near(r1.tv_sec, r0.tv_sec - 86400), 1);
	EQ("vdso_stepped_back", near(v1.tv_sec, r0.tv_sec - 86400), 1);
	EQ("time_stepped_back", near(tt, r0.tv_sec - 86400), 1);
	EQ("monotonic_kept", m1.tv_sec >= m0.tv_sec && m1.tv_sec < m0.tv_sec + 60, 1);
	int fd = SYS(open("stamp", O_CREAT | O_WRONLY, 0644));
	struct stat st;
	SYS(fstat(fd, &st));
	EQ("file_time_stepped_back", near(st.st_mtime, r0.tv_sec - 86400), 1);
	struct timespec fwd = {.tv_sec = r0.tv_sec + (m1.tv_sec - m0.tv_sec), .tv_nsec = r0.tv_nsec};
	SYS(sys_settime(CLOCK_REALTIME, &fwd));
	struct timespec r2 = sys_gettime(CLOCK_REALTIME);
	clock_gettime(CLOCK_REALTIME, &v1);
	EQ("restored", near(r2.tv_sec, r0.tv_sec), 1);
	EQ("vdso_restored", near(v1.tv_sec, r0.tv_sec), 1);
	pass();
}
