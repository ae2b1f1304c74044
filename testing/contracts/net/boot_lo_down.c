/* The loopback interface as the kernel leaves it at boot: down, without
 * addresses or routes. This contract sorts first in its category and no
 * contract before it touches lo (keep it so), so it sees the boot state; it then brings
 * lo up through netlink and sees 127.0.0.1 and ::1 arrive (and reach
 * /sys/class/net/lo and /proc/net/if_inet6). */
#include "nl.h"

static int addrs, routes;
static void count_addr(struct nlmsghdr *h) { if (((struct ifaddrmsg *)NLMSG_DATA(h))->ifa_index == 1) addrs++; }
static void count_route(struct nlmsghdr *h)
{
	struct rtattr *oif = rta_get(h, sizeof(struct rtmsg), RTA_OIF);
	if (oif && *(int *)RTA_DATA(oif) == 1)
		routes++;
}

static void state(const char *when, int fd)
{
	char buf[256];
	int s = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct ifreq r = {0};
	strcpy(r.ifr_name, "lo");
	SYS(ioctl(s, SIOCGIFFLAGS, &r));
	printf("%s_ioctl_flags: %#x\n", when, r.ifr_flags & 0xffff);
	errno = 0;
	int ok = ioctl(s, SIOCGIFADDR, &r);
	printf("%s_ifaddr: %s\n", when, ok == 0 ? inet_ntoa(((struct sockaddr_in *)&r.ifr_addr)->sin_addr) : errname(errno));
	close(s);
	long n = read_file("/sys/class/net/lo/flags", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("%s_sys_flags: %s", when, buf);
	n = read_file("/sys/class/net/lo/operstate", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("%s_sys_operstate: %s", when, buf);
	n = read_file("/proc/net/if_inet6", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("%s_if_inet6: [%s]\n", when, strtok(buf, "\n") ? buf : "");
	addrs = routes = 0;
	struct ifaddrmsg am = {.ifa_family = AF_UNSPEC};
	nl_dump(fd, nl_send(fd, RTM_GETADDR, NLM_F_DUMP, &am, sizeof am, 0, NULL, 0), count_addr);
	struct rtmsg rm = {.rtm_family = AF_UNSPEC};
	nl_dump(fd, nl_send(fd, RTM_GETROUTE, NLM_F_DUMP, &rm, sizeof rm, 0, NULL, 0), count_route);
	printf("%s_addresses: %d\n%s_routes: %d\n", when, addrs, when, routes);
}

int main(void)
{
	int fd = nl_open();
	state("boot", fd);
	/* Before lo's first up there is no route: 127.0.0.1 can be bound
	 * (Linux has no local table yet), but not reached; ::1 cannot be
	 * bound. */
	int l = SYS(socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	EQ("boot_bind_127", bind(l, (void *)&a, sizeof a), 0);
	SYS(listen(l, 1));
	int c = SYS(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	a = sin4("127.0.0.1", port_of(l));
	ERR("boot_connect", connect(c, (void *)&a, sizeof a), ENETUNREACH);
	int u = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	errno = 0;
	long r = sendto(u, "x", 1, 0, (void *)&a, sizeof a);
	OUT("boot_sendto", "%ld %s", r, r < 0 ? errname(errno) : "OK");
	int s6 = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
	struct sockaddr_in6 b = sin6("::1", 0);
	ERR("boot_bind_v6", bind(s6, (void *)&b, sizeof b), EADDRNOTAVAIL);
	close(l);
	close(c);
	close(u);
	close(s6);
	struct ifinfomsg i = {.ifi_family = AF_UNSPEC, .ifi_index = 1, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	EQ("up_ack", nl_ack(fd, nl_send(fd, RTM_NEWLINK, NLM_F_ACK, &i, sizeof i, 0, NULL, 0)), 0);
	state("up", fd);
	pass();
}
