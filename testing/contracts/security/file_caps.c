/* File capabilities (security.capability): execve grants pP' = (X & fP) |
 * (pI & fI), effective only with the effective flag; an effective file
 * whose fP the bounding set cuts fails with EPERM; no_new_privs and a
 * nosuid mount grant nothing; file capabilities clear the ambient set.
 * Writing the attribute needs CAP_SETFCAP and a revision-2 or -3 value
 * (EINVAL otherwise; revision 3 with root id 0 reads back as revision 2).
 * A write, truncation or chown
 * drops the attribute; a write by a caller without CAP_FSETID drops
 * set-user-ID, root's keeps it. */
#include "sec.h"
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#define CAPS "security.capability"

static void copy_self(const char *to)
{
	int in = SYS(open("/proc/self/exe", O_RDONLY));
	int out = SYS(open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755));
	struct stat st;
	SYS(fstat(in, &st));
	SYS(sendfile(out, in, NULL, st.st_size));
	close(in);
	close(out);
}

/* vcap builds a vfs_cap_data value of revision rev (2 or 3). */
static int vcap(unsigned char *b, int rev, int eff, uint64_t prm, uint64_t inh, uint32_t rootid)
{
	uint32_t w[6] = {(rev == 2 ? 0x02000000u : 0x03000000u) | (eff ? 1 : 0), (uint32_t)prm, (uint32_t)inh,
	                 (uint32_t)(prm >> 32), (uint32_t)(inh >> 32), rootid};
	memcpy(b, w, sizeof w);
	return rev == 2 ? 20 : 24;
}

enum { DROP_RAW = 1, NNP = 2, AMBIENT = 4 };

/* run execs prog as uid 1000 (no capabilities left) and prints the sets
 * and AT_SECURE the program saw. */
