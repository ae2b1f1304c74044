/* RLIMIT_MEMLOCK for an unprivileged process: mlock within the limit works,
 * beyond it is ENOMEM, and with a zero limit mlock and mlockall are EPERM;
 * locked memory shows as VmLck. */
#include "contract.h"
#include <sys/mman.h>
#include <sys/resource.h>

static long vmlck(void)
{
	char buf[4096];
	if (read_file("/proc/self/status", buf, sizeof buf) < 0)
		return -1;
	char *p = strstr(buf, "VmLck:");
	return p ? strtol(p + 6, NULL, 10) : -2;
}

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		struct rlimit lim = {64 << 10, 64 << 10};
		setrlimit(RLIMIT_MEMLOCK, &lim);
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(20);
		char *m = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(21);
		printf("mlock32k: %s\n", mlock(m, 32 << 10) ? errname(errno) : "OK");
		printf("vmlck: %ld\n", vmlck());
		printf("mlock_same_again: %s\n", mlock(m, 32 << 10) ? errname(errno) : "OK");
		printf("mlock_more32k: %s\n", mlock(m + (32 << 10), 32 << 10) ? errname(errno) : "OK");
		printf("mlock_over: %s\n", mlock(m + (64 << 10), 4096) ? errname(errno) : "OK");
		printf("vmlck2: %ld\n", vmlck());
		printf("munlock: %s\n", munlock(m, 64 << 10) ? errname(errno) : "OK");
		printf("vmlck3: %ld\n", vmlck());
		printf("mlock128k: %s\n", mlock(m, 128 << 10) ? errname(errno) : "OK");
		printf("mlockall_current: %s\n", mlockall(MCL_CURRENT) ? errname(errno) : "OK");
		struct rlimit zero = {0, 0};
		setrlimit(RLIMIT_MEMLOCK, &zero);
		printf("mlock_zero: %s\n", mlock(m, 4096) ? errname(errno) : "OK");
		printf("mlockall_zero: %s\n", mlockall(MCL_FUTURE) ? errname(errno) : "OK");
		printf("munlockall: %s\n", munlockall() ? errname(errno) : "OK");
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
	/* root is not limited */
	struct rlimit zero = {0, 0};
	SYS(setrlimit(RLIMIT_MEMLOCK, &zero));
	char *m = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EQ("root_mlock", mlock(m, 64 << 10), 0);
	EQ("root_vmlck", vmlck(), 64);
	EQ("root_munlock", munlock(m, 64 << 10), 0);
	ERR("mlock_unmapped", mlock((void *)0x10000, 4096), ENOMEM);
	ERR("mlock2_flags", syscall(SYS_mlock2, m, 4096, 2), EINVAL);
	ERR("mlockall_flags", mlockall(0), EINVAL);
	pass();
}
