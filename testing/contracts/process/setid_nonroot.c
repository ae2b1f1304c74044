/* The set*id rules for an unprivileged process: which of the real,
 * effective and saved IDs may be set to what, setreuid's saved-ID update,
 * setfsuid/setfsgid returning the old value and only accepting one of the
 * current IDs, and getresuid/getresgid EFAULT. */
#include "contract.h"
#include <sys/fsuid.h>

static void show(const char *what, long r)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	int fsu = setfsuid(-1), fsg = setfsgid(-1);
	printf("%s: %s uid %u/%u/%u fs %d gid %u/%u/%u fs %d\n", what, r == 0 ? "OK" : errname(errno),
	       ru, eu, su, fsu, rg, eg, sg, fsg);
}

/* start gives the caller real/effective/saved uids 1000/1001/1002 and gids
 * 2000/2001/2002 in a fresh child; the parent returns the child's pid. */
static pid_t start(void)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if (setresgid(2000, 2001, 2002) || setresuid(1000, 1001, 1002))
		_exit(30);
	return 0;
}

#define CASE(name, call) do { pid_t _p = start(); if (_p == 0) { errno = 0; long _r = (call); show(name, _r); _exit(0); } reap(_p); } while (0)

int main(void)
{
	CASE("initial", 0);
	CASE("setuid_ruid", setuid(1000));
	CASE("setuid_suid", setuid(1002));
	CASE("setuid_euid", setuid(1001));
	CASE("setuid_other", setuid(5));
	CASE("setreuid_r_euid", setreuid(1001, -1));
	CASE("setreuid_r_suid", setreuid(1002, -1));
	CASE("setreuid_e_suid", setreuid(-1, 1002));
	CASE("setreuid_e_ruid", setreuid(-1, 1000));
	CASE("setreuid_swap", setreuid(1001, 1000));
	CASE("setreuid_none", setreuid(-1, -1));
	CASE("setreuid_e_other", setreuid(-1, 7));
	CASE("setreuid_same_e", setreuid(-1, 1001));
	CASE("setresuid_perm", setresuid(1002, 1000, 1001));
	CASE("setresuid_other", setresuid(-1, -1, 9));
	CASE("setresuid_keep", setresuid(-1, -1, -1));
	CASE("setgid_rgid", setgid(2000));
	CASE("setgid_sgid", setgid(2002));
	CASE("setgid_other", setgid(3));
	CASE("setregid_swap", setregid(2001, 2000));
	CASE("setregid_r_sgid", setregid(2002, -1));
	CASE("setregid_e_sgid", setregid(-1, 2002));
	CASE("setresgid_perm", setresgid(2001, 2002, 2000));
	CASE("setresgid_other", setresgid(9, -1, -1));
	CASE("setfsuid_suid", (setfsuid(1002), 0));
	CASE("setfsuid_other", (setfsuid(77), 0));
	CASE("setfsgid_rgid", (setfsgid(2000), 0));
	CASE("setfsgid_other", (setfsgid(77), 0));
	CASE("setfsuid_ret", (long)setfsuid(1000) - 1001);
	CASE("seteuid_then_fs", (seteuid(1000), 0));
	ERR("getresuid_fault", syscall(SYS_getresuid, (void *)8, (void *)8, (void *)8), EFAULT);
	ERR("getresgid_fault", syscall(SYS_getresgid, NULL, NULL, NULL), EFAULT);
	uid_t u;
	ERR("getresuid_third_fault", syscall(SYS_getresuid, &u, &u, (void *)8), EFAULT);
	/* root: setuid sets all three; setreuid(-1, x) keeps the real id */
	pid_t pid = fork();
	if (pid == 0) {
		show("root_setreuid_e", setreuid(-1, 1234));
		_exit(0);
	}
	reap(pid);
	pid = fork();
	if (pid == 0) {
		show("root_setuid", setuid(1234));
		show("after_root_setuid_back", setuid(0));
		_exit(0);
	}
	reap(pid);
	pid = fork();
	if (pid == 0) {
		show("root_seteuid", seteuid(1234));
		show("regain_root", seteuid(0));
		_exit(0);
	}
	reap(pid);
	pass();
}
