/* NETLINK_ROUTE routes: the RTM_GETROUTE dumps of IPv4 and IPv6 with lo
 * up (its local, broadcast and ::1 routes), by table, type, destination,
 * scope, protocol, device and preferred source. */
#include "nl.h"

static void show(struct nlmsghdr *h)
{
	struct rtmsg *r = NLMSG_DATA(h);
	struct rtattr *dst = rta_get(h, sizeof *r, RTA_DST);
	struct rtattr *oif = rta_get(h, sizeof *r, RTA_OIF);
	struct rtattr *src = rta_get(h, sizeof *r, RTA_PREFSRC);
	struct rtattr *tab = rta_get(h, sizeof *r, RTA_TABLE);
	struct rtattr *pri = rta_get(h, sizeof *r, RTA_PRIORITY);
	if (!oif || *(int *)RTA_DATA(oif) != 1)
		return;
	char d[64] = "default";
	if (dst)
		snprintf(d, sizeof d, "%s", ip_text(r->rtm_family, RTA_DATA(dst)));
	OUT("route", "%s/%d table=%d rtm_table=%d type=%d scope=%d proto=%d src=%s metric=%d", d, r->rtm_dst_len,
		tab ? *(int *)RTA_DATA(tab) : -1, r->rtm_table, r->rtm_type, r->rtm_scope, r->rtm_protocol,
		src ? ip_text(r->rtm_family, RTA_DATA(src)) : "-", pri ? *(int *)RTA_DATA(pri) : -1);
}

int main(void)
{
	lo_set(1);
	int fd = nl_open();
	struct rtmsg req = {.rtm_family = AF_INET};
	unsigned seq = nl_send(fd, RTM_GETROUTE, NLM_F_DUMP, &req, sizeof req, 0, NULL, 0);
	OUT("family", "inet");
	nl_dump(fd, seq, show);
	req.rtm_family = AF_INET6;
	seq = nl_send(fd, RTM_GETROUTE, NLM_F_DUMP, &req, sizeof req, 0, NULL, 0);
	OUT("family", "inet6");
	nl_dump(fd, seq, show);
	pass();
}
