/*
 * events.c: timerfd, eventfd, epoll, poll/select and inotify storms.
 */
#include "stress.h"
#include "workloads.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/timerfd.h>

/* ---- timerfd ---------------------------------------------------------- */

enum { TFD_N = 64 };

struct tfd {
	int fd;
	long long armed_at;  /* µs, CLOCK_MONOTONIC, before timerfd_settime */
	long long armed_end; /* and after it returned */
	long interval_us;
	long long total; /* expirations read since armed_at */
};

static void tfd_arm(struct tfd *t)
{
	struct itimerspec its = {0}, old;
	t->interval_us = 1000 + (long)(rnd() % 5) * 1000;
	its.it_value.tv_nsec = t->interval_us * 1000;
	its.it_interval.tv_nsec = t->interval_us * 1000;
	t->armed_at = now_us();
	SYS(timerfd_settime(t->fd, 0, &its, &old));
	t->armed_end = now_us();
	t->total = 0;
}

/* tfd_drain reads what is pending; a disarmed or unexpired timer is EAGAIN. */
static void tfd_drain(struct tfd *t)
{
	uint64_t v;
	ssize_t r = read(t->fd, &v, sizeof v);
	if (r == sizeof v) {
		if (v == 0)
			FAIL("timerfd read 0 expirations");
		t->total += v;
		return;
	}
	CHECK(r == -1 && errno == EAGAIN);
}

/* tfd_verify checks the expirations against the time since arming: the
 * kernel counts overruns, so a late reader still sees every period. The
 * kernel armed the timer somewhere between armed_at and armed_end and
 * counted up to somewhere between r0 and r1: the count must lie between
 * what those brackets allow (a stalled virtual CPU widens them, it does
 * not fail the check). */
static void tfd_verify(struct tfd *t)
{
	long long r0 = now_us();
	tfd_drain(t);
	long long r1 = now_us();
	long long lo = (r0 - t->armed_end) / t->interval_us - 1;
	long long hi = (r1 - t->armed_at) / t->interval_us + 1;
	if (t->total > hi || t->total < lo)
		FAIL("timerfd interval %ld us: %lld expirations, want %lld..%lld", t->interval_us, t->total,
		     lo, hi);
}

