/* NETLINK_KOBJECT_UEVENT sockets: bind to group 1 (no capability needed),
 * the port id, no queued event, and delivery between user sockets of the
 * protocol (unicast to a port id). */
#include "net.h"
#include <linux/netlink.h>

int main(void)
{
	int s = SYS(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	SYS(bind(s, (void *)&sa, sizeof sa));
	struct sockaddr_nl me;
	socklen_t ml = sizeof me;
	SYS(getsockname(s, (void *)&me, &ml));
	EQ("name_len", ml, sizeof me);
	EQ("port_is_pid", me.nl_pid == (unsigned)getpid(), 1);
	EQ("groups", me.nl_groups, 1);
	char buf[256];
	ERR("nothing_queued", recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	struct sockaddr_nl bad = {.nl_family = AF_INET};
	ERR("bind_bad_family", bind(s, (void *)&bad, sizeof bad), EINVAL);
	ERR("bind_short", bind(s, (void *)&sa, 4), EINVAL);

	int t = SYS(socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));
	struct sockaddr_nl any = {.nl_family = AF_NETLINK};
	SYS(bind(t, (void *)&any, sizeof any));
	ml = sizeof me;
	SYS(getsockname(t, (void *)&me, &ml));
	EQ("second_port_negative", (int)me.nl_pid < 0, 1);
	struct sockaddr_nl dup = {.nl_family = AF_NETLINK, .nl_pid = getpid()};
	int t3 = SYS(socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));
	ERR("bind_taken_port", bind(t3, (void *)&dup, sizeof dup), EADDRINUSE);
	struct sockaddr_nl to = {.nl_family = AF_NETLINK, .nl_pid = getpid()};
	EQ("unicast", sendto(t, "hello", 5, 0, (void *)&to, sizeof to), 5);
	struct sockaddr_nl from;
	socklen_t fl = sizeof from;
	EQ("received", recvfrom(s, buf, sizeof buf, 0, (void *)&from, &fl), 5);
	EQ("from_port", from.nl_pid == me.nl_pid, 1);
	EQ("payload", memcmp(buf, "hello", 5), 0);
	pass();
}
