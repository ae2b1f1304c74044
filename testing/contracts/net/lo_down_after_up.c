/* lo brought down after being up: 127.0.0.1 stays (with its local
 * routes), so 127.0.0.0/8 can be bound and connects start, but nothing
 * passes the down device (a TCP connect stays in progress, a datagram is
 * dropped); ::1 is gone until lo is up again. */
#include "nl.h"

static int routes;
static void show(struct nlmsghdr *h)
{
	struct rtmsg *r = NLMSG_DATA(h);
	struct rtattr *d = rta_get(h, sizeof *r, RTA_DST);
	struct rtattr *oif = rta_get(h, sizeof *r, RTA_OIF);
	if (!oif || *(int *)RTA_DATA(oif) != 1)
		return;
	OUT("route", "table=%d type=%d %s/%d", r->rtm_table, r->rtm_type, d ? ip_text(r->rtm_family, RTA_DATA(d)) : "-", r->rtm_dst_len);
	routes++;
}

int main(void)
{
	lo_set(1);
	lo_set(0);
	int fd = nl_open();
	struct rtmsg rm = {.rtm_family = AF_UNSPEC};
	nl_dump(fd, nl_send(fd, RTM_GETROUTE, NLM_F_DUMP, &rm, sizeof rm, 0, NULL, 0), show);
	EQ("routes_while_down", routes, 2);
	int l = SYS(socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	EQ("bind_127_0_0_1", bind(l, (void *)&a, sizeof a), 0);
	int l5 = SYS(socket(AF_INET, SOCK_STREAM, 0));
	a = sin4("127.0.0.5", 0);
	EQ("bind_127_0_0_5", bind(l5, (void *)&a, sizeof a), 0);
	int s6 = SYS(socket(AF_INET6, SOCK_STREAM, 0));
	struct sockaddr_in6 b = sin6("::1", 0);
	ERR("bind_v6_loopback", bind(s6, (void *)&b, sizeof b), EADDRNOTAVAIL);
	SYS(listen(l, 4));
	int c = SYS(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	a = sin4("127.0.0.1", port_of(l));
	ERR("connect_starts", connect(c, (void *)&a, sizeof a), EINPROGRESS);
	struct pollfd p = {.fd = c, .events = POLLOUT};
	EQ("never_completes", poll(&p, 1, 300), 0);
	int u = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	EQ("datagram_dropped_silently", sendto(u, "x", 1, 0, (void *)&a, sizeof a), 1);
	close(c);
	lo_set(1);
	c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l));
	EQ("connects_when_up", c >= 0, 1);
	pass();
}
