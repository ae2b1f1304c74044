/*
 * signals.c: handlers with siginfo, masks and pending sets, sigaltstack,
 * SA_RESTART against a read interrupted by a timer, EINTR without it,
 * SA_RESETHAND/SA_NODEFER, sigsuspend, sigtimedwait, SIGCHLD, default
 * actions, and SIGSEGV/SIGFPE handlers that siglongjmp out of the fault.
 */
#include "contract.h"
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t hits, last_code, last_signo, on_alt, depth, maxdepth, calls;
static volatile sig_atomic_t alarms;
static char *alt_lo, *alt_hi;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	last_signo = sig;
	last_code = si->si_code;
}

static void alt_handler(int sig)
{
	(void)sig;
	char here;
	stack_t ss;
	on_alt = (&here > alt_lo && &here < alt_hi);
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK))
		on_alt |= 2;
}

static void nodefer_handler(int sig)
{
	depth++;
	calls++;
	if (depth > maxdepth)
		maxdepth = depth;
	if (calls < 3)
		raise(sig); /* with SA_NODEFER this nests at once, else it waits */
	depth--;
}

static void alarm_handler(int sig)
{
	(void)sig;
	alarms++;
}

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code, fault_sig;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(jb, 1);
}

static const char *setname(const sigset_t *s)
{
	static char buf[64];
	buf[0] = 0;
	int sigs[] = {SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGTERM, SIGCHLD, SIGALRM};
	const char *names[] = {"HUP", "INT", "USR1", "USR2", "TERM", "CHLD", "ALRM"};
	for (int i = 0; i < 7; i++)
		if (sigismember(s, sigs[i])) {
			strcat(buf, names[i]);
			strcat(buf, " ");
		}
	return buf[0] ? buf : "(none)";
}

/* restart_read forks a child that writes to a pipe after 300 ms while a
 * 20 ms interval timer interrupts the parent's blocking read. */
static void restart_read(int restart)
{
	struct sigaction sa = {0};
	sa.sa_handler = alarm_handler;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		close(p[0]);
		struct timespec ts = {0, 300 * 1000 * 1000};
		while (nanosleep(&ts, &ts) != 0)
			;
		write(p[1], "hello", 5);
		_exit(0);
	}
	close(p[1]);
	alarms = 0;
	struct itimerval it = {{0, 20000}, {0, 20000}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	char buf[16];
	errno = 0;
	ssize_t n = read(p[0], buf, sizeof buf);
	int e = errno;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	if (restart)
		OUT("sa_restart_read", "n=%zd %s alarms_ge_2=%d", n, n == 5 ? "data" : errname(e), alarms >= 2);
	else
		OUT("no_restart_read", "n=%zd %s alarms_ge_1=%d", n, n < 0 ? errname(e) : "data", alarms >= 1);
	reap(c);
	close(p[0]);
	signal(SIGALRM, SIG_IGN);
}

