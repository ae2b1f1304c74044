/* net.h: helpers for the networking contracts (loopback only). */
#ifndef NET_H
#define NET_H
#include "contract.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* lo_set brings lo up or down with SIOCSIFFLAGS. */
static inline void lo_set(int up)
{
	int s = SYS(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	struct ifreq r = {0};
	strcpy(r.ifr_name, "lo");
	SYS(ioctl(s, SIOCGIFFLAGS, &r));
	if (up)
		r.ifr_flags |= IFF_UP;
	else
		r.ifr_flags &= ~IFF_UP;
	SYS(ioctl(s, SIOCSIFFLAGS, &r));
	close(s);
}

static inline struct sockaddr_in sin4(const char *ip, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static inline struct sockaddr_in6 sin6(const char *ip, int port)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return a;
}

/* port_of returns the port a socket is bound to. */
static inline int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;
	SYS(getsockname(fd, (void *)&ss, &l));
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* tcp_listener returns a socket listening on ip (v4 or v6) at a free port. */
static inline int tcp_listener(int family, const char *ip)
{
	int l = SYS(socket(family, SOCK_STREAM, 0));
	if (family == AF_INET) {
		struct sockaddr_in a = sin4(ip, 0);
		SYS(bind(l, (void *)&a, sizeof a));
	} else {
		struct sockaddr_in6 a = sin6(ip, 0);
		SYS(bind(l, (void *)&a, sizeof a));
	}
	SYS(listen(l, 8));
	return l;
}

/* connect_to connects a new socket of type to ip:port. */
static inline int connect_to(int family, int type, const char *ip, int port)
{
	int c = SYS(socket(family, type, 0));
	if (family == AF_INET) {
		struct sockaddr_in a = sin4(ip, port);
		SYS(connect(c, (void *)&a, sizeof a));
	} else {
		struct sockaddr_in6 a = sin6(ip, port);
		SYS(connect(c, (void *)&a, sizeof a));
	}
	return c;
}

/* readall reads exactly n bytes (fails on EOF). */
static inline void readall(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fail("readall: %zd %s", r, errname(errno));
		p += r;
		n -= r;
	}
}
#endif
