/* bind/listen/connect/accept on a filesystem AF_UNIX path; the socket file
 * exists with S_IFSOCK; address reuse is EADDRINUSE; a missing path is
 * ENOENT and a path without a listener ECONNREFUSED. */
#include "contract.h"
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, "sock");
	int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	SYS(bind(l, (void *)&a, sizeof a));
	struct stat st;
	SYS(stat("sock", &st));
	EQ("is_sock", S_ISSOCK(st.st_mode), 1);
	int l2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	ERR("inuse", bind(l2, (void *)&a, sizeof a), EADDRINUSE);
	ERR("refused", connect(l2, (void *)&a, sizeof a), ECONNREFUSED);
	SYS(listen(l, 4));
	int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	SYS(connect(c, (void *)&a, sizeof a));
	int s = SYS(accept4(l, NULL, NULL, SOCK_CLOEXEC));
	EQ("accepted_cloexec", fcntl(s, F_GETFD), FD_CLOEXEC);
	writeall(c, "hi", 2);
	char buf[4] = {0};
	EQ("read", read(s, buf, sizeof buf), 2);
	STREQ("data", buf, "hi");
	ERR("connect_connected", connect(c, (void *)&a, sizeof a), EISCONN);
	int c2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	strcpy(a.sun_path, "missing");
	ERR("enoent", connect(c2, (void *)&a, sizeof a), ENOENT);
	ERR("accept_unlistened", accept(c2, NULL, NULL), EINVAL);
	pass();
}