void w_timerfd(int argc, char **argv)
{
	struct tfd t[TFD_N];
	struct epoll_event evs[TFD_N];
	int ep = SYS(epoll_create1(EPOLL_CLOEXEC));
	for (int i = 0; i < TFD_N; i++) {
		t[i].fd = SYS(timerfd_create(i % 2 ? CLOCK_MONOTONIC : CLOCK_BOOTTIME,
					     TFD_NONBLOCK | TFD_CLOEXEC));
		tfd_arm(&t[i]);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		SYS(epoll_ctl(ep, EPOLL_CTL_ADD, t[i].fd, &ev));
	}
	/* Phase 1: 64 periodic timers of 1-5 ms read through epoll for 3 s,
	 * re-armed, disarmed and checked as they run. */
	long long end = now_us() + 3000000;
	long rounds = 0, rearms = 0, disarms = 0;
	while (now_us() < end) {
		int n = SYS(epoll_wait(ep, evs, TFD_N, 1000));
		if (n == 0)
			FAIL("no timerfd fired within 1 s");
		for (int k = 0; k < n; k++) {
			struct tfd *x = &t[evs[k].data.u32];
			CHECK(evs[k].events == EPOLLIN);
			tfd_drain(x);
		}
		rounds++;
		if (rounds % 16 == 0) {
			struct tfd *x = &t[rnd() % TFD_N];
			tfd_verify(x);
			struct itimerspec cur;
			SYS(timerfd_gettime(x->fd, &cur));
			CHECKV(cur.it_interval.tv_nsec, x->interval_us * 1000);
			CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= x->interval_us * 1000);
			tfd_arm(x);
			rearms++;
		}
		if (rounds % 40 == 0) {
			struct tfd *x = &t[rnd() % TFD_N];
			struct itimerspec zero = {0}, cur;
			SYS(timerfd_settime(x->fd, 0, &zero, NULL));
			SYS(timerfd_gettime(x->fd, &cur));
			CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
			uint64_t v;
			ERRNO(read(x->fd, &v, sizeof v), EAGAIN);
			tfd_arm(x);
			disarms++;
		}
	}
	for (int i = 0; i < TFD_N; i++)
		tfd_verify(&t[i]);
	long long phase1 = 0;
	for (int i = 0; i < TFD_N; i++)
		phase1 += t[i].total;

	/* Phase 2: arm a blocking one-shot timer of 200 µs and read it, 1500 times. */
	long long t2 = now_us();
	int fd = SYS(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
	for (int k = 0; k < 1500; k++) {
		struct itimerspec its = {.it_value = {0, 200000}};
		SYS(timerfd_settime(fd, 0, &its, NULL));
		uint64_t v = 0;
		CHECKV(read(fd, &v, sizeof v), 8);
		CHECKV(v, 1);
	}
	t2 = now_us() - t2;
	for (int i = 0; i < TFD_N; i++)
		close(t[i].fd);

	/* Phase 3: periodic timers far faster than anyone reads them (1 µs, as
	 * stress-ng's default), polled and read for a second: every period is
	 * counted, and the kernel does no more work than the reads ask for. */
	enum { FAST = 16 };
	struct pollfd pf[FAST];
	long long armed[FAST], armed_end[FAST], got[FAST] = {0};
	for (int i = 0; i < FAST; i++) {
		pf[i].fd = SYS(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC));
		pf[i].events = POLLIN;
		struct itimerspec its = {.it_value = {0, 1000}, .it_interval = {0, 1000}};
		armed[i] = now_us();
		SYS(timerfd_settime(pf[i].fd, 0, &its, NULL));
		armed_end[i] = now_us();
	}
	long long fast_end = now_us() + 1000000;
	long polls = 0;
	while (now_us() < fast_end) {
		if (SYS(poll(pf, FAST, 1000)) == 0)
			FAIL("no 1 us timerfd was readable within 1 s");
		polls++;
		for (int i = 0; i < FAST; i++)
			if (pf[i].revents & POLLIN) {
				uint64_t x;
				CHECKV(read(pf[i].fd, &x, 8), 8);
				CHECK(x >= 1);
				got[i] += x;
			}
	}
	long long fast_total = 0;
	for (int i = 0; i < FAST; i++) {
		uint64_t x;
		long long r0 = now_us();
		if (read(pf[i].fd, &x, 8) == 8)
			got[i] += x;
		long long r1 = now_us();
		/* Up to r0 every microsecond had expired, but the last one may
		 * not have been seen yet (its timer not run): allow what the
		 * last read's own latency can hide. */
		long long lo = (r0 - armed_end[i]) * 3 / 4 - 2, hi = r1 - armed[i] + 1;
		if (got[i] > hi || got[i] < lo)
			FAIL("1 us timerfd: %lld expirations, want %lld..%lld", got[i], lo, hi);
		fast_total += got[i];
		close(pf[i].fd);
	}
	/* An absolute CLOCK_REALTIME time in the past expires at once, once. */
	int rt = SYS(timerfd_create(CLOCK_REALTIME, 0));
	struct itimerspec past = {.it_value = {1, 0}};
	SYS(timerfd_settime(rt, TFD_TIMER_ABSTIME, &past, NULL));
	uint64_t v = 0;
	CHECKV(read(rt, &v, sizeof v), 8);
	CHECKV(v, 1);
	struct pollfd rp = {.fd = rt, .events = POLLIN};
	CHECKV(poll(&rp, 1, 0), 0);
	ERRNO(read(rt, &v, 4), EINVAL);
	sayf("timerfd: %ld epoll rounds, %lld periodic expirations, %ld re-arms, %ld disarms, 1500 one-shots in %lld ms, "
	     "%lld expirations of 1 us timers in %ld polls\n",
	     rounds, phase1, rearms, disarms, t2 / 1000, fast_total, polls);
}

/* ---- eventfd ---------------------------------------------------------- */

