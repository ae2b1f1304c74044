/* Netlink receive extras: SO_PASSCRED delivers the sender's credentials
 * (SCM_CREDENTIALS), NETLINK_PKTINFO the group a message came to (0 for a
 * reply), and a classic BPF socket filter (SO_ATTACH_FILTER) drops or
 * trims messages until SO_DETACH_FILTER. */
#include "nl.h"
#include <linux/filter.h>

static struct cmsghdr *first(struct msghdr *m) { return CMSG_FIRSTHDR(m); }

int main(void)
{
	lo_set(1);
	int a = SYS(socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));
	int b = SYS(socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));
	struct sockaddr_nl any = {.nl_family = AF_NETLINK};
	SYS(bind(a, (void *)&any, sizeof any));
	SYS(bind(b, (void *)&any, sizeof any));
	struct sockaddr_nl an;
	socklen_t al = sizeof an;
	SYS(getsockname(a, (void *)&an, &al));
	SYS(setsockopt(a, SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)));
	int v = 0;
	socklen_t vl = sizeof v;
	SYS(getsockopt(a, SOL_SOCKET, SO_PASSCRED, &v, &vl));
	EQ("passcred", v, 1);
	SYS(sendto(b, "one", 3, 0, (void *)&an, sizeof an));
	char buf[64], ctl[256];
	struct iovec iov = {buf, sizeof buf};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	EQ("received", recvmsg(a, &m, 0), 3);
	struct cmsghdr *c = first(&m);
	CHECK(c != NULL);
	EQ("cmsg_level", c->cmsg_level, SOL_SOCKET);
	EQ("cmsg_type", c->cmsg_type, SCM_CREDENTIALS);
	struct ucred *cr = (void *)CMSG_DATA(c);
	EQ("cred_pid_is_sender", cr->pid == getpid(), 1);
	EQ("cred_uid", cr->uid, 0);
	EQ("controllen", m.msg_controllen, CMSG_SPACE(sizeof(struct ucred)));

	/* Too little control room: MSG_CTRUNC. */
	SYS(sendto(b, "two", 3, 0, (void *)&an, sizeof an));
	m.msg_controllen = 8;
	EQ("received_short_ctl", recvmsg(a, &m, 0), 3);
	EQ("ctrunc", (m.msg_flags & MSG_CTRUNC) != 0, 1);

	/* A filter keeping 2 bytes of each message, then one dropping all. */
	struct sock_filter keep2[] = {{BPF_RET | BPF_K, 0, 0, 2}};
	struct sock_fprog p = {1, keep2};
	SYS(setsockopt(a, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof p));
	SYS(sendto(b, "three", 5, 0, (void *)&an, sizeof an));
	m.msg_controllen = sizeof ctl;
	EQ("trimmed", recvmsg(a, &m, 0), 2);
	struct sock_filter none[] = {{BPF_RET | BPF_K, 0, 0, 0}};
	p = (struct sock_fprog){1, none};
	SYS(setsockopt(a, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof p));
	SYS(sendto(b, "four", 4, 0, (void *)&an, sizeof an));
	ERR("dropped", recv(a, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	struct sock_filter noret[] = {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0}};
	p = (struct sock_fprog){1, noret};
	ERR("invalid_program", setsockopt(a, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof p), EINVAL);
	SYS(setsockopt(a, SOL_SOCKET, SO_DETACH_FILTER, &(int){0}, sizeof(int)));
	ERR("detach_again", setsockopt(a, SOL_SOCKET, SO_DETACH_FILTER, &(int){0}, sizeof(int)), ENOENT);
	SYS(sendto(b, "five", 4, 0, (void *)&an, sizeof an));
	EQ("delivered_again", recv(a, buf, sizeof buf, 0), 4);

	/* NETLINK_PKTINFO on a route socket: a dump reply came to group 0. */
	int r = nl_open();
	SYS(setsockopt(r, SOL_NETLINK, NETLINK_PKTINFO, &(int){1}, sizeof(int)));
	struct ifinfomsg req = {.ifi_family = AF_UNSPEC};
	nl_send(r, RTM_GETLINK, NLM_F_DUMP, &req, sizeof req, 0, NULL, 0);
	static char big[65536];
	struct iovec biov = {big, sizeof big};
	m = (struct msghdr){.msg_iov = &biov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	CHECK(recvmsg(r, &m, 0) > 0);
	c = first(&m);
	CHECK(c != NULL);
	EQ("pktinfo_level", c->cmsg_level, SOL_NETLINK);
	EQ("pktinfo_type", c->cmsg_type, NETLINK_PKTINFO);
	EQ("pktinfo_group", ((struct nl_pktinfo *)CMSG_DATA(c))->group, 0);
	pass();
}
