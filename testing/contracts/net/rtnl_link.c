/* NETLINK_ROUTE links: RTM_NEWLINK brings lo down and up (acknowledged
 * with error 0), RTM_GETLINK dumps and single gets report its name, flags,
 * MTU, operational state, queue and hardware address, and an unknown
 * index is ENODEV. */
#include "nl.h"
#include <net/if_arp.h>

static void show(struct nlmsghdr *h)
{
	struct ifinfomsg *i = NLMSG_DATA(h);
	struct rtattr *a = rta_get(h, sizeof *i, IFLA_IFNAME);
	if (!a || strcmp(RTA_DATA(a), "lo"))
		return;
	OUT("link", "lo index=%d type=%d flags=%#x", i->ifi_index, i->ifi_type, i->ifi_flags);
	if ((a = rta_get(h, sizeof *i, IFLA_MTU)))
		OUT("mtu", "%u", *(unsigned *)RTA_DATA(a));
	if ((a = rta_get(h, sizeof *i, IFLA_OPERSTATE)))
		OUT("operstate", "%u", *(unsigned char *)RTA_DATA(a));
	if ((a = rta_get(h, sizeof *i, IFLA_TXQLEN)))
		OUT("txqlen", "%u", *(unsigned *)RTA_DATA(a));
	/* A device never up has qdisc noop: print it only when up. */
	if ((i->ifi_flags & IFF_UP) && (a = rta_get(h, sizeof *i, IFLA_QDISC)))
		OUT("qdisc", "%s", (char *)RTA_DATA(a));
	if ((a = rta_get(h, sizeof *i, IFLA_CARRIER)))
		OUT("carrier", "%u", *(unsigned char *)RTA_DATA(a));
	if ((a = rta_get(h, sizeof *i, IFLA_ADDRESS)))
		OUT("hwaddr_len", "%d", (int)RTA_PAYLOAD(a));
}

static void set_lo(int fd, int up)
{
	struct ifinfomsg i = {.ifi_family = AF_UNSPEC, .ifi_index = 1, .ifi_flags = up ? IFF_UP : 0, .ifi_change = IFF_UP};
	unsigned seq = nl_send(fd, RTM_NEWLINK, NLM_F_ACK, &i, sizeof i, 0, NULL, 0);
	EQ(up ? "ack_up" : "ack_down", nl_ack(fd, seq), 0);
}

int main(void)
{
	int fd = nl_open();
	struct ifinfomsg req = {.ifi_family = AF_UNSPEC};
	set_lo(fd, 0);
	unsigned seq = nl_send(fd, RTM_GETLINK, NLM_F_DUMP, &req, sizeof req, 0, NULL, 0);
	EQ("dump_has_links", nl_dump(fd, seq, show) >= 1, 1);
	set_lo(fd, 1);
	seq = nl_send(fd, RTM_GETLINK, NLM_F_DUMP, &req, sizeof req, 0, NULL, 0);
	nl_dump(fd, seq, show);

	/* A single get by name, then by a missing index. */
	seq = nl_send(fd, RTM_GETLINK, 0, &req, sizeof req, IFLA_IFNAME, "lo", 3);
	static char buf[8192];
	ssize_t n = SYS(recv(fd, buf, sizeof buf, 0));
	struct nlmsghdr *h = (void *)buf;
	EQ("get_type", h->nlmsg_type, RTM_NEWLINK);
	EQ("get_seq", h->nlmsg_seq == seq, 1);
	EQ("get_not_multi", h->nlmsg_flags & NLM_F_MULTI, 0);
	EQ("get_one_message", NLMSG_ALIGN(h->nlmsg_len) >= (unsigned)n, 1);
	show(h);
	struct ifinfomsg missing = {.ifi_family = AF_UNSPEC, .ifi_index = 9999};
	seq = nl_send(fd, RTM_GETLINK, 0, &missing, sizeof missing, 0, NULL, 0);
	EQ("missing_index", nl_ack(fd, seq), -ENODEV);
	/* An error echoes the request; an ACK carries its header only. */
	seq = nl_send(fd, RTM_GETLINK, 0, &missing, sizeof missing, 0, NULL, 0);
	n = SYS(recv(fd, buf, sizeof buf, 0));
	h = (void *)buf;
	EQ("error_len", h->nlmsg_len, NLMSG_LENGTH(sizeof(struct nlmsgerr)) + sizeof missing);
	struct ifinfomsg i = {.ifi_index = 1, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	seq = nl_send(fd, RTM_NEWLINK, NLM_F_ACK, &i, sizeof i, 0, NULL, 0);
	n = SYS(recv(fd, buf, sizeof buf, 0));
	EQ("ack_len", h->nlmsg_len, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	EQ("ack_capped", (h->nlmsg_flags & NLM_F_CAPPED) != 0, 1);
	struct sockaddr_nl me;
	socklen_t ml = sizeof me;
	SYS(getsockname(fd, (void *)&me, &ml));
	EQ("ack_portid", h->nlmsg_pid == me.nl_pid, 1);
	EQ("portid_is_pid", me.nl_pid == (unsigned)getpid(), 1);
	pass();
}
