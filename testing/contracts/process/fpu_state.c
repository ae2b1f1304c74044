/* fpu_state: a thread's x87, SSE and AVX state (st0-st1, FCW, MXCSR,
 * xmm/ymm0-15) survives system calls, timer interrupts, switches to another
 * process using other values, fork and signal handlers (which start from a
 * clean FCW/MXCSR and whose changes to the saved frame take effect at
 * sigreturn); exec starts from the default FCW and MXCSR. The registers are
 * loaded and read back in one assembly routine so the compiler cannot touch
 * them in between. */
#include "contract.h"
#include <ucontext.h>

struct fpuvals {
	unsigned char st[2][16]; /* 80-bit values, 16-byte slots */
	unsigned short fcw, pad0;
	unsigned int mxcsr;
	unsigned char pad1[24];
	unsigned char vec[16][32]; /* ymm0-15 (xmm: the first 16 bytes) */
};

struct call {
	long nr, a0, a1, a2, spin, avx, ret;
};

/* fpu_roundtrip(in, out, call): load *in, make system call call->nr, spin
 * call->spin iterations, store into *out. FCW and MXCSR are left as loaded. */
void fpu_roundtrip(const struct fpuvals *in, struct fpuvals *out, struct call *c);
__asm__(
	".text\n"
	".globl fpu_roundtrip\n"
	"fpu_roundtrip:\n"
	"	push %rbx\n	push %r12\n	push %r13\n"
	"	mov %rdi, %r12\n	mov %rsi, %r13\n	mov %rdx, %rbx\n"
	"	fninit\n"
	"	fldt 0(%r12)\n	fldt 16(%r12)\n"
	"	fldcw 32(%r12)\n	ldmxcsr 36(%r12)\n"
	"	cmpq $0, 40(%rbx)\n	je 1f\n"
#define V(i) "	vmovdqu " #i "*32+64(%r12), %ymm" #i "\n"
	V(0) V(1) V(2) V(3) V(4) V(5) V(6) V(7) V(8) V(9) V(10) V(11) V(12) V(13) V(14) V(15)
#undef V
	"	jmp 2f\n"
	"1:\n"
#define V(i) "	movdqu " #i "*32+64(%r12), %xmm" #i "\n"
	V(0) V(1) V(2) V(3) V(4) V(5) V(6) V(7) V(8) V(9) V(10) V(11) V(12) V(13) V(14) V(15)
#undef V
	"2:\n"
	"	mov 0(%rbx), %rax\n	mov 8(%rbx), %rdi\n	mov 16(%rbx), %rsi\n	mov 24(%rbx), %rdx\n"
	"	syscall\n"
	"	mov %rax, 48(%rbx)\n"
	"	mov 32(%rbx), %rcx\n"
	"3:	test %rcx, %rcx\n	jz 4f\n	dec %rcx\n	jmp 3b\n"
	"4:\n"
	"	fnstcw 32(%r13)\n	stmxcsr 36(%r13)\n"
	"	fstpt 16(%r13)\n	fstpt 0(%r13)\n"
	"	cmpq $0, 40(%rbx)\n	je 5f\n"
#define V(i) "	vmovdqu %ymm" #i ", " #i "*32+64(%r13)\n"
	V(0) V(1) V(2) V(3) V(4) V(5) V(6) V(7) V(8) V(9) V(10) V(11) V(12) V(13) V(14) V(15)
#undef V
	"	vzeroupper\n"
	"	jmp 6f\n"
	"5:\n"
#define V(i) "	movdqu %xmm" #i ", " #i "*32+64(%r13)\n"
	V(0) V(1) V(2) V(3) V(4) V(5) V(6) V(7) V(8) V(9) V(10) V(11) V(12) V(13) V(14) V(15)
#undef V
	"6:\n"
	"	pop %r13\n	pop %r12\n	pop %rbx\n"
	"	ret\n");

static int avx;

static int have_avx(void)
{
	unsigned a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)) || !(c & (1u << 28)))
		return 0;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static void set_control(unsigned short fcw, unsigned mxcsr)
{
	__asm__ volatile("fldcw %0\n\tldmxcsr %1" : : "m"(fcw), "m"(mxcsr));
}

static void get_control(unsigned short *fcw, unsigned *mxcsr)
{
	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(*fcw), "=m"(*mxcsr));
}

/* fill gives each process and check its own register values. */
static void fill(struct fpuvals *v, unsigned seed)
{
	memset(v, 0, sizeof *v);
	long double a = 1.0L / (3 + seed), b = 3.14159265358979323846L * (seed + 1);
	memcpy(v->st[0], &a, 10);
	memcpy(v->st[1], &b, 10);
	v->fcw = seed & 1 ? 0x067f : 0x0a7f; /* round down/up, double precision */
	v->mxcsr = seed & 1 ? 0xdf80 : 0x3f80; /* round up + FTZ / toward zero */
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j++)
			v->vec[i][j] = (unsigned char)(seed * 131 + i * 17 + j * 7 + 1);
}

