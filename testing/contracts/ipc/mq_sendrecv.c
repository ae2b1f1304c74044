/* Priorities (highest first, FIFO within one), EMSGSIZE both ways, a full
 * queue with O_NONBLOCK (EAGAIN), timeouts (ETIMEDOUT, EINVAL for a bad
 * one even when not needed), priority bound, mq_getsetattr. */
#include "mq.h"

int main(void)
{
	mqunlink("ct_sr");
	struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 32};
	int q = SYS(mqopen("ct_sr", O_RDWR | O_CREAT, 0600, &a));
	SYS(mqsend(q, "low1", 4, 1, NULL));
	SYS(mqsend(q, "high", 4, 9, NULL));
	SYS(mqsend(q, "low2", 4, 1, NULL));
	SYS(mqsend(q, "mid", 3, 5, NULL));
	struct mq_attr o;
	SYS(mqattr(q, NULL, &o));
	EQ("curmsgs", o.mq_curmsgs, 4);
	struct timespec past = {1, 0};
	ERR("full_timeout", mqsend(q, "x", 1, 0, &past), ETIMEDOUT);
	struct timespec soon = in_ms(50);
	ERR("full_timeout_soon", mqsend(q, "x", 1, 0, &soon), ETIMEDOUT);
	struct mq_attr nb = {.mq_flags = O_NONBLOCK};
	SYS(mqattr(q, &nb, &o));
	EQ("old_flags", o.mq_flags, 0);
	SYS(mqattr(q, NULL, &o));
	EQ("new_flags", o.mq_flags, O_NONBLOCK);
	EQ("fd_flags_follow", fcntl(q, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	ERR("full_nonblock", mqsend(q, "x", 1, 0, NULL), EAGAIN);
	struct mq_attr badflags = {.mq_flags = O_APPEND};
	ERR("setattr_bad_flags", mqattr(q, &badflags, NULL), EINVAL);
	char buf[64];
	unsigned prio;
	ERR("recv_small_buffer", mqrecv(q, buf, 31, &prio, NULL), EMSGSIZE);
	const char *want[] = {"high", "mid", "low1", "low2"};
	unsigned wantp[] = {9, 5, 1, 1};
	for (int i = 0; i < 4; i++) {
		long n = mqrecv(q, buf, sizeof buf, &prio, NULL);
		CHECK(n >= 0);
		buf[n] = 0;
		char k[16];
		snprintf(k, sizeof k, "msg%d", i);
		STREQ(k, buf, want[i]);
		snprintf(k, sizeof k, "prio%d", i);
		EQ(k, prio, wantp[i]);
	}
	ERR("empty_nonblock", mqrecv(q, buf, sizeof buf, &prio, NULL), EAGAIN);
	SYS(mqattr(q, &(struct mq_attr){.mq_flags = 0}, NULL));
	struct timespec t2 = in_ms(50);
	ERR("empty_timeout", mqrecv(q, buf, sizeof buf, &prio, &t2), ETIMEDOUT);
	struct timespec badts = {0, 1000000000};
	ERR("bad_timeout_send", mqsend(q, "x", 1, 0, &badts), EINVAL);
	struct timespec negts = {-1, 0};
	ERR("negative_timeout_recv", mqrecv(q, buf, sizeof buf, &prio, &negts), EINVAL);
	ERR("msg_too_big", mqsend(q, buf, 33, 0, NULL), EMSGSIZE);
	ERR("prio_max", mqsend(q, "x", 1, 32768, NULL), EINVAL);
	EQ("prio_max_minus_1", mqsend(q, "", 0, 32767, NULL), 0);
	EQ("empty_message", mqrecv(q, buf, sizeof buf, &prio, NULL), 0);
	EQ("empty_message_prio", prio, 32767);
	/* A blocked receiver is woken by a sender in another process. */
	pid_t c = SYS(fork());
	if (c == 0) {
		usleep(100000);
		mqsend(q, "wake", 4, 3, NULL);
		_exit(0);
	}
	struct timespec t5 = in_ms(5000);
	long n = mqrecv(q, buf, sizeof buf, &prio, &t5);
	EQ("blocked_recv", n, 4);
	reap(c);
	SYS(mqunlink("ct_sr"));
	pass();
}
