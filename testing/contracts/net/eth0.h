/* eth0.h: helpers for the contracts about the virtio-net NIC the contract
 * runner gives every boot (eth0, MAC 52:54:00:12:34:56, QEMU's user
 * network with restrict=on). Each contract leaves eth0 down without
 * addresses, as it found it. */
#ifndef ETH0_H
#define ETH0_H
#include "nl.h"

/* eth0_up sets eth0's IFF_UP with SIOCSIFFLAGS. */
static inline void eth0_up(int up)
{
	int s = SYS(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	struct ifreq r = {0};
	strcpy(r.ifr_name, "eth0");
	SYS(ioctl(s, SIOCGIFFLAGS, &r));
	if (up)
		r.ifr_flags |= IFF_UP;
	else
		r.ifr_flags &= ~IFF_UP;
	SYS(ioctl(s, SIOCSIFFLAGS, &r));
	close(s);
}

static int eth0_index;

/* route_show prints an IPv4 route of the main table through eth0. */
static void route_show(struct nlmsghdr *h)
{
	struct rtmsg *r = NLMSG_DATA(h);
	struct rtattr *dst = rta_get(h, sizeof *r, RTA_DST);
	struct rtattr *oif = rta_get(h, sizeof *r, RTA_OIF);
	struct rtattr *gw = rta_get(h, sizeof *r, RTA_GATEWAY);
	struct rtattr *src = rta_get(h, sizeof *r, RTA_PREFSRC);
	struct rtattr *pri = rta_get(h, sizeof *r, RTA_PRIORITY);
	if (r->rtm_family != AF_INET || r->rtm_table != RT_TABLE_MAIN || !oif || *(int *)RTA_DATA(oif) != eth0_index)
		return;
	char d[64] = "default", g[64] = "-", s[64] = "-";
	if (dst)
		snprintf(d, sizeof d, "%s", ip_text(AF_INET, RTA_DATA(dst)));
	if (gw)
		snprintf(g, sizeof g, "%s", ip_text(AF_INET, RTA_DATA(gw)));
	if (src)
		snprintf(s, sizeof s, "%s", ip_text(AF_INET, RTA_DATA(src)));
	OUT("route", "%s/%d type=%d scope=%d proto=%d via=%s src=%s metric=%d", d, r->rtm_dst_len, r->rtm_type,
		r->rtm_scope, r->rtm_protocol, g, s, pri ? *(int *)RTA_DATA(pri) : -1);
}

/* addr_show prints an IPv4 address of eth0. */
static void addr_show(struct nlmsghdr *h)
{
	struct ifaddrmsg *a = NLMSG_DATA(h);
	if (a->ifa_family != AF_INET || (int)a->ifa_index != eth0_index)
		return;
	struct rtattr *loc = rta_get(h, sizeof *a, IFA_LOCAL);
	struct rtattr *brd = rta_get(h, sizeof *a, IFA_BROADCAST);
	struct rtattr *lab = rta_get(h, sizeof *a, IFA_LABEL);
	char l[64] = "-", b[64] = "-";
	if (loc)
		snprintf(l, sizeof l, "%s", ip_text(AF_INET, RTA_DATA(loc)));
	if (brd)
		snprintf(b, sizeof b, "%s", ip_text(AF_INET, RTA_DATA(brd)));
	OUT("addr", "%s/%d scope=%d flags=%#x brd=%s label=%s", l, a->ifa_prefixlen, a->ifa_scope, a->ifa_flags, b,
		lab ? (char *)RTA_DATA(lab) : "-");
}

/* dump_eth0 prints eth0's IPv4 addresses and main-table routes. */
static inline void dump_eth0(int fd, const char *when)
{
	OUT("state", "%s", when);
	struct ifaddrmsg ar = {.ifa_family = AF_INET};
	nl_dump(fd, nl_send(fd, RTM_GETADDR, NLM_F_DUMP, &ar, sizeof ar, 0, NULL, 0), addr_show);
	struct rtmsg rr = {.rtm_family = AF_INET};
	nl_dump(fd, nl_send(fd, RTM_GETROUTE, NLM_F_DUMP, &rr, sizeof rr, 0, NULL, 0), route_show);
}

/* addr_change adds or deletes ip/plen on eth0 and returns the ack's error. */
static inline int addr_change(int fd, int type, int flags, const char *ip, int plen)
{
	struct ifaddrmsg a = {.ifa_family = AF_INET, .ifa_prefixlen = plen, .ifa_index = eth0_index};
	struct in_addr in;
	inet_pton(AF_INET, ip, &in);
	return nl_ack(fd, nl_send(fd, type, NLM_F_ACK | flags, &a, sizeof a, IFA_LOCAL, &in, 4));
}
#endif
