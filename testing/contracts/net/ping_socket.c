/* ICMP datagram ("ping") sockets: EACCES while net.ipv4.ping_group_range
 * is "1 0" (even for root), allowed for a range holding the caller's
 * group; an echo request to 127.0.0.1 gets its reply. */
#include "net.h"
#include <netinet/ip_icmp.h>

int main(void)
{
	lo_set(1);
	char orig[64];
	long n = read_file("/proc/sys/net/ipv4/ping_group_range", orig, sizeof orig - 1);
	CHECK(n > 0);
	orig[n] = 0;
	CHECK(write_file("/proc/sys/net/ipv4/ping_group_range", "1 0") == 0);
	char now[64];
	n = read_file("/proc/sys/net/ipv4/ping_group_range", now, sizeof now - 1);
	now[n] = 0;
	OUT("range", "%s", strtok(now, "\n"));
	ERR("denied", socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EACCES);
	ERR("denied6", socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6), EACCES);
	CHECK(write_file("/proc/sys/net/ipv4/ping_group_range", "0 0") == 0);
	int s = SYS(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
	int proto = 0;
	socklen_t pl = sizeof proto;
	SYS(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &proto, &pl));
	EQ("so_protocol", proto, IPPROTO_ICMP);
	struct icmphdr req = {.type = ICMP_ECHO};
	req.un.echo.sequence = htons(7);
	struct sockaddr_in to = sin4("127.0.0.1", 0);
	char msg[sizeof req + 4];
	memcpy(msg, &req, sizeof req);
	memcpy(msg + sizeof req, "ping", 4);
	EQ("sent", sendto(s, msg, sizeof msg, 0, (void *)&to, sizeof to), sizeof msg);
	char buf[256];
	struct pollfd p = {.fd = s, .events = POLLIN};
	EQ("poll", poll(&p, 1, 5000), 1);
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	EQ("reply_len", recvfrom(s, buf, sizeof buf, 0, (void *)&from, &fl), sizeof msg);
	struct icmphdr *rep = (void *)buf;
	EQ("reply_type", rep->type, ICMP_ECHOREPLY);
	EQ("reply_seq", ntohs(rep->un.echo.sequence), 7);
	EQ("reply_payload", memcmp(buf + sizeof req, "ping", 4), 0);
	STREQ("reply_from", inet_ntoa(from.sin_addr), "127.0.0.1");
	close(s);
	CHECK(write_file("/proc/sys/net/ipv4/ping_group_range", orig) == 0);
	pass();
}
