/* FIONREAD (SIOCINQ) and SIOCOUTQ on TCP and UDP sockets: bytes waiting on
 * a stream, the size of the next datagram, EINVAL on a listener. */
#include "net.h"
#include <linux/sockios.h>

int main(void)
{
	lo_set(1);
	int l = tcp_listener(AF_INET, "127.0.0.1");
	int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l));
	int s = SYS(accept(l, NULL, NULL));
	int n = -1;
	ERR("listener_inq", ioctl(l, FIONREAD, &n), EINVAL);
	SYS(ioctl(s, FIONREAD, &n));
	EQ("empty_inq", n, 0);
	writeall(c, "0123456789", 10);
	struct pollfd p = {.fd = s, .events = POLLIN};
	EQ("poll", poll(&p, 1, 5000), 1);
	usleep(100000);
	SYS(ioctl(s, FIONREAD, &n));
	EQ("stream_inq", n, 10);
	char buf[4];
	EQ("read4", read(s, buf, 4), 4);
	SYS(ioctl(s, SIOCINQ, &n));
	EQ("stream_inq_after_read", n, 6);

	int u = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	SYS(bind(u, (void *)&a, sizeof a));
	a = sin4("127.0.0.1", port_of(u));
	int v = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	SYS(sendto(v, "abc", 3, 0, (void *)&a, sizeof a));
	SYS(sendto(v, "defghij", 7, 0, (void *)&a, sizeof a));
	p = (struct pollfd){.fd = u, .events = POLLIN};
	EQ("poll_udp", poll(&p, 1, 5000), 1);
	usleep(100000);
	SYS(ioctl(u, FIONREAD, &n));
	EQ("dgram_inq_is_first", n, 3);
	SYS(ioctl(v, SIOCOUTQ, &n));
	EQ("udp_outq", n, 0);
	pass();
}
