/* sendmmsg and recvmmsg on UDP over ::1: several datagrams in one call,
 * per-message lengths and source addresses, MSG_WAITFORONE. */
#include "net.h"

int main(void)
{
	lo_set(1);
	int r = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
	struct sockaddr_in6 a = sin6("::1", 0);
	SYS(bind(r, (void *)&a, sizeof a));
	a = sin6("::1", port_of(r));
	int s = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
	SYS(connect(s, (void *)&a, sizeof a));
	struct iovec iov[3] = {{"one", 3}, {"three", 5}, {"sixteen-bytes!!!", 16}};
	struct mmsghdr out[3] = {0};
	for (int i = 0; i < 3; i++) {
		out[i].msg_hdr.msg_iov = &iov[i];
		out[i].msg_hdr.msg_iovlen = 1;
	}
	EQ("sent", sendmmsg(s, out, 3, 0), 3);
	OUT("sent_lens", "%u %u %u", out[0].msg_len, out[1].msg_len, out[2].msg_len);
	char bufs[4][32];
	struct iovec riov[4];
	struct sockaddr_in6 from[4];
	struct mmsghdr in[4] = {0};
	for (int i = 0; i < 4; i++) {
		riov[i] = (struct iovec){bufs[i], sizeof bufs[i]};
		in[i].msg_hdr.msg_iov = &riov[i];
		in[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_name = &from[i];
		in[i].msg_hdr.msg_namelen = sizeof from[i];
	}
	struct pollfd p = {.fd = r, .events = POLLIN};
	EQ("poll", poll(&p, 1, 5000), 1);
	int n = recvmmsg(r, in, 4, MSG_WAITFORONE, NULL);
	EQ("received", n, 3);
	OUT("recv_lens", "%u %u %u", in[0].msg_len, in[1].msg_len, in[2].msg_len);
	EQ("third", memcmp(bufs[2], "sixteen-bytes!!!", 16), 0);
	EQ("from_len", in[0].msg_hdr.msg_namelen, sizeof(struct sockaddr_in6));
	EQ("from_port", ntohs(from[1].sin6_port) == port_of(s), 1);
	ERR("none_left", recvmmsg(r, in, 4, MSG_DONTWAIT, NULL), EAGAIN);
	pass();
}
