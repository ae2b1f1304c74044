/* /dev/ptmx opens a pty master; unlockpt/ptsname give a /dev/pts slave;
 * data written to the master reads back from the slave (canonical mode). */
#include "contract.h"
#include <termios.h>
#include <sys/ioctl.h>

int main(void)
{
	int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
	SYS(grantpt(m));
	SYS(unlockpt(m));
	char *name = ptsname(m);
	CHECK(name != NULL);
	EQ("in_dev_pts", strncmp(name, "/dev/pts/", 9), 0);
	int s = SYS(open(name, O_RDWR | O_NOCTTY));
	EQ("isatty", isatty(s), 1);
	struct termios t;
	SYS(tcgetattr(s, &t));
	EQ("icanon", !!(t.c_lflag & ICANON), 1);
	t.c_lflag &= ~ECHO;
	SYS(tcsetattr(s, TCSANOW, &t));
	writeall(m, "line\n", 5);
	char buf[16] = {0};
	EQ("slave_read", read(s, buf, sizeof buf), 5);
	STREQ("data", buf, "line\n");
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	SYS(ioctl(m, TIOCSWINSZ, &ws));
	struct winsize g;
	SYS(ioctl(s, TIOCGWINSZ, &g));
	OUT("winsize", "%dx%d", g.ws_col, g.ws_row);
	EQ("notty", isatty(SYS(open("/dev/null", O_RDONLY))), 0);
	pass();
}
