/* Who may use syslog(2) and read /dev/kmsg: with dmesg_restrict (on by
 * default) nobody but CAP_SYSLOG; with it off anybody may READ_ALL and
 * SIZE_BUFFER, and nothing else. dmesg_restrict takes only 0 and 1. */
#include "contract.h"
#include <sys/klog.h>

static char buf[4096];

static void probe(const char *tag)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		char key[64];
		snprintf(key, sizeof key, "%s_read_all", tag);
		errno = 0;
		int r = klogctl(3, buf, sizeof buf);
		OUT(key, "%s", r >= 0 ? "ok" : errname(errno));
		snprintf(key, sizeof key, "%s_size_buffer", tag);
		errno = 0;
		r = klogctl(10, NULL, 0);
		OUT(key, "%s", r >= 0 ? "ok" : errname(errno));
		static const int acts[] = {0, 1, 2, 4, 5, 6, 7, 8, 9, 11};
		for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
			snprintf(key, sizeof key, "%s_action_%d", tag, acts[i]);
			errno = 0;
			r = klogctl(acts[i], acts[i] == 2 ? buf : NULL, acts[i] == 8 ? 4 : 0);
			OUT(key, "%s", r >= 0 ? "ok" : errname(errno));
		}
		snprintf(key, sizeof key, "%s_kmsg_read", tag);
		int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
		OUT(key, "%s", fd >= 0 ? "ok" : errname(errno));
		snprintf(key, sizeof key, "%s_kmsg_write", tag);
		fd = open("/dev/kmsg", O_WRONLY);
		OUT(key, "%s", fd >= 0 ? "ok" : errname(errno));
		_exit(0);
	}
	STREQ("child", wstatus(reap(pid)), "exit 0");
}

int main(void)
{
	char orig[16];
	CHECK(read_file("/proc/sys/kernel/dmesg_restrict", orig, sizeof orig) > 0);
	OUT("default", "%c", orig[0]);
	SYS(write_file("/proc/sys/kernel/dmesg_restrict", "1"));
	probe("restricted");
	SYS(write_file("/proc/sys/kernel/dmesg_restrict", "0"));
	probe("open");
	ERR("write_2", write_file("/proc/sys/kernel/dmesg_restrict", "2"), EINVAL);
	int fd = SYS(open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
	writeall(fd, "contract-permissions\n", 21);
	EQ("root_read_all", klogctl(3, buf, sizeof buf) > 0, 1);
	SYS(write_file("/proc/sys/kernel/dmesg_restrict", orig));
	pass();
}