void w_eventfd(int argc, char **argv)
{
	enum { E = 32, P = 8, K = 100 };
	int efd[E];
	uint64_t sum[E] = {0};
	int ep = SYS(epoll_create1(0));
	for (int i = 0; i < E; i++) {
		efd[i] = SYS(eventfd(0, EFD_NONBLOCK));
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		SYS(epoll_ctl(ep, EPOLL_CTL_ADD, efd[i], &ev));
	}
	pid_t kids[P];
	for (int p = 0; p < P; p++) {
		kids[p] = SYS(fork());
		if (kids[p] == 0) {
			for (int k = 0; k < K; k++)
				for (int i = 0; i < E; i++) {
					uint64_t one = 1;
					CHECKV(write(efd[(i + p) % E], &one, 8), 8);
				}
			_exit(0);
		}
	}
	uint64_t total = 0;
	struct epoll_event evs[E];
	while (total < (uint64_t)E * P * K) {
		int n = SYS(epoll_wait(ep, evs, E, 5000));
		if (n == 0)
			FAIL("eventfd: stalled at %llu of %d", (unsigned long long)total, E * P * K);
		for (int k = 0; k < n; k++) {
			int i = evs[k].data.u32;
			uint64_t v;
			ssize_t r = read(efd[i], &v, 8);
			if (r < 0) {
				CHECKV(errno, EAGAIN);
				continue;
			}
			CHECKV(r, 8);
			sum[i] += v;
			total += v;
		}
	}
	for (int p = 0; p < P; p++)
		WAIT_EXIT(kids[p], 0);
	for (int i = 0; i < E; i++)
		CHECKV(sum[i], P * K);

	/* Semaphore mode hands out one at a time. */
	int s = SYS(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK));
	uint64_t v;
	for (int k = 0; k < 3; k++) {
		CHECKV(read(s, &v, 8), 8);
		CHECKV(v, 1);
	}
	ERRNO(read(s, &v, 8), EAGAIN);
	/* The counter stops one short of 2^64-1. */
	int o = SYS(eventfd(0, EFD_NONBLOCK));
	v = 0xfffffffffffffffeULL;
	CHECKV(write(o, &v, 8), 8);
	v = 1;
	ERRNO(write(o, &v, 8), EAGAIN);
	v = 0xffffffffffffffffULL;
	ERRNO(write(o, &v, 8), EINVAL);
	CHECKV(read(o, &v, 8), 8);
	CHECK(v == 0xfffffffffffffffeULL);
	ERRNO(read(o, &v, 8), EAGAIN);
	sayf("eventfd: %llu increments over %d eventfds from %d writers\n", (unsigned long long)total, E, P);
}

/* ---- epoll ------------------------------------------------------------ */

enum { EP_N = 128, EP_ROUNDS = 150 };

