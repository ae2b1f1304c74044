/* Blocking socket calls and signals: accept and recv end with EINTR when
 * a handler without SA_RESTART runs; with SA_RESTART they restart and
 * finish; a socket with SO_RCVTIMEO gives EINTR even under SA_RESTART. */
#include "net.h"
#include <signal.h>
#include <sys/time.h>

static volatile sig_atomic_t hits;
static void on_alarm(int sig) { (void)sig; hits++; }

static void handler(int restart)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
	sigemptyset(&sa.sa_mask);
	SYS(sigaction(SIGALRM, &sa, NULL));
}

static void arm_ms(int ms)
{
	struct itimerval it = {.it_value = {0, ms * 1000}};
	SYS(setitimer(ITIMER_REAL, &it, NULL));
}

int main(void)
{
	lo_set(1);
	int l = tcp_listener(AF_INET, "127.0.0.1");
	handler(0);
	arm_ms(100);
	ERR("accept_interrupted", accept(l, NULL, NULL), EINTR);
	int u = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
	struct sockaddr_in6 a = sin6("::1", 0);
	SYS(bind(u, (void *)&a, sizeof a));
	char buf[8];
	arm_ms(100);
	ERR("recv_interrupted", recv(u, buf, sizeof buf, 0), EINTR);

	/* SA_RESTART: the alarm interrupts, the call restarts, and a child's
	 * datagram then completes it. */
	handler(1);
	int port = port_of(u);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(400000);
		int s = SYS(socket(AF_INET6, SOCK_DGRAM, 0));
		struct sockaddr_in6 to = sin6("::1", port);
		SYS(sendto(s, "late", 4, 0, (void *)&to, sizeof to));
		_exit(0);
	}
	hits = 0;
	arm_ms(100);
	EQ("recv_restarted", recv(u, buf, sizeof buf, 0), 4);
	EQ("handler_ran", hits, 1);
	int st;
	SYS(waitpid(pid, &st, 0));

	struct timeval tv = {5, 0};
	SYS(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	arm_ms(100);
	ERR("recv_with_timeout_interrupted", recv(u, buf, sizeof buf, 0), EINTR);
	pass();
}
