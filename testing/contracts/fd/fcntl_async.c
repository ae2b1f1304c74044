/* O_ASYNC (signal-driven I/O): with F_SETOWN set, a pipe's read end
 * signals SIGIO (si_code SI_KERNEL) when data arrives, or the F_SETSIG
 * signal with si_code POLL_IN, si_fd and si_band (on every write call,
 * even one that finds no room); the write end signals POLL_OUT when a read
 * frees space; a socketpair and FIOASYNC do the same; a regular file (no
 * fasync operation) does not even keep the O_ASYNC flag; a closed
 * description sends nothing. */
#include "contract.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static sigset_t set;

/* drain counts the signals pending in set, printing the first one's
 * fields. */
static void drain(const char *key)
{
	siginfo_t si;
	struct timespec zero = {0, 0};
	int n = 0, s;
	char first[160] = "none";
	while ((s = sigtimedwait(&set, &si, &zero)) > 0) {
		if (n++ == 0)
			snprintf(first, sizeof first, "sig=%s code=%d fd=%d band=%#lx", s == SIGIO ? "SIGIO" : s == SIGRTMIN + 1 ? "RT1" : "other",
			         si.si_code, s == SIGIO && si.si_code == SI_KERNEL ? -1 : si.si_fd,
			         s == SIGIO && si.si_code == SI_KERNEL ? 0L : (long)si.si_band);
	}
	OUT(key, "count=%d first: %s", n, first);
}

int main(void)
{
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigaddset(&set, SIGRTMIN + 1);
	SYS(sigprocmask(SIG_BLOCK, &set, NULL));
	int p[2];
	SYS(pipe(p));
	/* Renumber to known descriptors so si_fd prints the same. */
	SYS(dup2(p[0], 10));
	SYS(dup2(p[1], 11));
	close(p[0]);
	close(p[1]);
	int r = 10, w = 11;

	SYS(write(w, "x", 1));
	drain("no_async_yet");
	SYS(fcntl(r, F_SETOWN, getpid()));
	SYS(fcntl(r, F_SETFL, fcntl(r, F_GETFL) | O_ASYNC));
	EQ("getfl_async", (fcntl(r, F_GETFL) & O_ASYNC) != 0, 1);
	SYS(write(w, "y", 1));
	drain("pipe_sigio");
	SYS(fcntl(r, F_SETSIG, SIGRTMIN + 1));
	SYS(write(w, "z", 1));
	SYS(write(w, "z", 1));
	drain("pipe_setsig_two_writes");
	char buf[64];
	SYS(read(r, buf, sizeof buf));
	drain("read_no_signal_to_reader");

	/* The write end: a read that frees space signals POLL_OUT. */
	SYS(fcntl(w, F_SETOWN, getpid()));
	SYS(fcntl(w, F_SETSIG, SIGRTMIN + 1));
	SYS(fcntl(w, F_SETFL, fcntl(w, F_GETFL) | O_ASYNC | O_NONBLOCK));
	long total = 0, n;
	static char big[65536];
	while ((n = write(w, big, sizeof big)) > 0)
		total += n;
	EQ("filled", total, 65536);
	drain("fill_signals_reader");
	SYS(read(r, big, 4096));
	drain("read_signals_writer");
	SYS(fcntl(w, F_SETFL, fcntl(w, F_GETFL) & ~O_ASYNC));
	SYS(read(r, big, 4096));
	drain("after_async_off");

	/* The reader's description closed: nothing more. */
	SYS(close(r));
	drain("before_close_writes");

	/* A socketpair, turned on with FIOASYNC. */
	int sv[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	SYS(dup2(sv[0], 12));
	SYS(fcntl(12, F_SETOWN, getpid()));
	int on = 1;
	SYS(ioctl(12, FIOASYNC, &on));
	EQ("fioasync_sets_flag", (fcntl(12, F_GETFL) & O_ASYNC) != 0, 1);
	SYS(write(sv[1], "s", 1));
	drain("socket_sigio");

	/* A regular file: the flag only. */
	int fd = SYS(open("f", O_RDWR | O_CREAT, 0600));
	SYS(fcntl(fd, F_SETOWN, getpid()));
	SYS(fcntl(fd, F_SETFL, O_ASYNC));
	EQ("file_flag_not_kept", (fcntl(fd, F_GETFL) & O_ASYNC) != 0, 0);
	SYS(write(fd, "abc", 3));
	SYS(pread(fd, buf, 3, 0));
	drain("regular_file");
	pass();
}
