/* Configuring eth0 with the ioctls busybox ifconfig and route use:
 * SIOCSIFADDR (the classful prefix and its broadcast), SIOCSIFNETMASK,
 * SIOCGIFADDR/NETMASK/BRDADDR, SIOCSIFFLAGS, SIOCADDRT and SIOCDELRT with
 * a struct rtentry, and what rtnetlink then lists. */
#include "eth0.h"
#include <net/route.h>

static const char *get(int s, unsigned long cmd)
{
	struct ifreq r = {0};
	strcpy(r.ifr_name, "eth0");
	SYS(ioctl(s, cmd, &r));
	return ip_text(AF_INET, &((struct sockaddr_in *)&r.ifr_addr)->sin_addr);
}

static long set(int s, unsigned long cmd, const char *ip)
{
	struct ifreq r = {0};
	strcpy(r.ifr_name, "eth0");
	struct sockaddr_in a = sin4(ip, 0);
	memcpy(&r.ifr_addr, &a, sizeof a);
	return ioctl(s, cmd, &r);
}

static long route(int s, unsigned long cmd, const char *dst, const char *mask, const char *gw, int flags, char *dev)
{
	struct rtentry rt = {0};
	struct sockaddr_in d = sin4(dst, 0), m = sin4(mask, 0);
	memcpy(&rt.rt_dst, &d, sizeof d);
	memcpy(&rt.rt_genmask, &m, sizeof m);
	if (gw) {
		struct sockaddr_in g = sin4(gw, 0);
		memcpy(&rt.rt_gateway, &g, sizeof g);
	}
	rt.rt_flags = flags;
	rt.rt_dev = dev;
	return ioctl(s, cmd, &rt);
}

int main(void)
{
	eth0_index = if_nametoindex("eth0");
	CHECK(eth0_index > 0);
	int s = SYS(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	int fd = nl_open();
	ERR("netmask_first", set(s, SIOCSIFNETMASK, "255.255.255.0"), EADDRNOTAVAIL);
	ERR("multicast_addr", set(s, SIOCSIFADDR, "224.0.0.9"), EINVAL);
	SYS(set(s, SIOCSIFADDR, "10.0.2.15"));
	OUT("addr", "%s", get(s, SIOCGIFADDR));
	OUT("netmask", "%s", get(s, SIOCGIFNETMASK));
	OUT("broadcast", "%s", get(s, SIOCGIFBRDADDR));
	ERR("bad_mask", set(s, SIOCSIFNETMASK, "255.0.255.0"), EINVAL);
	SYS(set(s, SIOCSIFNETMASK, "255.255.255.0"));
	OUT("netmask", "%s", get(s, SIOCGIFNETMASK));
	OUT("broadcast", "%s", get(s, SIOCGIFBRDADDR));
	ERR("route_while_down", route(s, SIOCADDRT, "0.0.0.0", "0.0.0.0", "10.0.2.2", RTF_UP | RTF_GATEWAY, NULL), ENETUNREACH);
	eth0_up(1);
	SYS(route(s, SIOCADDRT, "0.0.0.0", "0.0.0.0", "10.0.2.2", RTF_UP | RTF_GATEWAY, NULL));
	ERR("route_again", route(s, SIOCADDRT, "0.0.0.0", "0.0.0.0", "10.0.2.2", RTF_UP | RTF_GATEWAY, NULL), EEXIST);
	ERR("dst_outside_mask", route(s, SIOCADDRT, "10.1.0.1", "255.255.0.0", NULL, RTF_UP, "eth0"), EINVAL);
	ERR("no_such_dev", route(s, SIOCADDRT, "10.1.0.0", "255.255.0.0", NULL, RTF_UP, "eth9"), ENODEV);
	SYS(route(s, SIOCADDRT, "10.1.0.0", "255.255.0.0", NULL, RTF_UP, "eth0"));
	dump_eth0(fd, "configured");
	SYS(route(s, SIOCDELRT, "10.1.0.0", "255.255.0.0", NULL, RTF_UP, NULL));
	ERR("del_again", route(s, SIOCDELRT, "10.1.0.0", "255.255.0.0", NULL, RTF_UP, NULL), ESRCH);
	SYS(route(s, SIOCDELRT, "0.0.0.0", "0.0.0.0", NULL, RTF_UP, NULL));
	dump_eth0(fd, "routes deleted");
	eth0_up(0);
	EQ("addr_del", addr_change(fd, RTM_DELADDR, 0, "10.0.2.15", 24), 0);
	dump_eth0(fd, "clean");
	pass();
}
