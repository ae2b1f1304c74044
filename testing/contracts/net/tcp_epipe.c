/* Writing to a TCP connection the peer closed: ECONNRESET or EPIPE with
 * MSG_NOSIGNAL, and SIGPIPE for a plain write; close with unread data
 * resets the connection. */
#include "net.h"
#include <signal.h>

static volatile sig_atomic_t pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }

int main(void)
{
	lo_set(1);
	signal(SIGPIPE, on_pipe);
	int l = tcp_listener(AF_INET, "127.0.0.1");
	int c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l));
	int s = SYS(accept(l, NULL, NULL));
	close(s);
	char buf[16];
	EQ("eof_from_closed_peer", read(c, buf, sizeof buf), 0);
	/* The first write reaches the closed peer, which answers RST. */
	EQ("first_write_ok", write(c, "a", 1), 1);
	/* events 0: poll waits for POLLERR or POLLHUP alone. */
	struct pollfd p = {.fd = c, .events = 0};
	EQ("poll_after_rst", poll(&p, 1, 5000), 1);
	EQ("pollhup_after_rst", (p.revents & POLLHUP) != 0, 1);
	ERR("send_after_rst", send(c, "b", 1, MSG_NOSIGNAL), EPIPE);
	EQ("no_sigpipe_with_nosignal", pipes, 0);
	ERR("write_after_rst", write(c, "c", 1), EPIPE);
	EQ("sigpipe_delivered", pipes, 1);
	close(c);

	/* Close with unread data: the peer sees ECONNRESET. */
	c = connect_to(AF_INET, SOCK_STREAM, "127.0.0.1", port_of(l));
	s = SYS(accept(l, NULL, NULL));
	writeall(c, "unread", 6);
	p = (struct pollfd){.fd = s, .events = POLLIN};
	EQ("data_arrived", poll(&p, 1, 5000), 1);
	close(s);
	p = (struct pollfd){.fd = c, .events = POLLIN};
	EQ("poll_reset", poll(&p, 1, 5000), 1);
	ERR("read_after_reset", read(c, buf, sizeof buf), ECONNRESET);
	close(c);
	close(l);
	pass();
}