void w_epoll(int argc, char **argv)
{
	int rd[EP_N], wr[EP_N], ctl[2], ack[2];
	int ep = SYS(epoll_create1(EPOLL_CLOEXEC));
	for (int i = 0; i < EP_N; i++) {
		int p[2];
		SYS(pipe2(p, O_NONBLOCK));
		rd[i] = p[0];
		wr[i] = p[1];
		struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = i};
		SYS(epoll_ctl(ep, EPOLL_CTL_ADD, rd[i], &ev));
	}
	SYS(pipe(ctl));
	SYS(pipe(ack));
	struct epoll_event cev = {.events = EPOLLIN, .data.u32 = EP_N};
	SYS(epoll_ctl(ep, EPOLL_CTL_ADD, ctl[0], &cev));

	/* The error answers. */
	struct epoll_event ev = {.events = EPOLLIN};
	ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, rd[0], &ev), EEXIST);
	ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, wr[0], NULL), ENOENT);
	ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, wr[0], &ev), ENOENT);
	ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	int reg = SYS(open("epoll-regular", O_CREAT | O_RDWR, 0600));
	ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);

	/* Rounds: a child writes one byte into a random subset of the pipes,
	 * then sends the subset; every pipe of it, and no other, must have
	 * reported EPOLLIN (edge-triggered: once) by the time the subset is seen. */
	pid_t kid = SYS(fork());
	if (kid == 0) {
		for (int r = 0; r < EP_ROUNDS; r++) {
			uint8_t set[EP_N / 8] = {0};
			for (int i = 0; i < EP_N; i++)
				if (rnd() & 1) {
					set[i / 8] |= 1 << (i % 8);
					CHECKV(write(wr[i], "x", 1), 1);
				}
			CHECKV(write(ctl[1], set, sizeof set), sizeof set);
			char c;
			CHECKV(read(ack[0], &c, 1), 1);
		}
		_exit(0);
	}
	struct epoll_event evs[EP_N + 1];
	long events = 0;
	for (int r = 0; r < EP_ROUNDS; r++) {
		uint8_t seen[EP_N / 8] = {0}, set[EP_N / 8];
		int got_ctl = 0;
		while (!got_ctl) {
			int n = SYS(epoll_wait(ep, evs, EP_N + 1, 5000));
			if (n == 0)
				FAIL("epoll round %d: nothing within 5 s", r);
			for (int k = 0; k < n; k++) {
				unsigned i = evs[k].data.u32;
				if (i == EP_N) {
					got_ctl = 1;
					continue;
				}
				if (seen[i / 8] & (1 << (i % 8)))
					FAIL("epoll round %d: pipe %u reported twice (edge-triggered)", r, i);
				seen[i / 8] |= 1 << (i % 8);
				events++;
			}
		}
		CHECKV(read(ctl[0], set, sizeof set), sizeof set);
		/* Writes before the subset was sent are ready by now. */
		int n = SYS(epoll_wait(ep, evs, EP_N + 1, 0));
		for (int k = 0; k < n; k++) {
			unsigned i = evs[k].data.u32;
			CHECK(i != EP_N);
			if (seen[i / 8] & (1 << (i % 8)))
				FAIL("epoll round %d: pipe %u reported twice (edge-triggered)", r, i);
			seen[i / 8] |= 1 << (i % 8);
			events++;
		}
		for (int i = 0; i < EP_N; i++) {
			int want = (set[i / 8] >> (i % 8)) & 1;
			int got = (seen[i / 8] >> (i % 8)) & 1;
			if (want != got)
				FAIL("epoll round %d: pipe %d written=%d reported=%d", r, i, want, got);
			if (want) {
				char c[4];
				CHECKV(read(rd[i], c, sizeof c), 1);
			}
		}
		CHECKV(write(ack[1], "k", 1), 1);
	}
	WAIT_EXIT(kid, 0);

	/* EPOLLONESHOT reports once until re-armed with MOD. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u32 = 0;
	SYS(epoll_ctl(ep, EPOLL_CTL_MOD, rd[0], &ev));
	CHECKV(write(wr[0], "a", 1), 1);
	CHECKV(epoll_wait(ep, evs, EP_N + 1, 1000), 1);
	CHECKV(write(wr[0], "b", 1), 1);
	CHECKV(epoll_wait(ep, evs, EP_N + 1, 0), 0);
	SYS(epoll_ctl(ep, EPOLL_CTL_MOD, rd[0], &ev));
	CHECKV(epoll_wait(ep, evs, EP_N + 1, 0), 1);
	CHECKV(evs[0].data.u32, 0);

	/* A nested epoll sees its child's readiness. */
	int outer = SYS(epoll_create1(0));
	struct epoll_event oev = {.events = EPOLLIN, .data.u32 = 77};
	SYS(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &oev));
	CHECKV(epoll_wait(outer, evs, 1, 0), 0);
	CHECKV(write(wr[1], "n", 1), 1);
	CHECKV(epoll_wait(outer, evs, 1, 1000), 1);
	CHECKV(evs[0].data.u32, 77);
	CHECKV(epoll_wait(ep, evs, EP_N + 1, 0), 1);
	CHECKV(evs[0].data.u32, 1);
	CHECKV(read(rd[1], evs, 4), 1);
	/* rd[0] goes back to plain level-triggered reporting for the churn. */
	ev.events = EPOLLIN;
	SYS(epoll_ctl(ep, EPOLL_CTL_MOD, rd[0], &ev));

	/* Churn: add, modify and delete at random, checking every answer. */
	int in[EP_N] = {0};
	SYS(epoll_ctl(ep, EPOLL_CTL_DEL, ctl[0], NULL));
	for (int i = 0; i < EP_N; i++)
		in[i] = 1;
	for (int k = 0; k < 4000; k++) {
		int i = rnd() % EP_N;
		struct epoll_event e = {.events = EPOLLIN | ((rnd() & 1) ? EPOLLET : 0), .data.u32 = i};
		switch (rnd() % 3) {
		case 0:
			if (in[i])
				ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, rd[i], &e), EEXIST);
			else
				SYS(epoll_ctl(ep, EPOLL_CTL_ADD, rd[i], &e));
			in[i] = 1;
			break;
		case 1:
			if (in[i])
				SYS(epoll_ctl(ep, EPOLL_CTL_MOD, rd[i], &e));
			else
				ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, rd[i], &e), ENOENT);
			break;
		default:
			if (in[i])
				SYS(epoll_ctl(ep, EPOLL_CTL_DEL, rd[i], NULL));
			else
				ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, rd[i], NULL), ENOENT);
			in[i] = 0;
		}
	}
	/* What is registered now is exactly what reports: write to every pipe. */
	char c[4];
	while (read(rd[0], c, sizeof c) > 0)
		;
	int want = 0;
	for (int i = 0; i < EP_N; i++) {
		CHECKV(write(wr[i], "z", 1), 1);
		want += in[i];
	}
	int n = SYS(epoll_wait(ep, evs, EP_N + 1, 1000));
	CHECKV(n, want);
	for (int k = 0; k < n; k++)
		CHECK(in[evs[k].data.u32]);
	sayf("epoll: %d rounds over %d pipes, %ld edge events, 4000 ctl operations\n", EP_ROUNDS, EP_N,
	     events);
}

