/* MSG_PEEK leaves data queued; MSG_DONTWAIT on empty is EAGAIN; MSG_WAITALL
 * waits for the full count. */
#include "contract.h"
#include <sys/socket.h>

int main(void)
{
	int s[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	writeall(s[0], "peekaboo", 8);
	char buf[16] = {0};
	EQ("peek", recv(s[1], buf, 4, MSG_PEEK), 4);
	STREQ("peek_data", buf, "peek");
	memset(buf, 0, sizeof buf);
	EQ("read", recv(s[1], buf, sizeof buf, 0), 8);
	STREQ("read_data", buf, "peekaboo");
	ERR("dontwait", recv(s[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		for (int i = 0; i < 4; i++) {
			usleep(5000);
			write(s[0], "ab", 2);
		}
		_exit(0);
	}
	memset(buf, 0, sizeof buf);
	EQ("waitall", recv(s[1], buf, 8, MSG_WAITALL), 8);
	STREQ("waitall_data", buf, "abababab");
	reap(pid);
	pass();
}
