/* getsockname/getpeername on bound, connected and unnamed AF_UNIX sockets. */
#include "contract.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX}, g;
	strcpy(a.sun_path, "srv");
	int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	SYS(bind(l, (void *)&a, sizeof a));
	SYS(listen(l, 1));
	int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	socklen_t gl = sizeof g;
	SYS(getsockname(c, (void *)&g, &gl));
	EQ("unnamed_len", gl, sizeof(sa_family_t));
	ERR("peer_unconnected", getpeername(c, (void *)&g, &gl), ENOTCONN);
	SYS(connect(c, (void *)&a, sizeof a));
	gl = sizeof g;
	SYS(getpeername(c, (void *)&g, &gl));
	STREQ("peer", g.sun_path, "srv");
	EQ("peer_len", gl, offsetof(struct sockaddr_un, sun_path) + 4);
	int s = SYS(accept(l, (void *)&g, &(socklen_t){sizeof g}));
	gl = sizeof g;
	SYS(getsockname(s, (void *)&g, &gl));
	STREQ("accepted_name", g.sun_path, "srv");
	gl = 2;
	SYS(getpeername(c, (void *)&g, &gl));
	EQ("truncated_len_reports_full", gl, offsetof(struct sockaddr_un, sun_path) + 4);
	pass();
}
