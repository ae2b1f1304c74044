/* A pty master whose slave has been opened and closed again reads what the
 * slave wrote, then EIO; poll reports POLLHUP; reopening the slave clears
 * the hangup. Before the slave is first opened a nonblocking master read
 * and a master write are as Linux has them (printed). */
#include "contract.h"
#include <poll.h>
#include <termios.h>

static short revents(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
	SYS(grantpt(m));
	SYS(unlockpt(m));
	char name[64];
	snprintf(name, sizeof name, "%s", ptsname(m));
	char buf[64];
	SYS(fcntl(m, F_SETFL, O_NONBLOCK));
	errno = 0;
	long r = read(m, buf, sizeof buf);
	OUT("fresh_read", "%ld %s", r, r < 0 ? errname(errno) : "");
	OUT("fresh_poll", "%#x", revents(m));
	SYS(fcntl(m, F_SETFL, 0));

	int s = SYS(open(name, O_RDWR | O_NOCTTY));
	struct termios t;
	SYS(tcgetattr(s, &t));
	cfmakeraw(&t);
	SYS(tcsetattr(s, TCSANOW, &t));
	writeall(s, "bye", 3);
	SYS(close(s));
	OUT("closed_poll", "%#x", revents(m));
	EQ("drain", read(m, buf, sizeof buf), 3);
	ERR("after_drain", read(m, buf, sizeof buf), EIO);
	ERR("again", read(m, buf, sizeof buf), EIO);
	errno = 0;
	r = write(m, "x", 1);
	OUT("write_closed", "%ld %s", r, r < 0 ? errname(errno) : "");

	s = SYS(open(name, O_RDWR | O_NOCTTY));
	OUT("reopened_poll", "%#x", revents(m));
	SYS(fcntl(m, F_SETFL, O_NONBLOCK));
	errno = 0;
	r = read(m, buf, sizeof buf);
	OUT("reopened_read", "%ld %s", r, r < 0 ? errname(errno) : "");
	int s2 = SYS(dup(s));
	SYS(close(s));
	OUT("dup_still_open_poll", "%#x", revents(m));
	SYS(close(s2));
	OUT("all_closed_poll", "%#x", revents(m));
	ERR("all_closed_read", read(m, buf, sizeof buf), EIO);
	pass();
}