/* same compares what survived; without AVX only the low 16 bytes exist. */
static int same(const struct fpuvals *a, const struct fpuvals *b)
{
	if (memcmp(a->st[0], b->st[0], 10) || memcmp(a->st[1], b->st[1], 10))
		return 0;
	if (a->fcw != b->fcw || a->mxcsr != b->mxcsr)
		return 0;
	for (int i = 0; i < 16; i++)
		if (memcmp(a->vec[i], b->vec[i], avx ? 32 : 16))
			return 0;
	return 1;
}

static int roundtrip(unsigned seed, long nr, long a0, long a1, long a2, long spin)
{
	struct fpuvals in, out;
	struct call c = {nr, a0, a1, a2, spin, avx, 0};
	fill(&in, seed);
	memset(&out, 0xee, sizeof out);
	fpu_roundtrip(&in, &out, &c);
	set_control(0x37f, 0x1f80);
	return same(&in, &out);
}

static volatile unsigned short handler_fcw;
static volatile unsigned handler_mxcsr;
static volatile int frame_matches;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	unsigned short fcw;
	unsigned mxcsr;
	get_control(&fcw, &mxcsr);
	handler_fcw = fcw;
	handler_mxcsr = mxcsr;
	ucontext_t *uc = ctx;
	struct fpuvals want;
	fill(&want, 5);
	struct _fpstate *fp = uc->uc_mcontext.fpregs;
	frame_matches = fp != NULL && fp->cwd == want.fcw && fp->mxcsr == want.mxcsr &&
			!memcmp(&fp->_xmm[5], want.vec[5], 16) && !memcmp(&fp->_st[0], want.st[1], 10);
	/* Clobber everything the interrupted code holds... */
	struct fpuvals junk, out;
	struct call c = {SYS_getppid, 0, 0, 0, 0, avx, 0};
	fill(&junk, 9);
	fpu_roundtrip(&junk, &out, &c);
	/* ...and change one register in the frame: sigreturn must load it. */
	if (fp != NULL)
		fp->_xmm[3].element[0] = 0x12345678;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
		unsigned short fcw;
		unsigned mxcsr;
		get_control(&fcw, &mxcsr);
		OUT("exec_fcw", "%#x", fcw);
		OUT("exec_mxcsr", "%#x", mxcsr);
		return 0;
	}
	avx = have_avx();
	OUT("avx", "%d", avx);

	int zero = SYS(open("/dev/zero", O_RDONLY));
	char byte;
	EQ("getppid_keeps", roundtrip(1, SYS_getppid, 0, 0, 0, 0), 1);
	EQ("read_keeps", roundtrip(2, SYS_read, zero, (long)&byte, 1, 0), 1);
	EQ("ticks_keep", roundtrip(3, SYS_getppid, 0, 0, 0, 20000000), 1);

	/* Two processes with different values, switching at every yield and
	 * at timer ticks while they spin. */
	fflush(stdout);
	pid_t pid = SYS(fork());
	unsigned seed = pid == 0 ? 7 : 8;
	int ok = 1;
	for (int i = 0; i < 40; i++)
		ok &= roundtrip(seed, SYS_sched_yield, 0, 0, 0, 200000);
	if (pid == 0)
		_exit(ok ? 0 : 1);
	EQ("switch_keeps_parent", ok, 1);
	STREQ("switch_keeps_child", wstatus(reap(pid)), "exit 0");

	/* A raw fork inside the routine: the child starts from the parent's
	 * registers. */
	{
		struct fpuvals in, out;
		struct call c = {SYS_fork, 0, 0, 0, 0, avx, 0};
		fill(&in, 4);
		fpu_roundtrip(&in, &out, &c);
		set_control(0x37f, 0x1f80);
		if (c.ret == 0)
			syscall(SYS_exit_group, same(&in, &out) ? 0 : 1);
		CHECK(c.ret > 0);
		EQ("fork_parent_keeps", same(&in, &out), 1);
		STREQ("fork_child_inherits", wstatus(reap(c.ret)), "exit 0");
	}

	/* A signal delivered on the way back from kill(2). */
	struct sigaction sa = {0};
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGUSR1, &sa, NULL));
	{
		struct fpuvals in, out;
		struct call c = {SYS_kill, getpid(), SIGUSR1, 0, 0, avx, 0};
		fill(&in, 5);
		fpu_roundtrip(&in, &out, &c);
		set_control(0x37f, 0x1f80);
		EQ("kill_ret", c.ret, 0);
		OUT("handler_fcw", "%#x", handler_fcw);
		OUT("handler_mxcsr", "%#x", handler_mxcsr);
		EQ("frame_holds_interrupted_state", frame_matches, 1);
		unsigned got;
		memcpy(&got, out.vec[3], 4);
		EQ("frame_change_applied", got, 0x12345678);
		memcpy(out.vec[3], in.vec[3], 4);
		EQ("sigreturn_restores_rest", same(&in, &out), 1);
	}

	/* exec starts from the default control words. */
	fflush(stdout);
	pid = SYS(fork());
	if (pid == 0) {
		set_control(0x067f, 0xdf80);
		execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
		_exit(127);
	}
	STREQ("exec_child", wstatus(reap(pid)), "exit 0");
	pass();
}
