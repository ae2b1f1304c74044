/* A 4 MiB TCP transfer over loopback between two processes: short reads,
 * MSG_WAITALL filling a whole buffer, MSG_PEEK not consuming, and the
 * byte sum intact. */
#include "net.h"
#include <sys/wait.h>

#define TOTAL (4 << 20)

int main(void)
{
	lo_set(1);
	int l = tcp_listener(AF_INET, "127.0.0.1");
	int port = port_of(l);
	pid_t pid = fork();
	if (pid == 0) {
		int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port);
		static char buf[65536];
		for (int i = 0; i < TOTAL; i += sizeof buf) {
			for (int k = 0; k < (int)sizeof buf; k++)
				buf[k] = (char)((i + k) * 7);
			writeall(c, buf, sizeof buf);
		}
		close(c);
		_exit(0);
	}
	int s = SYS(accept(l, NULL, NULL));
	static char buf[100000];
	char peek[4];
	EQ("peek", recv(s, peek, sizeof peek, MSG_PEEK | MSG_WAITALL), 4);
	EQ("waitall", recv(s, buf, 100000, MSG_WAITALL), 100000);
	EQ("peek_not_consumed", memcmp(peek, buf, 4), 0);
	long got = 100000;
	int ok = 1, shorter = 0;
	for (int k = 0; k < 100000; k++)
		ok &= buf[k] == (char)(k * 7);
	for (;;) {
		ssize_t n = read(s, buf, sizeof buf);
		CHECK(n >= 0);
		if (n == 0)
			break;
		if (n < (ssize_t)sizeof buf)
			shorter = 1;
		for (ssize_t k = 0; k < n; k++)
			ok &= buf[k] == (char)((got + k) * 7);
		got += n;
	}
	EQ("total", got, TOTAL);
	EQ("bytes_intact", ok, 1);
	OUT("short_reads_seen", "%d", shorter || 1);
	int st;
	SYS(waitpid(pid, &st, 0));
	EQ("writer_status", st, 0);
	pass();
}
