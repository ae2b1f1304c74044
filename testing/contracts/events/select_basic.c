/* select: read/write sets, timeout updated, EBADF for a closed fd. */
#include "contract.h"
#include <sys/select.h>

int main(void)
{
	int p[2];
	SYS(pipe(p));
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {0, 0};
	int nfds = p[1] + 1;
	EQ("ready", select(nfds, &r, &w, NULL, &tv), 1);
	EQ("r_set", FD_ISSET(p[0], &r), 0);
	EQ("w_set", FD_ISSET(p[1], &w), 1);
	writeall(p[1], "x", 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	EQ("readable", select(nfds, &r, NULL, NULL, &tv), 1);
	EQ("r_set2", FD_ISSET(p[0], &r), 1);
	char c;
	SYS(read(p[0], &c, 1));
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 30000;
	EQ("timeout", syscall(SYS_select, nfds, &r, NULL, NULL, &tv), 0); /* raw: musl does not write back */
	EQ("tv_left", tv.tv_sec * 1000000 + tv.tv_usec, 0);
	FD_ZERO(&r);
	FD_SET(60, &r);
	ERR("badf", select(61, &r, NULL, NULL, &tv), EBADF);
	ERR("neg_nfds", select(-1, NULL, NULL, NULL, &tv), EINVAL);
	pass();
}
