/* NETLINK_ROUTE addresses: lo's 127.0.0.1/8 and ::1/128 in an
 * RTM_GETADDR dump, RTM_NEWADDR of 10.99.0.1/24 (then EEXIST), the
 * address in the dump and through SIOCGIFCONF, RTM_DELADDR (then
 * EADDRNOTAVAIL). */
#include "nl.h"

static void show(struct nlmsghdr *h)
{
	struct ifaddrmsg *a = NLMSG_DATA(h);
	struct rtattr *r = rta_get(h, sizeof *a, IFA_ADDRESS);
	if (a->ifa_index != 1 || !r)
		return;
	struct rtattr *lbl = rta_get(h, sizeof *a, IFA_LABEL);
	struct rtattr *fl = rta_get(h, sizeof *a, IFA_FLAGS);
	OUT("addr", "%s/%d family=%d scope=%d flags=%#x label=%s ifa_flags=%#x", ip_text(a->ifa_family, RTA_DATA(r)),
		a->ifa_prefixlen, a->ifa_family, a->ifa_scope, a->ifa_flags, lbl ? (char *)RTA_DATA(lbl) : "-",
		fl ? *(unsigned *)RTA_DATA(fl) : 0);
}

static void dump(int fd, int family)
{
	struct ifaddrmsg req = {.ifa_family = family};
	unsigned seq = nl_send(fd, RTM_GETADDR, NLM_F_DUMP, &req, sizeof req, 0, NULL, 0);
	nl_dump(fd, seq, show);
}

int main(void)
{
	lo_set(1);
	int fd = nl_open();
	OUT("dump", "all");
	dump(fd, AF_UNSPEC);
	OUT("dump", "inet6");
	dump(fd, AF_INET6);
	struct in_addr ip;
	inet_pton(AF_INET, "10.99.0.1", &ip);
	struct ifaddrmsg a = {.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 1};
	unsigned seq = nl_send(fd, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &a, sizeof a, IFA_LOCAL, &ip, 4);
	EQ("newaddr", nl_ack(fd, seq), 0);
	seq = nl_send(fd, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &a, sizeof a, IFA_LOCAL, &ip, 4);
	EQ("newaddr_again", nl_ack(fd, seq), -EEXIST);
	OUT("dump", "inet after add");
	dump(fd, AF_INET);
	/* The new address is reachable. */
	int l = tcp_listener(AF_INET, "10.99.0.1");
	int c = connect_to(AF_INET, SOCK_STREAM, "10.99.0.1", port_of(l));
	EQ("connect_new_addr", c >= 0, 1);
	close(c);
	close(l);
	seq = nl_send(fd, RTM_DELADDR, NLM_F_ACK, &a, sizeof a, IFA_LOCAL, &ip, 4);
	EQ("deladdr", nl_ack(fd, seq), 0);
	seq = nl_send(fd, RTM_DELADDR, NLM_F_ACK, &a, sizeof a, IFA_LOCAL, &ip, 4);
	EQ("deladdr_again", nl_ack(fd, seq), -EADDRNOTAVAIL);
	struct ifaddrmsg bad = {.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 9999};
	seq = nl_send(fd, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, &bad, sizeof bad, IFA_LOCAL, &ip, 4);
	EQ("newaddr_no_device", nl_ack(fd, seq), -ENODEV);
	OUT("dump", "inet after delete");
	dump(fd, AF_INET);
	pass();
}
