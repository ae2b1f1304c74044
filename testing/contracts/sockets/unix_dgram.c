/* AF_UNIX SOCK_DGRAM keeps message boundaries, reports the sender's
 * address, truncates with MSG_TRUNC and refuses to send unconnected
 * without an address. */
#include "contract.h"
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX}, ca = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, "server");
	strcpy(ca.sun_path, "client");
	int s = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
	int c = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
	SYS(bind(s, (void *)&sa, sizeof sa));
	SYS(bind(c, (void *)&ca, sizeof ca));
	EQ("send1", sendto(c, "first", 5, 0, (void *)&sa, sizeof sa), 5);
	EQ("send2", sendto(c, "second!", 7, 0, (void *)&sa, sizeof sa), 7);
	char buf[32] = {0};
	struct sockaddr_un from;
	socklen_t fl = sizeof from;
	EQ("recv1", recvfrom(s, buf, sizeof buf, 0, (void *)&from, &fl), 5);
	STREQ("data1", buf, "first");
	STREQ("from", from.sun_path, "client");
	memset(buf, 0, sizeof buf);
	EQ("recv2_trunc", recv(s, buf, 3, MSG_TRUNC), 7);
	STREQ("data2", buf, "sec");
	ERR("no_dest", send(c, "x", 1, 0), ENOTCONN);
	SYS(connect(c, (void *)&sa, sizeof sa));
	EQ("connected_send", send(c, "z", 1, 0), 1);
	EQ("recv3", recv(s, buf, sizeof buf, MSG_DONTWAIT), 1);
	ERR("empty", recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	pass();
}
