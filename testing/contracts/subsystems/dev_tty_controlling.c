/* /dev/tty is the caller's controlling terminal: ENXIO in a session that
 * has none; once a session leader opens a pty slave (without O_NOCTTY) it
 * is that pty — bytes written to /dev/tty come out of the master. */
#define _GNU_SOURCE
#include "contract.h"
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
	pid_t pid = SYS(fork());
	if (pid == 0) {
		if (setsid() < 0)
			_exit(10);
		errno = 0;
		int r = open("/dev/tty", O_RDWR);
		if (r >= 0 || errno != ENXIO)
			_exit(11);
		int m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
			_exit(12);
		int s = open(ptsname(m), O_RDWR); /* becomes the controlling tty */
		if (s < 0)
			_exit(13);
		struct termios tio;
		tcgetattr(s, &tio);
		tio.c_oflag &= ~OPOST;
		tcsetattr(s, TCSANOW, &tio);
		int t = open("/dev/tty", O_RDWR);
		if (t < 0)
			_exit(14);
		if (write(t, "via-dev-tty", 11) != 11)
			_exit(15);
		char buf[32] = {0};
		ssize_t n = read(m, buf, sizeof buf - 1);
		if (n != 11 || strcmp(buf, "via-dev-tty") != 0)
			_exit(16);
		pid_t sid = -1;
		if (ioctl(t, TIOCGSID, &sid) < 0 || sid != getpid())
			_exit(17);
		_exit(0);
	}
	OUT("session_child", "%s", wstatus(reap(pid)));
	pass();
}
