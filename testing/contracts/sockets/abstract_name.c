/* Abstract AF_UNIX names (leading NUL) live outside the filesystem,
 * conflict with EADDRINUSE, and getsockname returns them byte-exact. */
#include "contract.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	const char name[] = "\0aramid-contract";
	memcpy(a.sun_path, name, sizeof name - 1);
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + sizeof name - 1;
	int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	SYS(bind(l, (void *)&a, len));
	SYS(listen(l, 1));
	int l2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	ERR("inuse", bind(l2, (void *)&a, len), EADDRINUSE);
	struct sockaddr_un got;
	socklen_t gl = sizeof got;
	SYS(getsockname(l, (void *)&got, &gl));
	EQ("name_len", gl, len);
	EQ("name_match", memcmp(got.sun_path, name, sizeof name - 1), 0);
	int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	SYS(connect(c, (void *)&a, len));
	int s = SYS(accept(l, NULL, NULL));
	writeall(c, "abs", 3);
	char buf[4] = {0};
	EQ("read", read(s, buf, 3), 3);
	STREQ("data", buf, "abs");
	ERR("not_in_fs", access("aramid-contract", F_OK), ENOENT);
	close(l);
	int l3 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	EQ("rebind_after_close", bind(l3, (void *)&a, len), 0);
	pass();
}
