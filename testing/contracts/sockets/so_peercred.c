/* SO_PEERCRED reports the peer's credentials at connect time, for both
 * socketpair and a connected listener. */
#include "contract.h"
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	int s[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	struct ucred u;
	socklen_t len = sizeof u;
	SYS(getsockopt(s[0], SOL_SOCKET, SO_PEERCRED, &u, &len));
	EQ("len", len, sizeof u);
	EQ("pair_pid_self", u.pid == getpid(), 1);
	EQ("pair_uid", u.uid, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, "sock");
	int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	SYS(bind(l, (void *)&a, sizeof a));
	SYS(chmod("sock", 0777)); /* connecting needs write permission on the socket */
	SYS(listen(l, 1));
	int p[2];
	SYS(pipe(p));
	pid_t pid = SYS(fork());
	if (pid == 0) {
		SYS(setgid(55));
		SYS(setuid(66));
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(c, (void *)&a, sizeof a);
		char x;
		close(p[1]);
		read(p[0], &x, 1);
		_exit(0);
	}
	int c = SYS(accept(l, NULL, NULL));
	SYS(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &u, &len));
	EQ("peer_pid_child", u.pid == pid, 1);
	EQ("peer_uid", u.uid, 66);
	EQ("peer_gid", u.gid, 55);
	close(p[1]);
	reap(pid);
	pass();
}
