/* /proc/self/status and /proc/<pid>/stat agree with the process's state. */
#include "contract.h"

static const char *field(char *buf, const char *key)
{
	char *p = strstr(buf, key);
	if (!p)
		fail("no %s", key);
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	static char out[64];
	size_t n = strcspn(p, "\n");
	snprintf(out, sizeof out, "%.*s", (int)n, p);
	return out;
}

int main(void)
{
	char buf[4096];
	SYS(read_file("/proc/self/status", buf, sizeof buf));
	char pid[16];
	snprintf(pid, sizeof pid, "%d", getpid());
	STREQ("Name", field(buf, "Name:"), "proc_self_statu");
	EQ("pid_matches", strcmp(field(buf, "\nPid:"), pid), 0);
	STREQ("State", field(buf, "State:"), "R (running)");
	STREQ("Uid", field(buf, "Uid:"), "0\t0\t0\t0");
	STREQ("Threads", field(buf, "Threads:"), "1");
	char path[64], stat[512];
	snprintf(path, sizeof path, "/proc/%d/stat", getpid());
	SYS(read_file(path, stat, sizeof stat));
	char *rp = strrchr(stat, ')');
	CHECK(rp != NULL);
	OUT("stat_state", "%c", rp[2]);
	CHECK(rp[2] == 'R');
	pass();
}
