/* AF_PACKET sockets on eth0 (the runner's virtio-net NIC): socket options,
 * getsockname before and after binding to the interface, bind and send
 * errors (ENODEV, EINVAL, ENXIO, ENETDOWN, the pending ENETDOWN of a
 * socket bound to a device that is down), and a cooked
 * (SOCK_DGRAM) broadcast of an experimental EtherType that a SOCK_RAW
 * ETH_P_ALL socket on eth0 sees leave, Ethernet header included, as
 * PACKET_OUTGOING. */
#include "eth0.h"
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define ETH_P_TEST 0x88b5

static void name(const char *key, int fd)
{
	struct sockaddr_ll a;
	memset(&a, 0xee, sizeof a);
	socklen_t l = sizeof a;
	SYS(getsockname(fd, (void *)&a, &l));
	OUT(key, "len=%d family=%d proto=%#x ifindex=%d hatype=%d pkttype=%d halen=%d", (int)l, a.sll_family,
		ntohs(a.sll_protocol), a.sll_ifindex, a.sll_hatype, a.sll_pkttype, a.sll_halen);
	if (a.sll_halen == 6)
		OUT("addr", "%02x:%02x:%02x:%02x:%02x:%02x", a.sll_addr[0], a.sll_addr[1], a.sll_addr[2], a.sll_addr[3],
			a.sll_addr[4], a.sll_addr[5]);
}

static int opt(int fd, int o)
{
	int v = 0;
	socklen_t l = sizeof v;
	SYS(getsockopt(fd, SOL_SOCKET, o, &v, &l));
	return v;
}

int main(void)
{
	eth0_index = if_nametoindex("eth0");
	CHECK(eth0_index > 0);
	int d = SYS(socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_TEST)));
	EQ("so_type", opt(d, SO_TYPE), SOCK_DGRAM);
	EQ("so_domain", opt(d, SO_DOMAIN), AF_PACKET);
	EQ("so_protocol", opt(d, SO_PROTOCOL), 0);
	name("unbound", d);
	char msg[] = "aramid packet socket";
	ERR("send_unbound", send(d, msg, sizeof msg, 0), ENXIO);
	struct sockaddr_ll b = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_TEST), .sll_ifindex = 99};
	ERR("bind_no_dev", bind(d, (void *)&b, sizeof b), ENODEV);
	b.sll_ifindex = eth0_index;
	ERR("bind_short", bind(d, (void *)&b, 12), EINVAL);
	b.sll_family = AF_INET;
	ERR("bind_family", bind(d, (void *)&b, sizeof b), EINVAL);
	b.sll_family = AF_PACKET;
	SYS(bind(d, (void *)&b, sizeof b));
	name("bound", d);
	/* Bound to a device that is down: ENETDOWN is pending. */
	EQ("so_error", opt(d, SO_ERROR), ENETDOWN);
	EQ("so_error_cleared", opt(d, SO_ERROR), 0);

	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_TEST), .sll_ifindex = eth0_index,
		.sll_halen = 6, .sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	ERR("send_down", sendto(d, msg, sizeof msg, 0, (void *)&to, sizeof to), ENETDOWN);
	eth0_up(1);
	/* Linux turns the carrier on a moment after the device goes up. */
	char st[16] = "";
	for (int i = 0; i < 500 && strcmp(st, "up\n"); i++) {
		int fd = SYS(open("/sys/class/net/eth0/operstate", O_RDONLY));
		long n = SYS(read(fd, st, sizeof st - 1));
		st[n] = 0;
		close(fd);
		if (strcmp(st, "up\n"))
			usleep(10000);
	}
	STREQ("operstate", st, "up\n");

	int r = SYS(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
	struct sockaddr_ll rb = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = eth0_index};
	SYS(bind(r, (void *)&rb, sizeof rb));
	EQ("sent", SYS(sendto(d, msg, sizeof msg, 0, (void *)&to, sizeof to)), sizeof msg);
	/* Other traffic (IPv6 neighbour discovery) may leave too: take the
	 * first frame of the test's EtherType. */
	for (int i = 0; i < 64; i++) {
		unsigned char f[2048];
		struct sockaddr_ll from;
		socklen_t fl = sizeof from;
		struct pollfd p = {.fd = r, .events = POLLIN};
		if (SYS(poll(&p, 1, 5000)) == 0)
			fail("no frame within 5 s");
		ssize_t n = SYS(recvfrom(r, f, sizeof f, 0, (void *)&from, &fl));
		if (n < 14 || f[12] != (ETH_P_TEST >> 8) || f[13] != (ETH_P_TEST & 0xff))
			continue;
		OUT("frame", "len=%zd dst=%02x:%02x:%02x:%02x:%02x:%02x src=%02x:%02x:%02x:%02x:%02x:%02x payload=%s", n,
			f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], (char *)f + 14);
		OUT("from", "len=%d proto=%#x ifindex=%d hatype=%d pkttype=%d halen=%d", (int)fl, ntohs(from.sll_protocol),
			from.sll_ifindex, from.sll_hatype, from.sll_pkttype, from.sll_halen);
		break;
	}
	eth0_up(0);
	pass();
}