/* ---- poll and select -------------------------------------------------- */

enum { PL_N = 64, PL_ROUNDS = 150 };

void w_poll(int argc, char **argv)
{
	int rd[PL_N], wr[PL_N], ctl[2], ack[2];
	for (int i = 0; i < PL_N; i++) {
		int p[2];
		SYS(pipe2(p, O_NONBLOCK));
		rd[i] = p[0];
		wr[i] = p[1];
	}
	SYS(pipe(ctl));
	SYS(pipe(ack));
	pid_t kid = SYS(fork());
	if (kid == 0) {
		for (int i = 0; i < PL_N; i++)
			close(rd[i]);
		for (int r = 0; r < PL_ROUNDS; r++) {
			uint64_t set = rnd();
			for (int i = 0; i < PL_N; i++)
				if (set >> i & 1)
					CHECKV(write(wr[i], "y", 1), 1);
			CHECKV(write(ctl[1], &set, 8), 8);
			char c;
			CHECKV(read(ack[0], &c, 1), 1);
		}
		_exit(0);
	}
	for (int i = 0; i < PL_N; i++)
		close(wr[i]);
	close(ctl[1]);
	struct pollfd pf[PL_N];
	for (int r = 0; r < PL_ROUNDS; r++) {
		struct pollfd cp = {.fd = ctl[0], .events = POLLIN};
		if (SYS(poll(&cp, 1, 5000)) != 1)
			FAIL("poll round %d: control pipe not readable within 5 s", r);
		uint64_t set;
		CHECKV(read(ctl[0], &set, 8), 8);
		uint64_t got = 0;
		if (r % 3 == 2) {
			fd_set rs;
			FD_ZERO(&rs);
			int maxfd = 0;
			for (int i = 0; i < PL_N; i++) {
				FD_SET(rd[i], &rs);
				if (rd[i] > maxfd)
					maxfd = rd[i];
			}
			struct timeval tv = {0, 0};
			int n = SYS(select(maxfd + 1, &rs, NULL, NULL, &tv));
			for (int i = 0; i < PL_N; i++)
				if (FD_ISSET(rd[i], &rs))
					got |= 1ULL << i;
			CHECKV(n, __builtin_popcountll(got));
		} else {
			for (int i = 0; i < PL_N; i++)
				pf[i] = (struct pollfd){.fd = rd[i], .events = POLLIN};
			struct timespec zero = {0, 0};
			int n = r % 3 ? SYS(ppoll(pf, PL_N, &zero, NULL)) : SYS(poll(pf, PL_N, 0));
			int cnt = 0;
			for (int i = 0; i < PL_N; i++)
				if (pf[i].revents) {
					CHECKV(pf[i].revents, POLLIN);
					got |= 1ULL << i;
					cnt++;
				}
			CHECKV(n, cnt);
		}
		if (got != set)
			FAIL("poll round %d: ready %#llx, written %#llx", r, (unsigned long long)got,
			     (unsigned long long)set);
		for (int i = 0; i < PL_N; i++)
			if (set >> i & 1) {
				char c[4];
				CHECKV(read(rd[i], c, sizeof c), 1);
			}
		CHECKV(write(ack[1], "k", 1), 1);
	}
	WAIT_EXIT(kid, 0);
	/* The writer is gone: every pipe hangs up, none is readable. */
	for (int i = 0; i < PL_N; i++)
		pf[i] = (struct pollfd){.fd = rd[i], .events = POLLIN};
	CHECKV(poll(pf, PL_N, 1000), PL_N);
	for (int i = 0; i < PL_N; i++)
		CHECKV(pf[i].revents, POLLHUP);
	long long t0 = now_us();
	CHECKV(poll(NULL, 0, 20), 0);
	CHECK(now_us() - t0 >= 20000);
	sayf("poll: %d rounds over %d pipes (poll, ppoll, select), hang-ups seen\n", PL_ROUNDS, PL_N);
}

