/* Configuring eth0 over rtnetlink as `ip` does: link up, 10.0.2.15/24,
 * a default route via 10.0.2.2 (RTM_NEWROUTE with RTA_GATEWAY), what the
 * address and route dumps show, the errors of a duplicate address or
 * route, an unreachable gateway and a missing route, and the routes going
 * with the device. */
#include "eth0.h"

static int route_change(int fd, int type, int flags, const char *gw)
{
	struct rtmsg r = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN};
	if (type == RTM_NEWROUTE) {
		r.rtm_protocol = RTPROT_BOOT;
		r.rtm_scope = RT_SCOPE_UNIVERSE;
		r.rtm_type = RTN_UNICAST;
	} else {
		r.rtm_scope = RT_SCOPE_NOWHERE;
	}
	struct in_addr in = {0};
	if (gw)
		inet_pton(AF_INET, gw, &in);
	return nl_ack(fd, nl_send(fd, type, NLM_F_ACK | flags, &r, sizeof r, gw ? RTA_GATEWAY : 0, &in, 4));
}

int main(void)
{
	eth0_index = if_nametoindex("eth0");
	CHECK(eth0_index > 0);
	int fd = nl_open();
	struct ifinfomsg up = {.ifi_family = AF_UNSPEC, .ifi_index = eth0_index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	EQ("link_up", nl_ack(fd, nl_send(fd, RTM_NEWLINK, NLM_F_ACK, &up, sizeof up, 0, NULL, 0)), 0);
	EQ("gateway_without_address", route_change(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "10.0.2.2"), -ENETUNREACH);
	EQ("addr_add", addr_change(fd, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, "10.0.2.15", 24), 0);
	EQ("addr_again", addr_change(fd, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, "10.0.2.15", 24), -EEXIST);
	EQ("gateway_elsewhere", route_change(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "192.168.9.1"), -ENETUNREACH);
	EQ("route_add", route_change(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "10.0.2.2"), 0);
	EQ("route_again", route_change(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "10.0.2.2"), -EEXIST);
	dump_eth0(fd, "configured");
	EQ("route_del", route_change(fd, RTM_DELROUTE, 0, NULL), 0);
	EQ("route_del_again", route_change(fd, RTM_DELROUTE, 0, NULL), -ESRCH);
	dump_eth0(fd, "route deleted");
	EQ("route_readd", route_change(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "10.0.2.2"), 0);
	up.ifi_flags = 0;
	EQ("link_down", nl_ack(fd, nl_send(fd, RTM_NEWLINK, NLM_F_ACK, &up, sizeof up, 0, NULL, 0)), 0);
	dump_eth0(fd, "down");
	EQ("route_del_after_down", route_change(fd, RTM_DELROUTE, 0, NULL), -ESRCH);
	EQ("addr_del", addr_change(fd, RTM_DELADDR, 0, "10.0.2.15", 24), 0);
	dump_eth0(fd, "clean");
	pass();
}