int main(void)
{
	struct sigaction sa = {0};
	sigset_t set, old, pend;

	/* siginfo from raise (tgkill), kill and sigqueue. */
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	OUT("raise", "hits=%d signo=%d code=%d", hits, last_signo, last_code);
	kill(getpid(), SIGUSR1);
	OUT("kill", "hits=%d code=%d", hits, last_code);
	union sigval sv = {.sival_int = 42};
	sigqueue(getpid(), SIGUSR1, sv);
	OUT("sigqueue", "hits=%d code=%d", hits, last_code);

	/* Masking: a blocked signal stays pending and is delivered on unblock,
	 * before sigprocmask returns. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	OUT("old_mask", "%s", setname(&old));
	hits = 0;
	raise(SIGUSR1);
	raise(SIGUSR1); /* standard signals do not queue */
	sigpending(&pend);
	OUT("pending", "%s hits=%d", setname(&pend), hits);
	sigprocmask(SIG_SETMASK, NULL, &old);
	OUT("cur_mask", "%s", setname(&old));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	OUT("after_unblock", "hits=%d", hits);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* SIGKILL and SIGSTOP cannot be caught or blocked. */
	errno = 0;
	OUT("catch_sigkill", "%s", sigaction(SIGKILL, &sa, NULL) < 0 ? errname(errno) : "ok");
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	sigprocmask(SIG_SETMASK, NULL, &old);
	OUT("fill_mask_has_kill_stop", "%d %d", sigismember(&old, SIGKILL), sigismember(&old, SIGSTOP));
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	/* sigaltstack. */
	stack_t ss = {0};
	ss.ss_size = 64 * 1024;
	ss.ss_sp = malloc(ss.ss_size);
	alt_lo = ss.ss_sp;
	alt_hi = alt_lo + ss.ss_size;
	CHECK(sigaltstack(&ss, NULL) == 0);
	struct sigaction as = {0};
	as.sa_handler = alt_handler;
	as.sa_flags = SA_ONSTACK;
	sigemptyset(&as.sa_mask);
	CHECK(sigaction(SIGUSR2, &as, NULL) == 0);
	raise(SIGUSR2);
	OUT("altstack", "on_alt=%d", on_alt);
	as.sa_flags = 0;
	sigaction(SIGUSR2, &as, NULL);
	on_alt = 0;
	raise(SIGUSR2);
	OUT("no_onstack_flag", "on_alt=%d", on_alt);
	stack_t cur;
	sigaltstack(NULL, &cur);
	OUT("altstack_query", "size_ok=%d flags=%d", cur.ss_size == ss.ss_size, cur.ss_flags);
	stack_t small = {.ss_sp = alt_lo, .ss_size = 512};
	errno = 0;
	OUT("altstack_too_small", "%s", sigaltstack(&small, NULL) < 0 ? errname(errno) : "ok");

	/* SA_NODEFER lets the handler nest; without it the signal waits. */
	struct sigaction nd = {0};
	nd.sa_handler = nodefer_handler;
	nd.sa_flags = SA_NODEFER;
	sigemptyset(&nd.sa_mask);
	sigaction(SIGHUP, &nd, NULL);
	raise(SIGHUP);
	OUT("nodefer", "maxdepth=%d calls=%d", maxdepth, calls);
	nd.sa_flags = 0;
	sigaction(SIGHUP, &nd, NULL);
	maxdepth = depth = calls = 0;
	raise(SIGHUP);
	OUT("defer", "maxdepth=%d calls=%d", maxdepth, calls);

	/* SA_RESETHAND: one delivery, then the default action again. */
	struct sigaction rh = {0};
	rh.sa_sigaction = info_handler;
	rh.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&rh.sa_mask);
	sigaction(SIGINT, &rh, NULL);
	hits = 0;
	raise(SIGINT);
	struct sigaction now;
	sigaction(SIGINT, NULL, &now);
	OUT("resethand", "hits=%d reset_to_default=%d", hits, now.sa_handler == SIG_DFL);

	/* SA_RESTART restarts a read interrupted by a timer; without it EINTR. */
	restart_read(1);
	restart_read(0);

	/* sigsuspend returns -1 EINTR after the handler ran. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigset_t waitmask;
	sigemptyset(&waitmask);
	hits = 0;
	errno = 0;
	int r = sigsuspend(&waitmask);
	OUT("sigsuspend", "r=%d %s hits=%d code=%d", r, errname(errno), hits, last_code);
	reap(c);

	/* sigtimedwait takes a pending signal without running the handler, and
	 * times out with EAGAIN. */
	raise(SIGUSR1);
	siginfo_t si;
	struct timespec zero = {0, 0}, short_ts = {0, 50 * 1000 * 1000};
	hits = 0;
	r = sigtimedwait(&set, &si, &zero);
	OUT("sigtimedwait", "r=%d signo=%d code=%d hits=%d", r, si.si_signo, si.si_code, hits);
	errno = 0;
	r = sigtimedwait(&set, &si, &short_ts);
	OUT("sigtimedwait_timeout", "r=%d %s", r, errname(errno));
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* SIGCHLD carries the child's status. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	c = fork();
	CHECK(c >= 0);
	if (c == 0)
		_exit(7);
	r = sigwaitinfo(&set, &si);
	OUT("sigchld", "signo=%d code=%d status=%d pid_ok=%d", si.si_signo, si.si_code, si.si_status, si.si_pid == c);
	reap(c);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* Default actions seen through wait status. */
	int sigs[] = {SIGTERM, SIGUSR1, SIGSEGV, SIGABRT, SIGKILL};
	for (int i = 0; i < 5; i++) {
		c = fork();
		CHECK(c >= 0);
		if (c == 0) {
			signal(SIGUSR1, SIG_DFL);
			raise(sigs[i]);
			_exit(99);
		}
		int st = reap(c);
		OUT("default", "sig=%d -> %s", sigs[i], wstatus(st));
	}
	/* A real fault with the default action kills the process. */
	c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		volatile int *volatile bad = (volatile int *)16;
		*bad = 1;
		_exit(99);
	}
	OUT("default_fault", "%s", wstatus(reap(c)));
	/* An ignored signal does nothing; SIGCHLD's default is to ignore. */
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	raise(SIGWINCH);
	OUT("ignored", "still here");

	/* SIGSEGV from a write to a read-only page and from an unmapped address,
	 * then a SIGFPE; each handler siglongjmps out and the mask comes back. */
	struct sigaction fs = {0};
	fs.sa_sigaction = fault_handler;
	fs.sa_flags = SA_SIGINFO;
	sigemptyset(&fs.sa_mask);
	sigaction(SIGSEGV, &fs, NULL);
	sigaction(SIGFPE, &fs, NULL);
	sigaction(SIGBUS, &fs, NULL);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED);
	for (int round = 0; round < 3; round++) {
		if (sigsetjmp(jb, 1) == 0) {
			*(volatile char *)(ro + 100) = 1;
			OUT("segv_ro", "no fault");
		} else {
			OUT("segv_ro", "sig=%d code=%d addr_ok=%d", fault_sig, fault_code, fault_addr == ro + 100);
		}
	}
	munmap(ro, 4096);
	if (sigsetjmp(jb, 1) == 0) {
		*(volatile char *)(ro + 8) = 1;
		OUT("segv_unmapped", "no fault");
	} else {
		OUT("segv_unmapped", "sig=%d code=%d addr_ok=%d", fault_sig, fault_code, fault_addr == ro + 8);
	}
	if (sigsetjmp(jb, 1) == 0) {
		*(volatile int *)0 = 1;
		OUT("segv_null", "no fault");
	} else {
		OUT("segv_null", "sig=%d code=%d addr=%p", fault_sig, fault_code, (void *)fault_addr);
	}
	if (sigsetjmp(jb, 1) == 0) {
		volatile int zero_div = 0;
		volatile int x = 10 / zero_div;
		(void)x;
		OUT("fpe", "no fault");
	} else {
		OUT("fpe", "sig=%d code=%d", fault_sig, fault_code);
	}
	sigprocmask(SIG_SETMASK, NULL, &old);
	OUT("mask_after_longjmp", "%s segv_blocked=%d", setname(&old), sigismember(&old, SIGSEGV));
	pass();
}
