/* socket() argument errors and socket options: unknown family/type, SO_TYPE,
 * SO_DOMAIN, SO_ACCEPTCONN, SO_SNDBUF round-trip (doubled by the kernel). */
#include "contract.h"
#include <sys/socket.h>

int main(void)
{
	ERR("badfamily", socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	ERR("badtype", socket(AF_UNIX, 99, 0), EINVAL);
	ERR("badproto", socket(AF_UNIX, SOCK_STREAM, 5), EPROTONOSUPPORT);
	int s = SYS(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0));
	EQ("nonblock", !!(fcntl(s, F_GETFL) & O_NONBLOCK), 1);
	int v;
	socklen_t l = sizeof v;
	SYS(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l));
	EQ("domain", v, AF_UNIX);
	SYS(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l));
	EQ("acceptconn", v, 0);
	v = 65536;
	SYS(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
	SYS(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l));
	EQ("sndbuf_doubled", v, 131072);
	ERR("badlevel", getsockopt(s, 12345, 1, &v, &l), EOPNOTSUPP);
	ERR("badopt", getsockopt(s, SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT);
	pass();
}
