/* nl.h: a small rtnetlink client for the contracts. */
#ifndef NL_H
#define NL_H
#include "net.h"
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

static unsigned nl_seq = 100;

/* nl_open returns a NETLINK_ROUTE socket. */
static inline int nl_open(void)
{
	int fd = SYS(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	SYS(bind(fd, (void *)&sa, sizeof sa));
	return fd;
}

/* nl_send sends one request: type, flags, a body and optional attribute. */
static inline unsigned nl_send(int fd, int type, int flags, const void *body, int blen,
	int atype, const void *adata, int alen)
{
	char buf[512] = {0};
	struct nlmsghdr *h = (void *)buf;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = ++nl_seq;
	memcpy(NLMSG_DATA(h), body, blen);
	h->nlmsg_len = NLMSG_LENGTH(blen);
	if (atype) {
		struct rtattr *ra = (void *)(buf + NLMSG_ALIGN(h->nlmsg_len));
		ra->rta_type = atype;
		ra->rta_len = RTA_LENGTH(alen);
		memcpy(RTA_DATA(ra), adata, alen);
		h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(ra->rta_len);
	}
	struct sockaddr_nl k = {.nl_family = AF_NETLINK};
	SYS(sendto(fd, buf, h->nlmsg_len, 0, (void *)&k, sizeof k));
	return h->nlmsg_seq;
}

/* nl_ack reads the NLMSG_ERROR answering seq and returns its error. */
static inline int nl_ack(int fd, unsigned seq)
{
	static char buf[65536];
	for (;;) {
		ssize_t n = SYS(recv(fd, buf, sizeof buf, 0));
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			fail("unexpected message type %d", h->nlmsg_type);
		}
	}
}

/* nl_dump calls each(h) for every message of the dump answering seq. */
static inline int nl_dump(int fd, unsigned seq, void (*each)(struct nlmsghdr *))
{
	static char buf[65536];
	int count = 0;
	for (;;) {
		ssize_t n = SYS(recv(fd, buf, sizeof buf, 0));
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return count;
			if (h->nlmsg_type == NLMSG_ERROR)
				fail("dump error %d", ((struct nlmsgerr *)NLMSG_DATA(h))->error);
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				fail("dump message without NLM_F_MULTI");
			count++;
			each(h);
		}
	}
}

/* rta_get finds attribute type among those after a header of hlen bytes. */
static inline struct rtattr *rta_get(struct nlmsghdr *h, int hlen, int type)
{
	int len = h->nlmsg_len - NLMSG_LENGTH(hlen);
	for (struct rtattr *a = (void *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(hlen)); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

static inline const char *ip_text(int family, const void *p)
{
	static char buf[64];
	return inet_ntop(family, p, buf, sizeof buf);
}
#endif