static void run(const char *key, const char *prog, int how)
{
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		dup2(p[1], 1);
		if (how & DROP_RAW && prctl(PR_CAPBSET_DROP, CAP_NET_RAW) < 0)
			_exit(89);
		if (how & AMBIENT) {
			/* keep CAP_SYS_TIME through setuid as an ambient capability */
			if (prctl(PR_SET_KEEPCAPS, 1) < 0)
				_exit(88);
		}
		if (setresuid(1000, 1000, 1000) < 0)
			_exit(90);
		if (how & AMBIENT) {
			uint64_t t = 1ULL << CAP_SYS_TIME;
			if (setcaps(t, t, t) < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_TIME, 0, 0) < 0)
				_exit(87);
		}
		if (how & NNP && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(91);
		char *av[] = {(char *)prog, "report", NULL};
		execv(prog, av);
		printf("exec: %s ", errname(errno));
		fflush(stdout);
		_exit(92);
	}
	close(p[1]);
	char buf[256] = {0};
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	int st = reap(pid);
	OUT(key, "%s%s", n > 0 ? buf : "no output ", wstatus(st));
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		struct caps c = getcaps();
		printf("eff=%#llx prm=%#llx amb_time=%d secure=%lu ", (unsigned long long)c.eff, (unsigned long long)c.prm,
		       (int)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SYS_TIME, 0, 0), getauxval(AT_SECURE));
		fflush(stdout);
		return 0;
	}
	SYS(mkdir("m", 0755));
	SYS(mount("tmpfs", "m", "tmpfs", 0, "mode=0755"));
	uint64_t want = 1ULL << CAP_NET_RAW | 1ULL << CAP_KILL;
	unsigned char v[24];
	int n;

	copy_self("m/plain");
	run("no_file_caps", "m/plain", 0);

	copy_self("m/eff");
	n = vcap(v, 2, 1, want, 0, 0);
	SYS(setxattr("m/eff", CAPS, v, n, 0));
	run("effective", "m/eff", 0);
	run("effective_bounding_cut", "m/eff", DROP_RAW);
	run("effective_no_new_privs", "m/eff", NNP);
	run("effective_clears_ambient", "m/eff", AMBIENT);
	run("ambient_without_file_caps", "m/plain", AMBIENT);

	copy_self("m/noeff");
	n = vcap(v, 2, 0, want, 0, 0);
	SYS(setxattr("m/noeff", CAPS, v, n, 0));
	run("permitted_only", "m/noeff", 0);
	run("permitted_only_bounding_cut", "m/noeff", DROP_RAW);

	copy_self("m/v3");
	n = vcap(v, 3, 1, want, 0, 0);
	SYS(setxattr("m/v3", CAPS, v, n, 0));
	unsigned char back[64];
	EQ("v3_root0_reads_back_as_v2", getxattr("m/v3", CAPS, back, sizeof back), 20);
	run("v3_root0", "m/v3", 0);
	copy_self("m/v3other");
	n = vcap(v, 3, 1, want, 0, 1000);
	SYS(setxattr("m/v3other", CAPS, v, n, 0));
	EQ("v3_other_root_reads_back", getxattr("m/v3other", CAPS, back, sizeof back), 24);
	run("v3_other_root_grants_nothing", "m/v3other", 0);

	/* Bad values. */
	n = vcap(v, 2, 1, want, 0, 0);
	ERR("v2_wrong_size", setxattr("m/plain", CAPS, v, 12, 0), EINVAL);
	v[3] = 0x05;
	ERR("unknown_revision", setxattr("m/plain", CAPS, v, 20, 0), EINVAL);

	/* The cwd is a nosuid mount: file capabilities do not count there. */
	copy_self("nosuid_copy");
	n = vcap(v, 2, 1, want, 0, 0);
	SYS(setxattr("nosuid_copy", CAPS, v, n, 0));
	run("nosuid_mount", "nosuid_copy", 0);
	unlink("nosuid_copy");

	/* The capability attribute needs CAP_SETFCAP, to set and to remove,
	 * even on a file the user may write. */
	SYS(write_file("m/f", "x"));
	SYS(chmod("m/f", 0666));
	SYS(setxattr("m/f", CAPS, v, n, 0));
	int q[2];
	SYS(pipe(q));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		close(q[0]);
		if (setresuid(1000, 1000, 1000) < 0)
			_exit(90);
		char msg[96];
		const char *set = setxattr("m/f", CAPS, v, n, 0) < 0 ? errname(errno) : "OK";
		const char *rm = removexattr("m/f", CAPS) < 0 ? errname(errno) : "OK";
		snprintf(msg, sizeof msg, "set=%s remove=%s", set, rm);
		if (write(q[1], msg, strlen(msg)) < 0)
			_exit(91);
		_exit(0);
	}
	close(q[1]);
	char out[128] = {0};
	ssize_t got = read(q[0], out, sizeof out - 1);
	close(q[0]);
	OUT("caps_attr_as_user", "%s %s", got > 0 ? out : "none", wstatus(reap(pid)));

	/* A write, truncation or chown drops the attribute. */
	int fd = SYS(open("m/eff", O_WRONLY | O_APPEND));
	EQ("before_write", getxattr("m/eff", CAPS, back, sizeof back), 20);
	SYS(write(fd, "", 0));
	EQ("empty_write_keeps", getxattr("m/eff", CAPS, back, sizeof back), 20);
	SYS(write(fd, "z", 1));
	ERR("write_drops", getxattr("m/eff", CAPS, back, sizeof back), ENODATA);
	close(fd);
	SYS(setxattr("m/noeff", CAPS, v, n, 0));
	SYS(truncate("m/noeff", 100));
	ERR("truncate_drops", getxattr("m/noeff", CAPS, back, sizeof back), ENODATA);
	SYS(setxattr("m/plain", CAPS, v, n, 0));
	SYS(chown("m/plain", 0, 0));
	ERR("chown_drops", getxattr("m/plain", CAPS, back, sizeof back), ENODATA);

	/* Set-user-ID goes on a write without CAP_FSETID, not on root's. */
	SYS(write_file("m/s", "x"));
	SYS(chown("m/s", 1000, 1000));
	SYS(chmod("m/s", 04777));
	fd = SYS(open("m/s", O_WRONLY));
	SYS(write(fd, "y", 1));
	struct stat st;
	SYS(stat("m/s", &st));
	OUT("root_write_mode", "%o", st.st_mode & 07777);
	close(fd);
	pid = SYS(fork());
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000) < 0)
			_exit(90);
		int f = open("m/s", O_WRONLY);
		if (f < 0 || write(f, "y", 1) != 1)
			_exit(91);
		_exit(0);
	}
	OUT("user_write", "%s", wstatus(reap(pid)));
	SYS(stat("m/s", &st));
	OUT("user_write_mode", "%o", st.st_mode & 07777);
	SYS(umount("m"));
	pass();
}
