/* Changing lo's MTU through SIOCSIFMTU and RTM_NEWLINK's IFLA_MTU: the
 * ioctl, netlink and /sys/class/net/lo/mtu all see it; lo has no upper
 * bound, a negative MTU is EINVAL; the MTU goes back to 65536. */
#include "nl.h"

static int sys_mtu(void)
{
	char buf[32];
	long n = read_file("/sys/class/net/lo/mtu", buf, sizeof buf - 1);
	CHECK(n > 0);
	buf[n] = 0;
	return atoi(buf);
}

int main(void)
{
	lo_set(1);
	int s = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct ifreq r = {0};
	strcpy(r.ifr_name, "lo");
	r.ifr_mtu = 1500;
	SYS(ioctl(s, SIOCSIFMTU, &r));
	r.ifr_mtu = 0;
	SYS(ioctl(s, SIOCGIFMTU, &r));
	EQ("ioctl_mtu", r.ifr_mtu, 1500);
	EQ("sys_mtu", sys_mtu(), 1500);
	r.ifr_mtu = 1 << 20;
	EQ("big_accepted", ioctl(s, SIOCSIFMTU, &r), 0);
	EQ("sys_big", sys_mtu(), 1 << 20);
	r.ifr_mtu = -1;
	ERR("negative", ioctl(s, SIOCSIFMTU, &r), EINVAL);

	int fd = nl_open();
	struct ifinfomsg i = {.ifi_family = AF_UNSPEC, .ifi_index = 1};
	unsigned mtu = 9000;
	EQ("netlink_set", nl_ack(fd, nl_send(fd, RTM_NEWLINK, NLM_F_ACK, &i, sizeof i, IFLA_MTU, &mtu, 4)), 0);
	SYS(ioctl(s, SIOCGIFMTU, &r));
	EQ("after_netlink", r.ifr_mtu, 9000);
	/* TCP still works with the smaller MTU. */
	int l = tcp_listener(AF_INET, "127.0.0.1");
	int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l));
	int a = SYS(accept(l, NULL, NULL));
	static char big[100000], got[100000];
	memset(big, 'z', sizeof big);
	if (fork() == 0) {
		writeall(c, big, sizeof big);
		_exit(0);
	}
	readall(a, got, sizeof got);
	EQ("bulk_intact", memcmp(big, got, sizeof got), 0);
	wait(NULL);
	r.ifr_mtu = 65536;
	SYS(ioctl(s, SIOCSIFMTU, &r));
	EQ("restored", sys_mtu(), 65536);
	pass();
}
