/* Regular files always poll ready for reading and writing. */
#include "contract.h"
#include <poll.h>

int main(void)
{
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
	struct pollfd f = {fd, POLLIN | POLLOUT, 0};
	EQ("ready", poll(&f, 1, 0), 1);
	EQ("revents", f.revents, POLLIN | POLLOUT);
	int n = SYS(open("/dev/null", O_RDWR));
	struct pollfd g = {n, POLLIN | POLLOUT, 0};
	EQ("devnull", poll(&g, 1, 0), 1);
	EQ("devnull_revents", g.revents, POLLIN | POLLOUT);
	pass();
}
