/* rtnetlink notifications: a socket bound to RTMGRP_LINK and
 * RTMGRP_IPV4_IFADDR hears lo going down and up (RTM_NEWLINK without and
 * with IFF_UP) and an address added and removed (RTM_NEWADDR,
 * RTM_DELADDR for 10.98.0.1/24); messages come from port 0 and name their
 * group. */
#include "nl.h"

static int seen_down, seen_up, seen_new, seen_del, from_kernel = 1;

static void drain(int fd)
{
	static char buf[65536];
	struct sockaddr_nl from;
	for (;;) {
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (void *)&from, &fl);
		if (n < 0)
			return;
		if (from.nl_pid != 0)
			from_kernel = 0;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *i = NLMSG_DATA(h);
				if (i->ifi_index == 1 && (i->ifi_flags & IFF_UP))
					seen_up = 1;
				if (i->ifi_index == 1 && !(i->ifi_flags & IFF_UP))
					seen_down = 1;
			}
			if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
				struct ifaddrmsg *a = NLMSG_DATA(h);
				struct rtattr *r = rta_get(h, sizeof *a, IFA_LOCAL);
				if (r && !strcmp(ip_text(AF_INET, RTA_DATA(r)), "10.98.0.1")) {
					if (h->nlmsg_type == RTM_NEWADDR)
						seen_new = 1;
					else
						seen_del = 1;
				}
			}
		}
	}
}

int main(void)
{
	lo_set(1);
	int mon = SYS(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR};
	SYS(bind(mon, (void *)&sa, sizeof sa));
	lo_set(0);
	lo_set(1);
	usleep(100000);
	drain(mon);
	EQ("heard_down", seen_down, 1);
	EQ("heard_up", seen_up, 1);
	int fd = nl_open();
	struct in_addr ip;
	inet_pton(AF_INET, "10.98.0.1", &ip);
	struct ifaddrmsg a = {.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 1};
	EQ("add", nl_ack(fd, nl_send(fd, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &a, sizeof a, IFA_LOCAL, &ip, 4)), 0);
	EQ("del", nl_ack(fd, nl_send(fd, RTM_DELADDR, NLM_F_ACK, &a, sizeof a, IFA_LOCAL, &ip, 4)), 0);
	usleep(100000);
	drain(mon);
	EQ("heard_newaddr", seen_new, 1);
	EQ("heard_deladdr", seen_del, 1);
	EQ("all_from_kernel", from_kernel, 1);
	pass();
}
