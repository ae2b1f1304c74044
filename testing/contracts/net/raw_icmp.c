/* A raw IPv4 ICMP socket (root has CAP_NET_RAW): an echo request sent to
 * 127.0.0.1 comes back as the reply, read with its IPv4 header; without
 * CAP_NET_RAW, socket(SOCK_RAW) is EPERM. */
#include "net.h"
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/wait.h>

static unsigned short csum(void *p, int n)
{
	unsigned long s = 0;
	unsigned short *w = p;
	for (; n > 1; n -= 2)
		s += *w++;
	if (n)
		s += *(unsigned char *)w;
	s = (s >> 16) + (s & 0xffff);
	s += s >> 16;
	return ~s;
}

int main(void)
{
	lo_set(1);
	int s = SYS(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	struct icmphdr req = {.type = ICMP_ECHO};
	req.un.echo.id = htons(0x4242);
	req.un.echo.sequence = htons(3);
	req.checksum = csum(&req, sizeof req);
	struct sockaddr_in to = sin4("127.0.0.1", 0);
	EQ("sent", sendto(s, &req, sizeof req, 0, (void *)&to, sizeof to), sizeof req);
	int replies = 0, requests = 0;
	for (int i = 0; i < 2; i++) {
		char buf[256];
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (poll(&p, 1, 3000) != 1)
			break;
		ssize_t n = SYS(recv(s, buf, sizeof buf, 0));
		struct iphdr *ip = (void *)buf;
		CHECK(n >= (ssize_t)(sizeof *ip + sizeof req));
		struct icmphdr *ic = (void *)(buf + ip->ihl * 4);
		if (ic->type == ICMP_ECHOREPLY && ntohs(ic->un.echo.sequence) == 3)
			replies++;
		if (ic->type == ICMP_ECHO)
			requests++;
		OUT("packet", "len=%zd ihl=%d proto=%d type=%d", n, ip->ihl, ip->protocol, ic->type);
	}
	EQ("replies", replies, 1);
	if (fork() == 0) {
		CHECK(setuid(65534) == 0);
		ERR("unprivileged", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
		_exit(0);
	}
	int st;
	wait(&st);
	EQ("child", st, 0);
	pass();
}
