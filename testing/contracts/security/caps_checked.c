/* Root's file powers are capabilities: without CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH a mode-000 file is closed to root, without CAP_CHOWN
 * chown fails, without CAP_FOWNER chmod of another's file fails, without
 * CAP_SYS_CHROOT chroot fails, without CAP_SETUID setuid fails, without
 * CAP_KILL another user's process cannot be signalled. */
#include "sec.h"
#include <sys/mount.h>

static void drop(int cap)
{
	struct caps c = getcaps();
	uint64_t m = ~(1ULL << cap);
	if (setcaps(c.eff & m, c.prm & m, c.inh & m) != 0)
		fail("drop %d: %s", cap, errname(errno));
}

int main(void)
{
	int fd = SYS(open("secret", O_CREAT | O_WRONLY, 0));
	close(fd);
	SYS(mkdir("dir", 0));
	SYS(chown("secret", 1000, 1000));
	int ready[2];
	SYS(pipe(ready));
	pid_t victim = SYS(fork());
	if (victim == 0) {
		if (setuid(2000) != 0)
			_exit(1);
		write(ready[1], "r", 1); /* only now is it another user's process */
		pause();
		_exit(0);
	}
	char rb;
	SYS(read(ready[0], &rb, 1));
	pid_t p = SYS(fork());
	if (p == 0) {
		int r = open("secret", O_RDONLY);
		EQ("root_opens_000", r >= 0, 1);
		close(r);
		drop(CAP_DAC_OVERRIDE);
		r = open("secret", O_RDONLY);
		EQ("read_with_dac_read_search", r >= 0, 1);
		close(r);
		ERR("write_without_dac_override", open("secret", O_WRONLY), EACCES);
		EQ("search_dir_with_read_search", access("dir", X_OK), 0);
		drop(CAP_DAC_READ_SEARCH);
		ERR("read_without_both", open("secret", O_RDONLY), EACCES);
		ERR("search_without_both", access("dir", R_OK), EACCES);
		EQ("chmod_with_fowner", chmod("secret", 0600), 0);
		drop(CAP_FOWNER);
		ERR("chmod_without_fowner", chmod("secret", 0644), EPERM);
		EQ("chown_with_chown", chown("secret", 1001, 1001), 0);
		drop(CAP_CHOWN);
		ERR("chown_without_chown", chown("secret", 1002, 1002), EPERM);
		drop(CAP_SYS_CHROOT);
		ERR("chroot_without_sys_chroot", chroot("."), EPERM);
		EQ("kill_with_cap_kill", kill(victim, 0), 0);
		drop(CAP_KILL);
		ERR("kill_without_cap_kill", kill(victim, 0), EPERM);
		drop(CAP_SYS_ADMIN);
		ERR("mount_without_sys_admin", mount("none", "dir", "tmpfs", 0, NULL), EPERM);
		ERR("sethostname_without_sys_admin", sethostname("x", 1), EPERM);
		drop(CAP_SETUID);
		ERR("setuid_without_setuid", setuid(1000), EPERM);
		drop(CAP_SETGID);
		ERR("setgid_without_setgid", setgid(1000), EPERM);
		EQ("uid_still_root", getuid(), 0);
		pass();
	}
	int st = reap(p);
	kill(victim, SIGKILL);
	reap(victim);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("child: %s", wstatus(st));
	return 0;
}
