/* The loopback interface through the SIOCGIF and SIOCSIF ioctls: down
 * (no IFF_UP), then up with 127.0.0.1/8, its index,
 * name, MTU, hardware type and SIOCGIFCONF. */
#include "net.h"
#include <net/if_arp.h>

int main(void)
{
	int s = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct ifreq r = {0};
	strcpy(r.ifr_name, "lo");
	lo_set(0);
	SYS(ioctl(s, SIOCGIFFLAGS, &r));
	OUT("down_flags", "%#x", r.ifr_flags & 0xffff);

	lo_set(1);
	SYS(ioctl(s, SIOCGIFFLAGS, &r));
	OUT("up_flags", "%#x", r.ifr_flags & 0xffff);
	SYS(ioctl(s, SIOCGIFADDR, &r));
	STREQ("addr", inet_ntoa(((struct sockaddr_in *)&r.ifr_addr)->sin_addr), "127.0.0.1");
	EQ("addr_family", r.ifr_addr.sa_family, AF_INET);
	SYS(ioctl(s, SIOCGIFNETMASK, &r));
	STREQ("netmask", inet_ntoa(((struct sockaddr_in *)&r.ifr_netmask)->sin_addr), "255.0.0.0");
	SYS(ioctl(s, SIOCGIFMTU, &r));
	EQ("mtu", r.ifr_mtu, 65536);
	SYS(ioctl(s, SIOCGIFINDEX, &r));
	EQ("index", r.ifr_ifindex, 1);
	SYS(ioctl(s, SIOCGIFHWADDR, &r));
	EQ("hw_type", r.ifr_hwaddr.sa_family, ARPHRD_LOOPBACK);
	EQ("hw_zero", r.ifr_hwaddr.sa_data[0] | r.ifr_hwaddr.sa_data[5], 0);
	SYS(ioctl(s, SIOCGIFTXQLEN, &r));
	EQ("txqlen", r.ifr_qlen, 1000);
	struct ifreq byidx = {.ifr_ifindex = 1};
	SYS(ioctl(s, SIOCGIFNAME, &byidx));
	STREQ("name_of_1", byidx.ifr_name, "lo");
	byidx.ifr_ifindex = 9999;
	ERR("name_of_9999", ioctl(s, SIOCGIFNAME, &byidx), ENODEV);
	struct ifreq bad = {0};
	strcpy(bad.ifr_name, "nosuch0");
	ERR("flags_of_unknown", ioctl(s, SIOCGIFFLAGS, &bad), ENODEV);

	struct ifreq reqs[8];
	struct ifconf ic = {.ifc_len = sizeof reqs, .ifc_req = reqs};
	SYS(ioctl(s, SIOCGIFCONF, &ic));
	int found = 0;
	for (int i = 0; i < ic.ifc_len / (int)sizeof(struct ifreq); i++)
		if (!strcmp(reqs[i].ifr_name, "lo"))
			found = !strcmp(inet_ntoa(((struct sockaddr_in *)&reqs[i].ifr_addr)->sin_addr), "127.0.0.1");
	EQ("ifconf_has_lo", found, 1);
	struct ifconf need = {.ifc_len = 0, .ifc_req = NULL};
	SYS(ioctl(s, SIOCGIFCONF, &need));
	EQ("ifconf_len_multiple", need.ifc_len > 0 && need.ifc_len % sizeof(struct ifreq) == 0, 1);

	int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(tcp_listener(AF_INET, "127.0.0.1")));
	EQ("connect_when_up", c >= 0, 1);
	pass();
}
