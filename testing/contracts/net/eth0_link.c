/* The virtio-net NIC as user space first sees it: eth0, index 2, down,
 * with QEMU's MAC, Ethernet type, MTU 1500 and queue length 1000, through
 * the SIOCGIF* ioctls, RTM_GETLINK, /sys/class/net/eth0 and /proc/net/dev. */
#include "eth0.h"
#include <net/if_arp.h>

static void sysfs(const char *attr)
{
	char path[128], buf[128] = "";
	snprintf(path, sizeof path, "/sys/class/net/eth0/%s", attr);
	int fd = SYS(open(path, O_RDONLY));
	ssize_t n = SYS(read(fd, buf, sizeof buf - 1));
	close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	OUT(attr, "%s", buf);
}

static void link_show(struct nlmsghdr *h)
{
	struct ifinfomsg *i = NLMSG_DATA(h);
	struct rtattr *a = rta_get(h, sizeof *i, IFLA_IFNAME);
	if (!a || strcmp(RTA_DATA(a), "eth0"))
		return;
	OUT("link", "eth0 index=%d type=%d flags=%#x", i->ifi_index, i->ifi_type, i->ifi_flags);
	if ((a = rta_get(h, sizeof *i, IFLA_MTU)))
		OUT("nl_mtu", "%u", *(unsigned *)RTA_DATA(a));
	if ((a = rta_get(h, sizeof *i, IFLA_OPERSTATE)))
		OUT("nl_operstate", "%u", *(unsigned char *)RTA_DATA(a));
	if ((a = rta_get(h, sizeof *i, IFLA_TXQLEN)))
		OUT("nl_txqlen", "%u", *(unsigned *)RTA_DATA(a));
	if ((a = rta_get(h, sizeof *i, IFLA_ADDRESS))) {
		unsigned char *m = RTA_DATA(a);
		OUT("nl_address", "%02x:%02x:%02x:%02x:%02x:%02x len=%d", m[0], m[1], m[2], m[3], m[4], m[5], (int)RTA_PAYLOAD(a));
	}
	if ((a = rta_get(h, sizeof *i, IFLA_BROADCAST)))
		OUT("nl_broadcast_len", "%d first=%#x", (int)RTA_PAYLOAD(a), *(unsigned char *)RTA_DATA(a));
}

int main(void)
{
	eth0_index = if_nametoindex("eth0");
	EQ("if_nametoindex", eth0_index, 2);
	int s = SYS(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	struct ifreq r = {0};
	strcpy(r.ifr_name, "eth0");
	SYS(ioctl(s, SIOCGIFFLAGS, &r));
	OUT("flags", "%#x", r.ifr_flags & 0xffff);
	SYS(ioctl(s, SIOCGIFMTU, &r));
	EQ("mtu", r.ifr_mtu, 1500);
	SYS(ioctl(s, SIOCGIFHWADDR, &r));
	unsigned char *m = (unsigned char *)r.ifr_hwaddr.sa_data;
	OUT("hwaddr", "family=%d %02x:%02x:%02x:%02x:%02x:%02x", r.ifr_hwaddr.sa_family, m[0], m[1], m[2], m[3], m[4], m[5]);
	SYS(ioctl(s, SIOCGIFTXQLEN, &r));
	EQ("txqlen", r.ifr_qlen, 1000);
	SYS(ioctl(s, SIOCGIFINDEX, &r));
	EQ("index", r.ifr_ifindex, 2);
	ERR("no_address", ioctl(s, SIOCGIFADDR, &r), EADDRNOTAVAIL);
	r.ifr_ifindex = 2;
	SYS(ioctl(s, SIOCGIFNAME, &r));
	STREQ("name", r.ifr_name, "eth0");
	close(s);

	const char *attrs[] = {"address", "addr_len", "broadcast", "type", "ifindex", "iflink", "mtu", "flags", "operstate", "tx_queue_len"};
	for (unsigned k = 0; k < sizeof attrs / sizeof *attrs; k++)
		sysfs(attrs[k]);
	char link[256];
	ssize_t n = SYS(readlink("/sys/class/net/eth0", link, sizeof link - 1));
	link[n] = 0;
	/* The device's path: …/0000:00:0X.0/virtioN/net/eth0 on both. */
	OUT("class_link_tail", "%s", strstr(link, "/net/eth0") ? "/net/eth0" : link);
	OUT("class_link_virtio", "%d", strstr(link, "/virtio") != NULL);

	int fd = nl_open();
	struct ifinfomsg req = {.ifi_family = AF_UNSPEC};
	nl_dump(fd, nl_send(fd, RTM_GETLINK, NLM_F_DUMP, &req, sizeof req, 0, NULL, 0), link_show);
	close(fd);

	FILE *f = fopen("/proc/net/dev", "r");
	CHECK(f);
	char line[512];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "eth0:", 5))
			found = 1;
	}
	fclose(f);
	EQ("proc_net_dev_eth0", found, 1);
	pass();
}
