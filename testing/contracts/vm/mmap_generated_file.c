/* procfs files cannot be mapped: mmap is ENODEV for per-process files and
 * /proc/sys, EIO for the other entries (proc_reg_mmap), as on Linux. Aramid
 * mapped them (a snapshot of the contents at open). Should a mapping be made,
 * a child touches it (write(2) of it to /dev/null) and must finish, or die
 * at SIGKILL, within the parent's wait: a fault that read a generated file
 * with the address space locked could deadlock if the file were produced at
 * read time from that address space. */
#include "contract.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

/* touch maps path and reads the mapping in a child; it prints whether the
 * child finished (or died at SIGKILL) within two seconds. */
static void touch(const char *key, const char *path, int flags)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		OUT(key, "open %s", errname(errno));
		return;
	}
	errno = 0;
	void *p = mmap(NULL, 4096, PROT_READ, flags, fd, 0);
	OUT(key, "mmap %s", p == MAP_FAILED ? errname(errno) : "ok");
	if (p == MAP_FAILED) {
		close(fd);
		return;
	}
	pid_t c = SYS(fork());
	if (c == 0) {
		int null = open("/dev/null", O_WRONLY);
		_exit(write(null, p, 64) == 64 ? 0 : 1);
	}
	int st = 0, done = 0;
	for (int i = 0; i < 200 && !done; i++) {
		done = waitpid(c, &st, WNOHANG) == c;
		if (!done)
			usleep(10000);
	}
	if (!done) {
		kill(c, SIGKILL);
		for (int i = 0; i < 200 && !done; i++) {
			done = waitpid(c, &st, WNOHANG) == c;
			if (!done)
				usleep(10000);
		}
	}
	OUT(key, "touch %s", done ? wstatus(st) : "hung");
	munmap(p, 4096);
	close(fd);
}

int main(void)
{
	alarm(9);
	touch("proc_self_status_private", "/proc/self/status", MAP_PRIVATE);
	touch("proc_self_status_shared", "/proc/self/status", MAP_SHARED);
	touch("proc_self_maps", "/proc/self/maps", MAP_PRIVATE);
	touch("proc_meminfo", "/proc/meminfo", MAP_PRIVATE);
	touch("proc_version", "/proc/version", MAP_PRIVATE);
	touch("sys_kernel_ostype", "/proc/sys/kernel/ostype", MAP_PRIVATE);
	touch("proc_net_unix", "/proc/net/unix", MAP_PRIVATE);
	touch("proc_self_oom_score_adj", "/proc/self/oom_score_adj", MAP_PRIVATE);
	pass();
}
