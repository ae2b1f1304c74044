/* Control messages on a UDP socket over 127.0.0.1: IP_PKTINFO (the
 * interface index, the local and the destination address), IP_RECVTTL
 * (the sender's IP_TTL) and IP_RECVTOS (its IP_TOS), in that order, each
 * only while its option is on; SO_TIMESTAMP (SCM_TIMESTAMP, a timeval of
 * the arrival) or SO_TIMESTAMPNS (SCM_TIMESTAMPNS, a timespec) first,
 * each turning the other off; MSG_PEEK delivers them too; no control
 * buffer, no messages. The options read back as set. */
#include "net.h"
#include <sys/time.h>
#include <time.h>

static int rx;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* recv_show receives one datagram and prints its control messages;
 * timestamps are checked to lie between t0 and now. */
static void recv_show(const char *tag, int flags, long long t0)
{
	char data[64], cbuf[256];
	struct iovec iov = {data, sizeof data};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n = recvmsg(rx, &mh, flags);
	long long t1 = now_ns();
	OUT(tag, "bytes %zd flags %#x controllen %zu", n, mh.msg_flags, (size_t)mh.msg_controllen);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		OUT(tag, "cmsg level %d type %d len %zu", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(c), sizeof tv);
			long long t = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
			OUT(tag, "timeval in range %d usec_ok %d", t >= t0 / 1000 * 1000 && t <= t1, tv.tv_usec >= 0 && tv.tv_usec < 1000000);
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			long long t = ts.tv_sec * 1000000000LL + ts.tv_nsec;
			OUT(tag, "timespec in range %d", t >= t0 && t <= t1);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &pi.ipi_spec_dst, a, sizeof a);
			inet_ntop(AF_INET, &pi.ipi_addr, b, sizeof b);
			OUT(tag, "pktinfo ifindex %d spec_dst %s addr %s", pi.ipi_ifindex, a, b);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			int ttl;
			memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
			OUT(tag, "ttl %d", ttl);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			OUT(tag, "tos %#x", *(unsigned char *)CMSG_DATA(c));
		}
	}
}

static int getopt_int(int level, int name)
{
	int v = -1;
	socklen_t l = sizeof v;
	SYS(getsockopt(rx, level, name, &v, &l));
	return v;
}

static void setopt(int level, int name, int v)
{
	SYS(setsockopt(rx, level, name, &v, sizeof v));
}

int main(void)
{
	lo_set(1);
	rx = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	SYS(bind(rx, (void *)&a, sizeof a));
	a.sin_port = htons(port_of(rx));
	int tx = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	int ttl = 33, tos = 0x10;
	SYS(setsockopt(tx, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl));
	SYS(setsockopt(tx, IPPROTO_IP, IP_TOS, &tos, sizeof tos));
	SYS(connect(tx, (void *)&a, sizeof a));

	OUT("defaults", "pktinfo %d recvttl %d recvtos %d timestamp %d timestampns %d", getopt_int(IPPROTO_IP, IP_PKTINFO),
	    getopt_int(IPPROTO_IP, IP_RECVTTL), getopt_int(IPPROTO_IP, IP_RECVTOS), getopt_int(SOL_SOCKET, SO_TIMESTAMP),
	    getopt_int(SOL_SOCKET, SO_TIMESTAMPNS));
	SYS(send(tx, "none", 4, 0));
	recv_show("none", 0, 0);

	setopt(IPPROTO_IP, IP_PKTINFO, 1);
	setopt(IPPROTO_IP, IP_RECVTTL, 1);
	setopt(IPPROTO_IP, IP_RECVTOS, 7);
	OUT("ip_opts", "pktinfo %d recvttl %d recvtos %d", getopt_int(IPPROTO_IP, IP_PKTINFO), getopt_int(IPPROTO_IP, IP_RECVTTL),
	    getopt_int(IPPROTO_IP, IP_RECVTOS));
	SYS(send(tx, "ip", 2, 0));
	recv_show("ip_peek", MSG_PEEK, 0);
	recv_show("ip", 0, 0);

	setopt(SOL_SOCKET, SO_TIMESTAMP, 1);
	OUT("timestamp_opts", "timestamp %d timestampns %d", getopt_int(SOL_SOCKET, SO_TIMESTAMP), getopt_int(SOL_SOCKET, SO_TIMESTAMPNS));
	long long t0 = now_ns();
	SYS(send(tx, "ts", 2, 0));
	recv_show("timestamp", 0, t0);

	setopt(SOL_SOCKET, SO_TIMESTAMPNS, 1);
	OUT("timestampns_opts", "timestamp %d timestampns %d", getopt_int(SOL_SOCKET, SO_TIMESTAMP), getopt_int(SOL_SOCKET, SO_TIMESTAMPNS));
	setopt(IPPROTO_IP, IP_PKTINFO, 0);
	t0 = now_ns();
	SYS(send(tx, "tsns", 4, 0));
	recv_show("timestampns", 0, t0);

	setopt(SOL_SOCKET, SO_TIMESTAMP, 0);
	setopt(IPPROTO_IP, IP_RECVTTL, 0);
	OUT("off_opts", "timestamp %d timestampns %d", getopt_int(SOL_SOCKET, SO_TIMESTAMP), getopt_int(SOL_SOCKET, SO_TIMESTAMPNS));
	SYS(send(tx, "tos", 3, 0));
	recv_show("tos_only", 0, 0);

	SYS(send(tx, "nobuf", 5, 0));
	char data[16];
	struct iovec iov = {data, sizeof data};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	EQ("no_control_buffer", recvmsg(rx, &mh, 0), 5);
	OUT("no_control_buffer", "flags %#x controllen %zu", mh.msg_flags, (size_t)mh.msg_controllen);
	pass();
}
