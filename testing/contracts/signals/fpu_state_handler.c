/* The x87 and SSE registers of interrupted code survive a signal handler
 * that changes them, and the frame's FPU image is what the kernel's FPU
 * save format says: with XSAVE (UC_FP_XSTATE) the fpx_sw_bytes and
 * FP_XSTATE_MAGIC2 after the image; without XSAVE (-cpu qemu64) the bare
 * 512-byte FXSAVE image. The handler starts from the default control
 * words, sees the interrupted registers in the frame, changes one saved
 * XMM register there (rt_sigreturn must load it) and clobbers every live
 * XMM register, MXCSR and the x87 stack before returning. */
#include "contract.h"
#include <string.h>
#include <ucontext.h>

#define MAGIC1 0x46505853u
#define MAGIC2 0x46505845u

static volatile int seen;
static volatile unsigned fcw_in, mxcsr_in, frame_xmm3_ok, frame_st0_ok;
static volatile unsigned long uc_fp_xstate, magic1_ok, magic2_ok, ext_size, xfeatures, xstate_size;
static unsigned char pattern[16];
static unsigned char in[16][16];
static double fin[2] = {1.25, -3.5};

static void h(int s, siginfo_t *si, void *ucv)
{
	(void)s;
	(void)si;
	ucontext_t *uc = ucv;
	unsigned short cw;
	unsigned mx;
	__asm__ volatile("fnstcw %0; stmxcsr %1" : "=m"(cw), "=m"(mx));
	fcw_in = cw;
	mxcsr_in = mx;
	unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
	uc_fp_xstate = uc->uc_flags & 1;
	frame_xmm3_ok = memcmp(fp + 160 + 3 * 16, in[3], 16) == 0;
	/* ST(0) is fin[1] (loaded last); 80-bit extended of -3.5. */
	long double top = -3.5L;
	frame_st0_ok = memcmp(fp + 32, &top, 10) == 0;
	unsigned *sw = (unsigned *)(fp + 464);
	magic1_ok = sw[0] == MAGIC1;
	if (magic1_ok) {
		ext_size = sw[1];
		xfeatures = *(unsigned long *)(fp + 472);
		xstate_size = sw[4];
		if (xstate_size >= 512 && xstate_size <= 65536)
			magic2_ok = *(unsigned *)(fp + xstate_size) == MAGIC2;
	}
	memcpy(fp + 160 + 15 * 16, pattern, 16); /* rt_sigreturn loads this into XMM15 */
	unsigned newmx = 0x7f80; /* round down */
	__asm__ volatile(
		"pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\t"
		"pcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\tpcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
		"pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm9, %%xmm9\n\tpcmpeqd %%xmm10, %%xmm10\n\tpcmpeqd %%xmm11, %%xmm11\n\t"
		"pcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\tpcmpeqd %%xmm14, %%xmm14\n\tpcmpeqd %%xmm15, %%xmm15\n\t"
		"ldmxcsr %0\n\t"
		"fldpi\n\tfld1\n\tfldz\n\tfstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)\n\t"
		:
		: "m"(newmx)
		: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15");
	seen++;
}

int main(void)
{
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			in[i][j] = (unsigned char)(i * 16 + j + 1);
	for (int j = 0; j < 16; j++)
		pattern[j] = (unsigned char)(0xa0 + j);
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	SYS(sigaction(SIGUSR1, &sa, NULL));

	static unsigned char out[16][16];
	static double fout[2];
	unsigned mx_after;
	long rax = SYS_kill;
	/* Load every XMM register and two x87 values, send SIGUSR1 to this
	 * process (delivered on the way back from the system call), then
	 * store what the registers hold afterwards. */
	__asm__ volatile(
		"movdqu 0(%[in]), %%xmm0\n\tmovdqu 16(%[in]), %%xmm1\n\tmovdqu 32(%[in]), %%xmm2\n\tmovdqu 48(%[in]), %%xmm3\n\t"
		"movdqu 64(%[in]), %%xmm4\n\tmovdqu 80(%[in]), %%xmm5\n\tmovdqu 96(%[in]), %%xmm6\n\tmovdqu 112(%[in]), %%xmm7\n\t"
		"movdqu 128(%[in]), %%xmm8\n\tmovdqu 144(%[in]), %%xmm9\n\tmovdqu 160(%[in]), %%xmm10\n\tmovdqu 176(%[in]), %%xmm11\n\t"
		"movdqu 192(%[in]), %%xmm12\n\tmovdqu 208(%[in]), %%xmm13\n\tmovdqu 224(%[in]), %%xmm14\n\tmovdqu 240(%[in]), %%xmm15\n\t"
		"fldl 0(%[fin])\n\tfldl 8(%[fin])\n\t"
		"syscall\n\t"
		"fstpl 8(%[fout])\n\tfstpl 0(%[fout])\n\t"
		"movdqu %%xmm0, 0(%[out])\n\tmovdqu %%xmm1, 16(%[out])\n\tmovdqu %%xmm2, 32(%[out])\n\tmovdqu %%xmm3, 48(%[out])\n\t"
		"movdqu %%xmm4, 64(%[out])\n\tmovdqu %%xmm5, 80(%[out])\n\tmovdqu %%xmm6, 96(%[out])\n\tmovdqu %%xmm7, 112(%[out])\n\t"
		"movdqu %%xmm8, 128(%[out])\n\tmovdqu %%xmm9, 144(%[out])\n\tmovdqu %%xmm10, 160(%[out])\n\tmovdqu %%xmm11, 176(%[out])\n\t"
		"movdqu %%xmm12, 192(%[out])\n\tmovdqu %%xmm13, 208(%[out])\n\tmovdqu %%xmm14, 224(%[out])\n\tmovdqu %%xmm15, 240(%[out])\n\t"
		"stmxcsr %[mx]\n\t"
		: "+a"(rax), [mx] "=m"(mx_after)
		: "D"((long)getpid()), "S"((long)SIGUSR1), [in] "r"(in), [out] "r"(out), [fin] "r"(fin), [fout] "r"(fout)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	EQ("kill", rax, 0);
	EQ("handler_ran", seen, 1);
	OUT("handler_fcw", "%#x", fcw_in);
	OUT("handler_mxcsr", "%#x", mxcsr_in);
	EQ("frame_xmm3_is_interrupted", frame_xmm3_ok, 1);
	EQ("frame_st0_is_interrupted", frame_st0_ok, 1);
	OUT("uc_fp_xstate", "%lu", uc_fp_xstate);
	OUT("magic1", "%lu", magic1_ok);
	OUT("extended_size_minus_xstate_size", "%ld", (long)ext_size - (long)xstate_size);
	OUT("xfeatures_fp_sse", "%lu", xfeatures & 3);
	if (!uc_fp_xstate) { /* the FXSAVE image: sizes and features exactly */
		OUT("fx_xstate_size", "%lu", xstate_size);
		OUT("fx_xfeatures", "%#lx", xfeatures);
	}
	OUT("magic2", "%lu", magic2_ok);
	int same = 1;
	for (int i = 0; i < 15; i++)
		if (memcmp(out[i], in[i], 16) != 0) {
			OUT("xmm_changed", "%d", i);
			same = 0;
		}
	EQ("xmm0_14_survive", same, 1);
	EQ("xmm15_from_frame", memcmp(out[15], pattern, 16) == 0, 1);
	EQ("x87_survives", fout[0] == fin[0] && fout[1] == fin[1], 1);
	OUT("mxcsr_after", "%#x", mx_after & 0xffbf);
	pass();
}