/* ---- inotify ---------------------------------------------------------- */

enum { IN_INST = 4, IN_FILES = 300 };
#define IN_WATCHED (IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE)

struct incount {
	long create, modify, close_write, moved_from, moved_to, delete;
	uint32_t pending_cookie;
	int pending_idx;
};

static void in_drain(int fd, int wd, struct incount *c)
{
	static char buf[65536] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			CHECKV(errno, EAGAIN);
			return;
		}
		CHECK(n > 0);
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			p += sizeof *e + e->len;
			if (e->mask & IN_Q_OVERFLOW)
				FAIL("inotify queue overflow");
			CHECKV(e->wd, wd);
			int idx = -1;
			char kind = 0;
			if (e->len)
				sscanf(e->name, "%c%d", &kind, &idx);
			switch (e->mask) {
			case IN_CREATE:
				CHECK(kind == 'f');
				c->create++;
				break;
			case IN_MODIFY:
				CHECK(kind == 'f');
				c->modify++;
				break;
			case IN_CLOSE_WRITE:
				CHECK(kind == 'f');
				c->close_write++;
				break;
			case IN_MOVED_FROM:
				CHECK(kind == 'f' && e->cookie != 0);
				c->pending_cookie = e->cookie;
				c->pending_idx = idx;
				c->moved_from++;
				break;
			case IN_MOVED_TO:
				CHECK(kind == 'g');
				if (e->cookie != c->pending_cookie || idx != c->pending_idx)
					FAIL("IN_MOVED_TO g%d cookie %u does not pair with f%d cookie %u", idx,
					     e->cookie, c->pending_idx, c->pending_cookie);
				c->moved_to++;
				break;
			case IN_DELETE:
				CHECK(kind == 'g');
				c->delete ++;
				break;
			default:
				FAIL("unexpected inotify mask %#x name %s", e->mask, e->len ? e->name : "");
			}
		}
	}
}

void w_inotify(int argc, char **argv)
{
	int fd[IN_INST], wd[IN_INST];
	struct incount cnt[IN_INST];
	memset(cnt, 0, sizeof cnt);
	SYS(mkdir("ino", 0755));
	for (int k = 0; k < IN_INST; k++) {
		fd[k] = SYS(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
		wd[k] = SYS(inotify_add_watch(fd[k], "ino", IN_WATCHED));
	}
	char f[64], g[64];
	for (int i = 0; i < IN_FILES; i++) {
		snprintf(f, sizeof f, "ino/f%d", i);
		snprintf(g, sizeof g, "ino/g%d", i);
		int x = SYS(open(f, O_CREAT | O_WRONLY | O_EXCL, 0644));
		CHECKV(write(x, "data", 4), 4);
		SYS(close(x));
		SYS(rename(f, g));
		SYS(unlink(g));
		if (i % 25 == 24)
			for (int k = 0; k < IN_INST; k++)
				in_drain(fd[k], wd[k], &cnt[k]);
	}
	for (int k = 0; k < IN_INST; k++) {
		in_drain(fd[k], wd[k], &cnt[k]);
		struct incount *c = &cnt[k];
		if (c->create != IN_FILES || c->modify != IN_FILES || c->close_write != IN_FILES ||
		    c->moved_from != IN_FILES || c->moved_to != IN_FILES || c->delete != IN_FILES)
			FAIL("instance %d: create %ld modify %ld close_write %ld moved_from %ld moved_to %ld delete %ld, want %d each",
			     k, c->create, c->modify, c->close_write, c->moved_from, c->moved_to, c->delete,
			     IN_FILES);
		close(fd[k]);
	}
	/* Watch churn: every removed watch says IN_IGNORED with its descriptor. */
	int in = SYS(inotify_init1(IN_NONBLOCK));
	SYS(mkdir("ino2", 0755));
	for (int i = 0; i < 500; i++) {
		int w = SYS(inotify_add_watch(in, "ino2", IN_CREATE));
		SYS(inotify_rm_watch(in, w));
		ERRNO(inotify_rm_watch(in, w), EINVAL);
		struct inotify_event e;
		CHECKV(read(in, &e, sizeof e), sizeof e);
		CHECKV(e.wd, w);
		CHECKV(e.mask, IN_IGNORED);
	}
	sayf("inotify: %d files created, renamed and deleted under %d instances; 500 watch add/remove\n",
	     IN_FILES, IN_INST);
}
