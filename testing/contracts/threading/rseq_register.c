/* rseq: registration and its EINVAL/EBUSY/EPERM rules, cpu_id fields written
 * on registration and refreshed on return to user space after a signal,
 * a critical section aborted to abort_ip by signal delivery (rseq_cs then
 * cleared), unregistration, and registration per thread (not inherited by
 * threads, inherited across fork). */
#include "contract.h"
#include <pthread.h>
#include <sched.h>
#include <sys/time.h>
#include <sys/mman.h>

#define SIG 0x53053053

struct rseq_area {
	uint32_t cpu_id_start, cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
} __attribute__((aligned(32)));

struct rseq_cs_desc {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));

static struct rseq_area rs, rs2;
static struct rseq_cs_desc cs;

extern char cs_start[], cs_end[], cs_abort[];
void spin_cs(void);
__asm__(".text\n"
	".globl spin_cs\n"
	"spin_cs:\n"
	"cs_start:\n"
	"	jmp cs_start\n"
	"cs_end:\n"
	"	.long 0x53053053\n"
	"cs_abort:\n"
	"	ret\n");

static long reg(void *p, uint32_t len, int flags, uint32_t sig) { return syscall(SYS_rseq, p, len, flags, sig); }

static volatile int got;
static void handler(int s) { (void)s; got++; }

static void *thread_fn(void *arg)
{
	(void)arg;
	/* a new thread starts unregistered: registering the same area elsewhere works */
	static struct rseq_area t __attribute__((aligned(32)));
	t.cpu_id = 1234;
	long r = reg(&t, sizeof t, 0, SIG);
	return (void *)(long)(r == 0 && t.cpu_id == 0 ? 1 : 0);
}

int main(void)
{
	/* The cpu_id checks compare with CPU 0: run there on any CPU count. */
	cpu_set_t cpu0;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	EQ("pin_cpu0", sched_setaffinity(0, sizeof cpu0, &cpu0), 0);
	ERR("unregister_none", reg(&rs, 32, 1, SIG), EINVAL);
	ERR("len31", reg(&rs, 31, 0, SIG), EINVAL);
	ERR("len64", reg(&rs, 64, 0, SIG), EINVAL);
	ERR("unaligned", reg((char *)&rs + 8, 32, 0, SIG), EINVAL);
	ERR("flags", reg(&rs, 32, 2, SIG), EINVAL);
	rs.cpu_id = 0xdead;
	rs.cpu_id_start = 0xdead;
	EQ("register", reg(&rs, 32, 0, SIG), 0);
	EQ("cpu_id", rs.cpu_id, sched_getcpu());
	EQ("cpu_id_start", rs.cpu_id_start, sched_getcpu());
	ERR("again", reg(&rs, 32, 0, SIG), EBUSY);
	ERR("again_sig", reg(&rs, 32, 0, SIG + 1), EPERM);
	ERR("again_other", reg(&rs2, 32, 0, SIG), EINVAL);
	ERR("again_len", reg(&rs, 64, 0, SIG), EINVAL);

	/* cpu_id refreshed on the way back from a signal */
	signal(SIGUSR1, handler);
	rs.cpu_id = 77;
	raise(SIGUSR1);
	EQ("cpu_id_after_signal", rs.cpu_id, 0);

	/* abort: the signal arrives while spinning inside the critical section */
	cs.version = 0;
	cs.flags = 0;
	cs.start_ip = (uintptr_t)cs_start;
	cs.post_commit_offset = (uintptr_t)cs_end - (uintptr_t)cs_start;
	cs.abort_ip = (uintptr_t)cs_abort;
	signal(SIGALRM, handler);
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	rs.rseq_cs = (uintptr_t)&cs;
	spin_cs(); /* returns only through abort_ip (preemption or the alarm) */
	OUT("aborted", "1");
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	EQ("rseq_cs_cleared", rs.rseq_cs, 0);

	/* a descriptor with the wrong signature before abort_ip: SIGSEGV */
	pid_t pid = SYS(fork());
	if (pid == 0) {
		static struct rseq_cs_desc bad __attribute__((aligned(32)));
		bad = cs;
		bad.abort_ip = (uintptr_t)cs_abort + 1;
		rs.rseq_cs = (uintptr_t)&bad;
		raise(SIGUSR1);
		_exit(0);
	}
	STREQ("bad_sig_child", wstatus(reap(pid)), "signal 11");
	/* fork keeps the registration */
	pid = SYS(fork());
	if (pid == 0) {
		long r = reg(&rs, 32, 0, SIG);
		_exit(r == -1 && errno == EBUSY ? 0 : 1);
	}
	STREQ("fork_inherits", wstatus(reap(pid)), "exit 0");
	/* an area that cannot be written: SIGSEGV on the way back to user space */
	pid = SYS(fork());
	if (pid == 0) {
		reg(&rs, 32, 1, SIG);
		void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		reg(ro, 32, 0, SIG);
		_exit(0);
	}
	STREQ("readonly_area_child", wstatus(reap(pid)), "signal 11");

	pthread_t th;
	void *tr;
	pthread_create(&th, NULL, thread_fn, NULL);
	pthread_join(th, &tr);
	EQ("thread_registers", (long)tr, 1);

	ERR("unregister_sig", reg(&rs, 32, 1, SIG + 1), EPERM);
	ERR("unregister_len", reg(&rs, 64, 1, SIG), EINVAL);
	ERR("unregister_other", reg(&rs2, 32, 1, SIG), EINVAL);
	ERR("unregister_flags", reg(&rs, 32, 3, SIG), EINVAL);
	EQ("unregister", reg(&rs, 32, 1, SIG), 0);
	EQ("cpu_id_unreg", (int32_t)rs.cpu_id, -1);
	EQ("cpu_id_start_unreg", rs.cpu_id_start, 0);
	EQ("register_other_now", reg(&rs2, 32, 0, SIG + 5), 0);
	pass();
}
