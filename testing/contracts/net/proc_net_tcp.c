/* /proc/net/tcp, tcp6, udp: the line of a listening TCP socket (address,
 * port, state 0A, queues, uid, inode matching fstat), of a connected
 * pair, and of a bound UDP socket; the header lines. */
#include "net.h"
#include <sys/stat.h>

static char text[65536];

/* line finds the line whose local address is addr:port (hex). */
static char *line(const char *file, const char *local)
{
	long n = read_file(file, text, sizeof text - 1);
	CHECK(n > 0);
	text[n] = 0;
	char *p = strstr(text, local);
	if (!p)
		return NULL;
	while (p > text && p[-1] != '\n')
		p--;
	char *e = strchr(p, '\n');
	if (e)
		*e = 0;
	return p;
}

static void fields(const char *key, const char *l, unsigned long ino)
{
	char local[64], remote[64], st[8], queues[32], tr[32], retr[16];
	unsigned uid;
	unsigned long inode;
	int slot;
	CHECK(sscanf(l, "%d: %63s %63s %7s %31s %31s %15s %u %*d %lu", &slot, local, remote, st, queues, tr, retr, &uid, &inode) == 9);
	OUT(key, "local_addr=%.8s st=%s queues=%s uid=%u inode_matches=%d", local, st, queues, uid, inode == ino);
	(void)remote;
}

int main(void)
{
	lo_set(1);
	char first[200];
	long n = read_file("/proc/net/tcp", first, sizeof first - 1);
	CHECK(n > 0);
	first[n] = 0;
	*strchr(first, '\n') = 0;
	OUT("tcp_header", "[%s]", first);
	n = read_file("/proc/net/udp", first, sizeof first - 1);
	first[n] = 0;
	*strchr(first, '\n') = 0;
	OUT("udp_header", "[%s]", first);

	int l = SYS(socket(AF_INET, SOCK_STREAM, 0));
	struct sockaddr_in a = sin4("127.0.0.1", 40123);
	SYS(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)));
	SYS(bind(l, (void *)&a, sizeof a));
	SYS(listen(l, 4));
	struct stat sb;
	SYS(fstat(l, &sb));
	char *ln = line("/proc/net/tcp", "0100007F:9CBB 00000000:0000");
	CHECK(ln != NULL);
	fields("listener", ln, sb.st_ino);
	EQ("line_width", strlen(ln), 149);

	int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", 40123);
	int s = SYS(accept(l, NULL, NULL));
	writeall(c, "abc", 3);
	struct pollfd p = {.fd = s, .events = POLLIN};
	EQ("poll", poll(&p, 1, 5000), 1);
	char key[64];
	snprintf(key, sizeof key, "0100007F:%04X 0100007F:9CBB", port_of(c));
	SYS(fstat(c, &sb));
	ln = line("/proc/net/tcp", key);
	CHECK(ln != NULL);
	fields("client", ln, sb.st_ino);
	snprintf(key, sizeof key, "0100007F:9CBB 0100007F:%04X", port_of(c));
	SYS(fstat(s, &sb));
	ln = line("/proc/net/tcp", key);
	CHECK(ln != NULL);
	fields("server_side", ln, sb.st_ino);

	int l6 = SYS(socket(AF_INET6, SOCK_STREAM, 0));
	struct sockaddr_in6 a6 = sin6("::1", 40124);
	SYS(bind(l6, (void *)&a6, sizeof a6));
	SYS(listen(l6, 4));
	SYS(fstat(l6, &sb));
	ln = line("/proc/net/tcp6", "00000000000000000000000001000000:9CBC");
	CHECK(ln != NULL);
	fields("listener6", ln, sb.st_ino);

	int u = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	a = sin4("127.0.0.1", 40125);
	SYS(bind(u, (void *)&a, sizeof a));
	SYS(fstat(u, &sb));
	ln = line("/proc/net/udp", "0100007F:9CBD");
	CHECK(ln != NULL);
	fields("udp", ln, sb.st_ino);
	close(u);
	EQ("udp_gone_after_close", line("/proc/net/udp", "0100007F:9CBD") == NULL, 1);
	pass();
}
