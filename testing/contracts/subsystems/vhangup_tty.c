/* vhangup needs CAP_SYS_TTY_CONFIG (EPERM otherwise); without a
 * controlling terminal it does nothing; with one (a pty slave here) it
 * sends the session leader SIGHUP and SIGCONT, and the descriptors open on
 * the terminal go dead: reads see end of file, writes and ioctls fail with
 * EIO. A new open of the terminal works. */
#include "contract.h"
#include <sys/ioctl.h>
#include <termios.h>

static volatile int hups, conts;
static void on_hup(int s) { (void)s; hups++; }
static void on_cont(int s) { (void)s; conts++; }

int main(void)
{
	int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
	SYS(grantpt(m));
	SYS(unlockpt(m));
	char name[64];
	CHECK(ptsname_r(m, name, sizeof name) == 0);

	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		ERR("user", syscall(SYS_vhangup), EPERM);
		_exit(0);
	}
	STREQ("user_child", wstatus(reap(pid)), "exit 0");

	pid = SYS(fork());
	if (pid == 0) {
		SYS(setsid());
		signal(SIGHUP, on_hup);
		signal(SIGCONT, on_cont);
		EQ("no_ctty", syscall(SYS_vhangup), 0);
		EQ("no_ctty_signals", hups + conts, 0);
		int s = SYS(open(name, O_RDWR));
		EQ("ctty_acquired", tcgetpgrp(s) == getpid(), 1);
		EQ("vhangup", syscall(SYS_vhangup), 0);
		EQ("sighup", hups, 1);
		EQ("sigcont", conts, 1);
		char c;
		EQ("read_eof", read(s, &c, 1), 0);
		ERR("write", write(s, "x", 1), EIO);
		ERR("ioctl", tcgetpgrp(s), EIO);
		struct termios tio;
		ERR("tcgetattr", tcgetattr(s, &tio), EIO);
		int s2 = SYS(open(name, O_RDWR | O_NOCTTY));
		EQ("new_open_writes", write(s2, "y", 1), 1);
		EQ("new_open_termios", tcgetattr(s2, &tio), 0);
		EQ("again_no_ctty", syscall(SYS_vhangup), 0);
		EQ("no_more_signals", hups, 1);
		_exit(0);
	}
	STREQ("leader_child", wstatus(reap(pid)), "exit 0");
	char buf[16];
	SYS(fcntl(m, F_SETFL, O_NONBLOCK));
	ssize_t n = read(m, buf, sizeof buf);
	OUT("master_got", "%.*s", (int)(n > 0 ? n : 0), buf);
	pass();
}
