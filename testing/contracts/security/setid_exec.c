/* Set-user-ID and set-group-ID executables: execve makes the file's owner
 * the effective and saved uid (its group the egid when S_ISGID comes with
 * group execute), sets AT_SECURE and makes the process non-dumpable; a
 * nosuid mount and no_new_privs ignore the bits; S_ISGID without group
 * execute changes nothing. PR_SET_DUMPABLE takes 0 or 1 and a change of
 * effective uid clears it. */
#include "contract.h"
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

static void copy_self(const char *to, uid_t uid, gid_t gid, mode_t mode)
{
	int in = SYS(open("/proc/self/exe", O_RDONLY));
	int out = SYS(open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700));
	struct stat st;
	SYS(fstat(in, &st));
	SYS(sendfile(out, in, NULL, st.st_size));
	close(in);
	SYS(fchown(out, uid, gid));
	SYS(fchmod(out, mode)); /* after chown, which clears set-id bits */
	close(out);
}

/* run execs prog as uid 1000/gid 1000 (optionally with no_new_privs) and
 * prints the ids, AT_SECURE and dumpability the program saw. */
static void run(const char *key, const char *prog, int nnp)
{
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		dup2(p[1], 1);
		if (setgroups(0, NULL) < 0 || setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
			_exit(90);
		if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(91);
		char *av[] = {(char *)prog, "report", NULL};
		execv(prog, av);
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
		uid_t r, e, s;
		gid_t rg, eg, sg;
		getresuid(&r, &e, &s);
		getresgid(&rg, &eg, &sg);
		printf("uid=%d/%d/%d gid=%d/%d/%d secure=%lu dumpable=%d ", r, e, s, rg, eg, sg, getauxval(AT_SECURE),
		       prctl(PR_GET_DUMPABLE));
		fflush(stdout);
		return 0;
	}
	SYS(mkdir("m", 0755));
	SYS(mount("tmpfs", "m", "tmpfs", 0, "mode=0755"));
	copy_self("m/suid", 2000, 3000, 04755);
	copy_self("m/sgid", 0, 3000, 02755);
	copy_self("m/sgid_noexec", 0, 3000, 02745);
	copy_self("m/plain", 0, 0, 0755);
	copy_self("nosuid_copy", 2000, 3000, 04755); /* the cwd is a nosuid mount */

	run("plain", "m/plain", 0);
	run("setuid", "m/suid", 0);
	run("setgid", "m/sgid", 0);
	run("setgid_without_group_exec", "m/sgid_noexec", 0);
	run("setuid_on_nosuid_mount", "nosuid_copy", 0);
	run("setuid_with_no_new_privs", "m/suid", 1);

	EQ("dumpable_start", prctl(PR_GET_DUMPABLE), 1);
	ERR("set_dumpable_2", prctl(PR_SET_DUMPABLE, 2), EINVAL);
	SYS(prctl(PR_SET_DUMPABLE, 0));
	EQ("dumpable_cleared", prctl(PR_GET_DUMPABLE), 0);
	SYS(prctl(PR_SET_DUMPABLE, 1));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(seteuid(1000));
		_exit(prctl(PR_GET_DUMPABLE));
	}
	OUT("dumpable_after_seteuid", "%s", wstatus(reap(pid)));
	SYS(umount("m"));
	pass();
}
