#include "go_asm.h"
#include "textflag.h"
#include "fxsave_amd64.h"

// Segment selectors (see gdt.go).
#define KCODE 0x08
#define KDATA 0x10

// SAVE_FRAME stores the general-purpose and X0-X15 registers below an
// interrupt frame whose vector slot SP points at, leaving SP at the start of
// a trapFrame. Nucleus Go code is compiled for GOAMD64=v1 and only touches
// X0-X15 with legacy SSE instructions, which leave the upper YMM/ZMM halves
// alone, so these sixteen registers are all of the FPU state a trap handler
// can disturb.
#define SAVE_FRAME \
	SUBQ	$trapFrame_vector, SP; \
	MOVQ	R15, trapFrame_r15(SP); \
	MOVQ	R14, trapFrame_r14(SP); \
	MOVQ	R13, trapFrame_r13(SP); \
	MOVQ	R12, trapFrame_r12(SP); \
	MOVQ	R11, trapFrame_r11(SP); \
	MOVQ	R10, trapFrame_r10(SP); \
	MOVQ	R9, trapFrame_r9(SP); \
	MOVQ	R8, trapFrame_r8(SP); \
	MOVQ	BP, trapFrame_rbp(SP); \
	MOVQ	DI, trapFrame_rdi(SP); \
	MOVQ	SI, trapFrame_rsi(SP); \
	MOVQ	DX, trapFrame_rdx(SP); \
	MOVQ	CX, trapFrame_rcx(SP); \
	MOVQ	BX, trapFrame_rbx(SP); \
	MOVQ	AX, trapFrame_rax(SP); \
	SAVE_XMM

#define SAVE_XMM \
	MOVUPS	X0, (trapFrame_xmm+0*16)(SP); \
	MOVUPS	X1, (trapFrame_xmm+1*16)(SP); \
	MOVUPS	X2, (trapFrame_xmm+2*16)(SP); \
	MOVUPS	X3, (trapFrame_xmm+3*16)(SP); \
	MOVUPS	X4, (trapFrame_xmm+4*16)(SP); \
	MOVUPS	X5, (trapFrame_xmm+5*16)(SP); \
	MOVUPS	X6, (trapFrame_xmm+6*16)(SP); \
	MOVUPS	X7, (trapFrame_xmm+7*16)(SP); \
	MOVUPS	X8, (trapFrame_xmm+8*16)(SP); \
	MOVUPS	X9, (trapFrame_xmm+9*16)(SP); \
	MOVUPS	X10, (trapFrame_xmm+10*16)(SP); \
	MOVUPS	X11, (trapFrame_xmm+11*16)(SP); \
	MOVUPS	X12, (trapFrame_xmm+12*16)(SP); \
	MOVUPS	X13, (trapFrame_xmm+13*16)(SP); \
	MOVUPS	X14, (trapFrame_xmm+14*16)(SP); \
	MOVUPS	X15, (trapFrame_xmm+15*16)(SP)

#define RESTORE_XMM \
	MOVUPS	(trapFrame_xmm+0*16)(SP), X0; \
	MOVUPS	(trapFrame_xmm+1*16)(SP), X1; \
	MOVUPS	(trapFrame_xmm+2*16)(SP), X2; \
	MOVUPS	(trapFrame_xmm+3*16)(SP), X3; \
	MOVUPS	(trapFrame_xmm+4*16)(SP), X4; \
	MOVUPS	(trapFrame_xmm+5*16)(SP), X5; \
	MOVUPS	(trapFrame_xmm+6*16)(SP), X6; \
	MOVUPS	(trapFrame_xmm+7*16)(SP), X7; \
	MOVUPS	(trapFrame_xmm+8*16)(SP), X8; \
	MOVUPS	(trapFrame_xmm+9*16)(SP), X9; \
	MOVUPS	(trapFrame_xmm+10*16)(SP), X10; \
	MOVUPS	(trapFrame_xmm+11*16)(SP), X11; \
	MOVUPS	(trapFrame_xmm+12*16)(SP), X12; \
	MOVUPS	(trapFrame_xmm+13*16)(SP), X13; \
	MOVUPS	(trapFrame_xmm+14*16)(SP), X14; \
	MOVUPS	(trapFrame_xmm+15*16)(SP), X15

// SAVE_USER_FPU stores the user's SSE and AVX state (and AVX-512 state, with
// XSAVE) in the XSAVE image at DI, in XSAVE's standard format, and marks the
// components present in XSTATE_BV. x87 stays in the CPU (cpu.x87Owner).
// Under TCG, register moves cost a small fraction of XSAVE, which goes
// through a helper call per 8-byte store. Clobbers AX, DX.
#define SAVE_USER_FPU \
	STMXCSR	24(DI); \
	MOVUPS	X0, (const_xsaveXMMOff+0*16)(DI); \
	MOVUPS	X1, (const_xsaveXMMOff+1*16)(DI); \
	MOVUPS	X2, (const_xsaveXMMOff+2*16)(DI); \
	MOVUPS	X3, (const_xsaveXMMOff+3*16)(DI); \
	MOVUPS	X4, (const_xsaveXMMOff+4*16)(DI); \
	MOVUPS	X5, (const_xsaveXMMOff+5*16)(DI); \
	MOVUPS	X6, (const_xsaveXMMOff+6*16)(DI); \
	MOVUPS	X7, (const_xsaveXMMOff+7*16)(DI); \
	MOVUPS	X8, (const_xsaveXMMOff+8*16)(DI); \
	MOVUPS	X9, (const_xsaveXMMOff+9*16)(DI); \
	MOVUPS	X10, (const_xsaveXMMOff+10*16)(DI); \
	MOVUPS	X11, (const_xsaveXMMOff+11*16)(DI); \
	MOVUPS	X12, (const_xsaveXMMOff+12*16)(DI); \
	MOVUPS	X13, (const_xsaveXMMOff+13*16)(DI); \
	MOVUPS	X14, (const_xsaveXMMOff+14*16)(DI); \
	MOVUPS	X15, (const_xsaveXMMOff+15*16)(DI); \
	MOVQ	cpu_xstateFast(GS), AX; \
	ORQ	AX, 512(DI); \
	TESTQ	$4, AX; \
	JZ	noymm; \
	VEXTRACTF128	$1, Y0, (const_xsaveYMMHiOff+0*16)(DI); \
	VEXTRACTF128	$1, Y1, (const_xsaveYMMHiOff+1*16)(DI); \
	VEXTRACTF128	$1, Y2, (const_xsaveYMMHiOff+2*16)(DI); \
	VEXTRACTF128	$1, Y3, (const_xsaveYMMHiOff+3*16)(DI); \
	VEXTRACTF128	$1, Y4, (const_xsaveYMMHiOff+4*16)(DI); \
	VEXTRACTF128	$1, Y5, (const_xsaveYMMHiOff+5*16)(DI); \
	VEXTRACTF128	$1, Y6, (const_xsaveYMMHiOff+6*16)(DI); \
	VEXTRACTF128	$1, Y7, (const_xsaveYMMHiOff+7*16)(DI); \
	VEXTRACTF128	$1, Y8, (const_xsaveYMMHiOff+8*16)(DI); \
	VEXTRACTF128	$1, Y9, (const_xsaveYMMHiOff+9*16)(DI); \
	VEXTRACTF128	$1, Y10, (const_xsaveYMMHiOff+10*16)(DI); \
	VEXTRACTF128	$1, Y11, (const_xsaveYMMHiOff+11*16)(DI); \
	VEXTRACTF128	$1, Y12, (const_xsaveYMMHiOff+12*16)(DI); \
	VEXTRACTF128	$1, Y13, (const_xsaveYMMHiOff+13*16)(DI); \
	VEXTRACTF128	$1, Y14, (const_xsaveYMMHiOff+14*16)(DI); \
	VEXTRACTF128	$1, Y15, (const_xsaveYMMHiOff+15*16)(DI); \
noymm: \
	MOVQ	cpu_xstateExtra(GS), AX; \
	TESTQ	AX, AX; \
	JZ	noextra; \
	XORL	DX, DX; \
	XSAVE	(DI); \
noextra:

// SAVE_X87_EAGER writes the user's x87 registers to the image at DI too
// when more than one CPU runs threads (x87Eager): the context may enter
// ring 3 next on another CPU, which must find its image whole. With one
// CPU they stay in the CPU (cpu.x87Owner). Clobbers AX, CX, DX.
#define SAVE_X87_EAGER \
	CMPB	·x87Eager(SB), $0; \
	JEQ	nox87; \
	CMPB	·hasXSAVE(SB), $0; \
	JEQ	x87fx; \
	MOVL	$1, AX; \
	XORL	DX, DX; \
	XSAVE	(DI); \
	JMP	nox87; \
x87fx: \
	FXSAVE_X87(DI); \
nox87:

// RESTORE_USER_FPU is SAVE_USER_FPU's inverse, for a context whose x87
// registers are still live in this CPU. Clobbers AX, DX.
#define RESTORE_USER_FPU \
	LDMXCSR	24(DI); \
	MOVUPS	(const_xsaveXMMOff+0*16)(DI), X0; \
	MOVUPS	(const_xsaveXMMOff+1*16)(DI), X1; \
	MOVUPS	(const_xsaveXMMOff+2*16)(DI), X2; \
	MOVUPS	(const_xsaveXMMOff+3*16)(DI), X3; \
	MOVUPS	(const_xsaveXMMOff+4*16)(DI), X4; \
	MOVUPS	(const_xsaveXMMOff+5*16)(DI), X5; \
	MOVUPS	(const_xsaveXMMOff+6*16)(DI), X6; \
	MOVUPS	(const_xsaveXMMOff+7*16)(DI), X7; \
	MOVUPS	(const_xsaveXMMOff+8*16)(DI), X8; \
	MOVUPS	(const_xsaveXMMOff+9*16)(DI), X9; \
	MOVUPS	(const_xsaveXMMOff+10*16)(DI), X10; \
	MOVUPS	(const_xsaveXMMOff+11*16)(DI), X11; \
	MOVUPS	(const_xsaveXMMOff+12*16)(DI), X12; \
	MOVUPS	(const_xsaveXMMOff+13*16)(DI), X13; \
	MOVUPS	(const_xsaveXMMOff+14*16)(DI), X14; \
	MOVUPS	(const_xsaveXMMOff+15*16)(DI), X15; \
	MOVQ	cpu_xstateFast(GS), AX; \
	TESTQ	$4, AX; \
	JZ	noymm; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+0*16)(DI), Y0, Y0; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+1*16)(DI), Y1, Y1; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+2*16)(DI), Y2, Y2; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+3*16)(DI), Y3, Y3; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+4*16)(DI), Y4, Y4; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+5*16)(DI), Y5, Y5; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+6*16)(DI), Y6, Y6; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+7*16)(DI), Y7, Y7; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+8*16)(DI), Y8, Y8; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+9*16)(DI), Y9, Y9; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+10*16)(DI), Y10, Y10; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+11*16)(DI), Y11, Y11; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+12*16)(DI), Y12, Y12; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+13*16)(DI), Y13, Y13; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+14*16)(DI), Y14, Y14; \
	VINSERTF128	$1, (const_xsaveYMMHiOff+15*16)(DI), Y15, Y15; \
noymm: \
	MOVQ	cpu_xstateExtra(GS), AX; \
	TESTQ	AX, AX; \
	JZ	noextra; \
	XORL	DX, DX; \
	XRSTOR	(DI); \
noextra:

// CHARGE_USER_TIME adds the TSC ticks since enterUser's stamp to the user
// context at BX and stamps the exit (leftTSC, for the kernel time enterUser
// charges). Two RDTSCs at the mode switches are all precise user- and
// kernel-time accounting costs. Clobbers AX, DX.
#define CHARGE_USER_TIME \
	RDTSC; \
	SHLQ	$32, DX; \
	ORQ	DX, AX; \
	MOVQ	AX, UserContext_leftTSC(BX); \
	SUBQ	cpu_enterTSC(GS), AX; \
	ADDQ	AX, UserContext_userTSC(BX)

// SAVE_USER_BASES records the user's FS and GS bases in the user context
// at BX when the CPU lets user code change them itself (CR4.FSGSBASE,
// hasFSGSBASE): RDFSBASE, and RDGSBASE between two SWAPGS (the user's GS
// base waits in KERNEL_GS_BASE meanwhile). Interrupts are off. Clobbers AX.
#define SAVE_USER_BASES \
	CMPB	·hasFSGSBASE(SB), $0; \
	JEQ	nobases; \
	BYTE	$0xF3; BYTE $0x48; BYTE $0x0F; BYTE $0xAE; BYTE $0xC0; \
	MOVQ	AX, UserContext_FsBase(BX); \
	SWAPGS; \
	BYTE	$0xF3; BYTE $0x48; BYTE $0x0F; BYTE $0xAE; BYTE $0xC8; \
	SWAPGS; \
	MOVQ	AX, UserContext_GsBase(BX); \
	MOVQ	AX, cpu_userGS(GS); \
nobases:

// RESTORE_KERNEL_FS puts back the FS base (TLS) of the M that entered user
// mode. Clobbers AX, CX, DX.
#define RESTORE_KERNEL_FS \
	MOVQ	cpu_kernelFS(GS), AX; \
	MOVQ	AX, DX; \
	SHRQ	$32, DX; \
	MOVL	$0xC0000100, CX; \
	WRMSR

// RESTORE_GPRS reloads the general-purpose registers from the trapFrame at SP
// and leaves SP at the hardware interrupt frame (RIP).
#define RESTORE_GPRS \
	MOVQ	trapFrame_r15(SP), R15; \
	MOVQ	trapFrame_r14(SP), R14; \
	MOVQ	trapFrame_r13(SP), R13; \
	MOVQ	trapFrame_r12(SP), R12; \
	MOVQ	trapFrame_r11(SP), R11; \
	MOVQ	trapFrame_r10(SP), R10; \
	MOVQ	trapFrame_r9(SP), R9; \
	MOVQ	trapFrame_r8(SP), R8; \
	MOVQ	trapFrame_rbp(SP), BP; \
	MOVQ	trapFrame_rdi(SP), DI; \
	MOVQ	trapFrame_rsi(SP), SI; \
	MOVQ	trapFrame_rdx(SP), DX; \
	MOVQ	trapFrame_rcx(SP), CX; \
	MOVQ	trapFrame_rbx(SP), BX; \
	MOVQ	trapFrame_rax(SP), AX; \
	ADDQ	$trapFrame_rip, SP

// entry64 is where the boot trampoline lands, in long mode on the trampoline's
// page tables, with no stack. DI holds the boot magic, SI the boot info's
// physical address. It enables SSE, gives Go code a valid TLS block, runs
// bootstrap on the boot stack, then enters the Go runtime's own ELF entry
// (_rt0_amd64_linux) on the process stack bootstrap fabricated, with
// interrupts enabled.
TEXT ·entry64(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$·bootStack+const_bootStackSize(SB), SP
	// CR0: MP on, EM and TS off. CR4: OSFXSR, OSXMMEXCPT, PGE later, and
	// OSXSAVE only if CPUID.1:ECX says XSAVE exists: setting it on a CPU
	// without XSAVE (qemu64, Nehalem) is a #GP before any IDT exists, a
	// silent triple fault. Without XSAVE, FPU state is FXSAVE's image
	// (enableFeatures, hasXSAVE).
	MOVQ	CR0, AX
	ANDQ	$~0xC, AX
	ORQ	$0x2, AX
	MOVQ	AX, CR0
	MOVQ	DI, R12
	MOVQ	SI, R13
	MOVL	$1, AX
	XORL	CX, CX
	CPUID
	MOVQ	CR4, AX
	ORQ	$0x600, AX
	BTL	$26, CX
	JCC	noxsave
	ORQ	$0x40000, AX
	MOVQ	AX, CR4
	// XCR0 = x87|SSE for now; bootstrap widens it to what the CPU offers.
	XORQ	CX, CX
	MOVQ	$3, AX
	XORQ	DX, DX
	XSETBV
	JMP	fsbase
noxsave:
	MOVQ	AX, CR4
fsbase:
	// FS base → bootTLS+8, so the ABI wrappers' load of g from -8(FS) reads 0.
	MOVQ	$·bootTLS+8(SB), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR
	SUBQ	$32, SP
	MOVQ	R12, 0(SP)
	MOVQ	R13, 8(SP)
	CALL	·bootstrap(SB)
	MOVQ	16(SP), AX
	MOVQ	AX, SP
	STI
	JMP	_rt0_amd64_linux(SB)

// apEntry64 is where an application processor arrives from the trampoline
// (smp.go): long mode on the temporary page tables, interrupts off, DI = its
// CPU index, SP = its idle thread's nucleus stack. It turns on SSE and,
// where CPUID has it, XSAVE as entry64 does, gives Go
// code a zeroed TLS word (apTLS[index]) and calls apMain, which never returns.
TEXT ·apEntry64(SB),NOSPLIT|NOFRAME,$0
	MOVQ	CR0, AX
	ANDQ	$~0xC, AX
	ORQ	$0x2, AX
	MOVQ	AX, CR0
	MOVQ	DI, R12
	MOVL	$1, AX
	XORL	CX, CX
	CPUID
	MOVQ	CR4, AX
	ORQ	$0x600, AX
	BTL	$26, CX
	JCC	apnoxsave
	ORQ	$0x40000, AX
	MOVQ	AX, CR4
	XORQ	CX, CX
	MOVQ	$3, AX
	XORQ	DX, DX
	XSETBV
	JMP	aptls
apnoxsave:
	MOVQ	AX, CR4
aptls:
	MOVQ	R12, AX
	ANDQ	$(const_maxCPUs-1), AX
	SHLQ	$4, AX
	MOVQ	$·apTLS+8(SB), BX
	ADDQ	BX, AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR
	SUBQ	$16, SP
	MOVQ	R12, 0(SP)
	CALL	·apMain(SB)
aphang:
	CLI
	HLT
	JMP	aphang

TEXT ·apEntry64Addr(SB),NOSPLIT,$0-8
	MOVQ	$·apEntry64(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// syscallEntry is LSTAR. A return address (RCX) in the upper half means the Go
// runtime itself made the call at ring 0: SYSCALL switched no stack, so move
// to the current thread's nucleus stack and build a trapFrame there. Ring-3
// callers are not supported yet and are treated as a fatal fault.
TEXT ·syscallEntry(SB),NOSPLIT|NOFRAME,$0
	TESTQ	CX, CX
	JNS	fromUser
	MOVQ	SP, cpu_scratch(GS)
	MOVQ	cpu_kstackTop(GS), SP
	SUBQ	$(trapFrame__size-trapFrame_vector), SP
	MOVQ	$KDATA, (trapFrame_ss-trapFrame_vector)(SP)
	MOVQ	R11, (trapFrame_rflags-trapFrame_vector)(SP)
	MOVQ	$KCODE, (trapFrame_cs-trapFrame_vector)(SP)
	MOVQ	CX, (trapFrame_rip-trapFrame_vector)(SP)
	MOVQ	$0, (trapFrame_errCode-trapFrame_vector)(SP)
	MOVQ	$const_vectorSyscall, 0(SP)
	MOVQ	cpu_scratch(GS), CX
	MOVQ	CX, (trapFrame_rsp-trapFrame_vector)(SP)
	SUBQ	$trapFrame_vector, SP
	MOVQ	R15, trapFrame_r15(SP)
	MOVQ	R14, trapFrame_r14(SP)
	MOVQ	R13, trapFrame_r13(SP)
	MOVQ	R12, trapFrame_r12(SP)
	MOVQ	R11, trapFrame_r11(SP)
	MOVQ	R10, trapFrame_r10(SP)
	MOVQ	R9, trapFrame_r9(SP)
	MOVQ	R8, trapFrame_r8(SP)
	MOVQ	BP, trapFrame_rbp(SP)
	MOVQ	DI, trapFrame_rdi(SP)
	MOVQ	SI, trapFrame_rsi(SP)
	MOVQ	DX, trapFrame_rdx(SP)
	MOVQ	BX, trapFrame_rbx(SP)
	MOVQ	AX, trapFrame_rax(SP)
	MOVQ	SP, AX
	SUBQ	$16, SP
	MOVQ	AX, 0(SP)
	CALL	·syscall(SB)
	ADDQ	$16, SP
	JMP	·returnToFrame(SB)
fromUser:
	JMP	·userSyscall(SB)

// returnToFrame resumes the context in the trapFrame at SP. A frame that is
// still a plain syscall frame returns the fast way (RCX and R11 are clobbered
// by SYSCALL anyway); anything else (a trap, a signal frame, rt_sigreturn)
// gets every register back, X0-X15 included, through IRETQ.
TEXT ·returnToFrame(SB),NOSPLIT|NOFRAME,$0
	CMPQ	trapFrame_vector(SP), $const_vectorSyscall
	JNE	full
	RESTORE_GPRS
	MOVQ	0(SP), CX                    // RIP
	MOVQ	16(SP), R11                  // RFLAGS
	MOVQ	24(SP), SP                   // caller's RSP
	PUSHQ	R11
	POPFQ
	JMP	CX
full:
	RESTORE_XMM
	RESTORE_GPRS
	IRETQ

// trapCommon is reached from the per-vector stubs with the vector and an
// error code pushed on the IST stack. trap decides on the IST stack; a nonzero
// answer (preempt, deliver a signal) moves the frame to the interrupted
// thread's nucleus stack, where trapSlow may switch threads.
TEXT ·trapCommon(SB),NOSPLIT|NOFRAME,$0
	TESTQ	$3, 24(SP) // CS of the interrupted context
	JNZ	user
	SAVE_FRAME
	MOVQ	SP, AX
	SUBQ	$16, SP
	MOVQ	AX, 0(SP)
	CALL	·trap(SB)
	MOVQ	8(SP), BX
	ADDQ	$16, SP
	TESTQ	BX, BX
	JNZ	slow
	RESTORE_XMM
	RESTORE_GPRS
	IRETQ
slow:
	MOVQ	SP, SI
	MOVQ	cpu_kstackTop(GS), DI
	SUBQ	$trapFrame__size, DI
	MOVQ	DI, BX
	MOVQ	$(trapFrame__size/8), CX
	CLD
	REP; MOVSQ
	MOVQ	BX, SP
	SUBQ	$16, SP
	MOVQ	BX, 0(SP)
	CALL	·trapSlow(SB)
	ADDQ	$16, SP
	JMP	·returnToFrame(SB)
user:
	JMP	·userTrap(SB)

// switchStacks saves the caller's frame pointer and stack pointer in *save and
// continues on the stack next, which a previous switchStacks (or newThread)
// left in the same shape. Go's ABI has no callee-saved registers besides BP.
TEXT ·switchStacks(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ	save+0(FP), AX
	MOVQ	next+8(FP), BX
	PUSHQ	BP
	MOVQ	SP, (AX)
	MOVQ	BX, SP
	POPQ	BP
	RET

// threadStart is the first return address of a new thread's nucleus stack:
// the stack above it holds the trapFrame the thread starts from.
TEXT ·threadStart(SB),NOSPLIT|NOFRAME,$0
	CALL	·afterSwitch(SB)
	JMP	·returnToFrame(SB)

// idleStart is the first return address of the idle thread.
TEXT ·idleStart(SB),NOSPLIT|NOFRAME,$0
	CALL	·afterSwitch(SB)
	CALL	·idleLoop(SB)
	HLT

// Addresses of the assembly entry points, for the IDT, LSTAR and new stacks.
TEXT ·vectorsAddr(SB),NOSPLIT,$0-8
	MOVQ	$·vectors(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·syscallEntryAddr(SB),NOSPLIT,$0-8
	MOVQ	$·syscallEntry(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·threadStartAddr(SB),NOSPLIT,$0-8
	MOVQ	$·threadStart(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·idleStartAddr(SB),NOSPLIT,$0-8
	MOVQ	$·idleStart(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·entry64Addr(SB),NOSPLIT,$0-8
	MOVQ	$·entry64(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// ---- ring 3 ----------------------------------------------------------------

// enterUser runs the user context ctx in ring 3 and returns (through
// exitToKernel) at its next system call, exception or interrupt. Called by
// (*UserContext).Run with interrupts on. Only BP needs saving: Go's ABI has no other callee-saved register, and
// the ABI wrapper reloads R14 (g) and X15 after the call.
TEXT ·enterUser(SB),NOSPLIT,$0-8
	MOVQ	c+0(FP), BX
	CLI
	// Placement: refuse a CPU outside CPUMask or other than WantCPU - 1
	// (VectorCPU); the Go side moves or tells the thread and comes back.
	MOVL	cpu_id(GS), CX
	MOVQ	CX, UserContext_CPU(BX)
	MOVQ	UserContext_CPUMask(BX), AX
	TESTQ	AX, AX
	JZ	maskok
	MOVL	$1, DX
	SHLQ	CX, DX
	TESTQ	DX, AX
	JZ	wrongcpu
maskok:
	MOVQ	UserContext_WantCPU(BX), AX
	TESTQ	AX, AX
	JZ	cpuok
	INCQ	CX
	CMPQ	CX, AX
	JEQ	cpuok
wrongcpu:
	MOVQ	$const_vectorCPU, UserContext_Vector(BX)
	STI
	RET
cpuok:
	// The M's TLS, to put back on the way out: read with interrupts off,
	// where the thread can no longer move to another CPU.
	MOVQ	cpu_fsBase(GS), AX
	MOVQ	AX, cpu_kernelFS(GS)
	PUSHQ	BP
	MOVQ	SP, cpu_kernelSP(GS)
	MOVQ	BX, cpu_userCtx(GS)
	// Load the user's FS base.
	MOVL	$0xC0000100, CX
	MOVQ	UserContext_FsBase(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	// The user's GS base waits in KERNEL_GS_BASE for the SWAPGS below;
	// it is almost always 0, so skip the write when it has not changed.
	MOVQ	UserContext_GsBase(BX), AX
	CMPQ	AX, cpu_userGS(GS)
	JEQ	gsdone
	MOVQ	AX, cpu_userGS(GS)
	MOVL	$0xC0000102, CX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
gsdone:
	// Address space: reload CR3 only when it changes (the kernel half is
	// shared, so the kernel runs on whichever user tables are loaded).
	MOVQ	UserContext_CR3(BX), AX
	MOVQ	CR3, CX
	CMPQ	AX, CX
	JEQ	samecr3
	MOVQ	AX, cpu_cr3(GS) // before the load: see tlb.go
	MOVQ	AX, CR3
samecr3:
	// FPU state: register moves when this CPU still holds the context's
	// x87 registers (its image is then exactly what the exit path saved);
	// otherwise the owner's x87 registers go back to the owner's image and
	// this context's image is loaded whole.
	MOVQ	UserContext_fpu(BX), DI
	MOVQ	cpu_x87Owner(GS), SI
	CMPQ	SI, BX
	JNE	fullfpu
	MOVL	cpu_id(GS), AX
	INCQ	AX
	CMPQ	AX, UserContext_x87CPU(BX)
	JNE	fullfpu
	RESTORE_USER_FPU
	JMP	fpudone
fullfpu:
	// With x87Eager every image is whole at exit: nothing to write back,
	// and a stale owner on this CPU is simply replaced.
	CMPB	·x87Eager(SB), $0
	JEQ	writeback
	XORL	SI, SI
writeback:
	MOVL	cpu_id(GS), AX
	INCQ	AX
	MOVQ	AX, UserContext_x87CPU(BX)
	CMPB	·hasXSAVE(SB), $0
	JEQ	fxfull
	TESTQ	SI, SI
	JZ	loadfpu
	MOVQ	UserContext_fpu(SI), SI
	MOVL	$const_xstateWithX87, AX
	XORL	DX, DX
	XSAVE	(SI)
loadfpu:
	MOVQ	BX, cpu_x87Owner(GS)
	MOVL	$0xFFFFFFFF, AX
	MOVL	$0xFFFFFFFF, DX
	XRSTOR	(DI)
	JMP	fpudone
fxfull:
	// No XSAVE: the owner's x87 registers go to its FXSAVE image (its SSE
	// slots already hold what the exit path saved), then FXRSTOR64.
	TESTQ	SI, SI
	JZ	fxload
	MOVQ	UserContext_fpu(SI), SI
	FXSAVE_X87(SI)
fxload:
	MOVQ	BX, cpu_x87Owner(GS)
	FXRSTOR64	(DI)
fpudone:
	// User time starts here (see CHARGE_USER_TIME), and the kernel time
	// since the last exit ends.
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, cpu_enterTSC(GS)
	MOVQ	UserContext_leftTSC(BX), DX
	TESTQ	DX, DX
	JZ	nokerneltime
	NEGQ	DX
	ADDQ	AX, DX
	ADDQ	DX, UserContext_kernelTSC(BX)
nokerneltime:
	// Back from a system call (unless the kernel asked for every register,
	// as after rt_sigreturn) to a canonical address: SYSRET is much
	// cheaper than IRETQ. RCX and R11 are the SYSCALL ABI's scratch
	// registers.
	CMPQ	UserContext_Vector(BX), $const_vectorSyscall
	JNE	iret
	CMPQ	UserContext_FullRestore(BX), $0
	JNE	iret
	MOVQ	UserContext_Rip(BX), CX
	MOVQ	$0x7fffffffffff, AX
	CMPQ	CX, AX
	JA	iret
	MOVQ	UserContext_Eflags(BX), R11
	ANDQ	$0x254dd5, R11
	ORQ	$0x202, R11
	MOVQ	UserContext_R15(BX), R15
	MOVQ	UserContext_R14(BX), R14
	MOVQ	UserContext_R13(BX), R13
	MOVQ	UserContext_R12(BX), R12
	MOVQ	UserContext_R10(BX), R10
	MOVQ	UserContext_R9(BX), R9
	MOVQ	UserContext_R8(BX), R8
	MOVQ	UserContext_Rbp(BX), BP
	MOVQ	UserContext_Rdi(BX), DI
	MOVQ	UserContext_Rsi(BX), SI
	MOVQ	UserContext_Rdx(BX), DX
	MOVQ	UserContext_Rax(BX), AX
	MOVQ	UserContext_Rsp(BX), SP
	MOVQ	UserContext_Rbx(BX), BX
	SWAPGS
	BYTE	$0x48; BYTE $0x0F; BYTE $0x07 // SYSRETQ
iret:
	MOVQ	$0, UserContext_FullRestore(BX)
	// IRETQ frame: SS, RSP, RFLAGS (user-settable bits only, IF on), CS, RIP.
	PUSHQ	$const_userDS
	PUSHQ	UserContext_Rsp(BX)
	MOVQ	UserContext_Eflags(BX), AX
	ANDQ	$0x254dd5, AX // CF PF AF ZF SF TF DF OF AC ID
	ORQ	$0x202, AX
	PUSHQ	AX
	PUSHQ	$const_userCS
	PUSHQ	UserContext_Rip(BX)
	MOVQ	UserContext_R15(BX), R15
	MOVQ	UserContext_R14(BX), R14
	MOVQ	UserContext_R13(BX), R13
	MOVQ	UserContext_R12(BX), R12
	MOVQ	UserContext_R11(BX), R11
	MOVQ	UserContext_R10(BX), R10
	MOVQ	UserContext_R9(BX), R9
	MOVQ	UserContext_R8(BX), R8
	MOVQ	UserContext_Rbp(BX), BP
	MOVQ	UserContext_Rdi(BX), DI
	MOVQ	UserContext_Rsi(BX), SI
	MOVQ	UserContext_Rdx(BX), DX
	MOVQ	UserContext_Rcx(BX), CX
	MOVQ	UserContext_Rax(BX), AX
	MOVQ	UserContext_Rbx(BX), BX
	SWAPGS
	IRETQ

// userSyscall is syscallEntry's ring-3 half (jumped to with the user's GS
// still loaded and interrupts off). The user context is the save area:
// SP itself points at it while the registers go in.
TEXT ·userSyscall(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	// Fast path: getpid and gettid are answered here and SYSRET goes
	// straight back (RCX and R11 still hold the user's RIP and RFLAGS),
	// unless the kernel cleared the ids (a seccomp policy must see every
	// system call).
	CMPQ	AX, $39
	JEQ	fastpid
	CMPQ	AX, $186
	JEQ	fasttid
slowsyscall:
	MOVQ	SP, cpu_scratch(GS)
	MOVQ	AX, cpu_scratch2(GS)
	MOVQ	cpu_userCtx(GS), AX
	MOVQ	R15, UserContext_R15(AX)
	MOVQ	R14, UserContext_R14(AX)
	MOVQ	R13, UserContext_R13(AX)
	MOVQ	R12, UserContext_R12(AX)
	MOVQ	R11, UserContext_R11(AX)
	MOVQ	R11, UserContext_Eflags(AX)
	MOVQ	R10, UserContext_R10(AX)
	MOVQ	R9, UserContext_R9(AX)
	MOVQ	R8, UserContext_R8(AX)
	MOVQ	BP, UserContext_Rbp(AX)
	MOVQ	DI, UserContext_Rdi(AX)
	MOVQ	SI, UserContext_Rsi(AX)
	MOVQ	DX, UserContext_Rdx(AX)
	MOVQ	CX, UserContext_Rcx(AX)
	MOVQ	CX, UserContext_Rip(AX)
	MOVQ	BX, UserContext_Rbx(AX)
	MOVQ	cpu_scratch2(GS), BX
	MOVQ	BX, UserContext_Rax(AX)
	MOVQ	BX, UserContext_OrigRax(AX)
	MOVQ	cpu_scratch(GS), BX
	MOVQ	BX, UserContext_Rsp(AX)
	MOVQ	$const_vectorSyscall, UserContext_Vector(AX)
	MOVQ	AX, BX
	CHARGE_USER_TIME
	MOVQ	UserContext_fpu(BX), DI
	SAVE_USER_FPU
	SAVE_X87_EAGER
	SAVE_USER_BASES // RDFSBASE, RDGSBASE
	RESTORE_KERNEL_FS
	JMP	·exitToKernel(SB)
fastpid:
	MOVQ	R11, cpu_scratch2(GS)
	MOVQ	cpu_userCtx(GS), R11
	CMPQ	UserContext_PID(R11), $0
	JEQ	fastnone
	MOVQ	UserContext_PID(R11), AX
	JMP	fastret
fasttid:
	MOVQ	R11, cpu_scratch2(GS)
	MOVQ	cpu_userCtx(GS), R11
	CMPQ	UserContext_TID(R11), $0
	JEQ	fastnone
	MOVQ	UserContext_TID(R11), AX
	JMP	fastret
fastnone:
	MOVQ	cpu_scratch2(GS), R11
	JMP	slowsyscall
fastret:
	MOVQ	cpu_scratch2(GS), R11
	SWAPGS
	BYTE	$0x48; BYTE $0x0F; BYTE $0x07 // SYSRETQ

// userTrap is trapCommon's ring-3 half: an exception or interrupt in user
// code, with the vector, error code and hardware frame on the IST stack.
TEXT ·userTrap(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	MOVQ	AX, cpu_scratch2(GS)
	MOVQ	cpu_userCtx(GS), AX
	MOVQ	R15, UserContext_R15(AX)
	MOVQ	R14, UserContext_R14(AX)
	MOVQ	R13, UserContext_R13(AX)
	MOVQ	R12, UserContext_R12(AX)
	MOVQ	R11, UserContext_R11(AX)
	MOVQ	R10, UserContext_R10(AX)
	MOVQ	R9, UserContext_R9(AX)
	MOVQ	R8, UserContext_R8(AX)
	MOVQ	BP, UserContext_Rbp(AX)
	MOVQ	DI, UserContext_Rdi(AX)
	MOVQ	SI, UserContext_Rsi(AX)
	MOVQ	DX, UserContext_Rdx(AX)
	MOVQ	CX, UserContext_Rcx(AX)
	MOVQ	BX, UserContext_Rbx(AX)
	MOVQ	cpu_scratch2(GS), BX
	MOVQ	BX, UserContext_Rax(AX)
	MOVQ	$-1, UserContext_OrigRax(AX)
	MOVQ	0(SP), BX
	MOVQ	BX, UserContext_Vector(AX)
	MOVQ	8(SP), BX
	MOVQ	BX, UserContext_ErrorCode(AX)
	MOVQ	16(SP), BX
	MOVQ	BX, UserContext_Rip(AX)
	MOVQ	32(SP), BX
	MOVQ	BX, UserContext_Eflags(AX)
	MOVQ	40(SP), BX
	MOVQ	BX, UserContext_Rsp(AX)
	MOVQ	CR2, BX
	MOVQ	BX, UserContext_FaultAddr(AX)
	MOVQ	AX, BX
	CHARGE_USER_TIME
	MOVQ	UserContext_fpu(BX), DI
	SAVE_USER_FPU
	SAVE_X87_EAGER
	SAVE_USER_BASES // RDFSBASE, RDGSBASE
	// Go code (userInterrupt's ABI wrapper) reads g at -8(FS): the M's TLS
	// must be back first.
	RESTORE_KERNEL_FS
	// EOI, clock and wake-ups, still on the IST stack.
	MOVQ	0(SP), AX
	SUBQ	$16, SP
	MOVQ	AX, 0(SP)
	CALL	·userInterrupt(SB)
	ADDQ	$16, SP
	MOVQ	cpu_userCtx(GS), BX
	JMP	·exitToKernel(SB)

// exitToKernel resumes the Go side of enterUser: its stack, the kernel's
// MXCSR, interrupts on. The FS base is already the M's (RESTORE_KERNEL_FS).
TEXT ·exitToKernel(SB),NOSPLIT|NOFRAME,$0
	// Kernel Go code uses X0-X15 (and the runtime's AVX paths, which leave
	// upper state undefined and never read it) but no x87: the user's
	// vector registers were saved, so only MXCSR needs its default back
	// in case the user unmasked floating-point exceptions.
	LDMXCSR	cpu_mxcsr(GS)
	MOVQ	cpu_kernelSP(GS), SP
	MOVQ	$0, cpu_userCtx(GS)
	MOVQ	0(SP), BP // enterUser's PUSHQ BP (go vet's framepointer check cannot see that)
	ADDQ	$8, SP
	STI
	RET

// releaseX87 gives up this CPU's claim on c's x87 registers if it holds
// them, first writing them back to c's XSAVE area when save is nonzero (so
// the area is whole for Go code, and the next entry restores x87 from
// whatever the area holds then). Interrupts are off so no other context can
// enter ring 3 on this CPU in between.
TEXT ·releaseX87(SB),NOSPLIT,$0-9
	MOVQ	c+0(FP), BX
	MOVBQZX	save+8(FP), CX
	PUSHFQ
	CLI
	// The next entry, on any CPU, loads the image whole.
	MOVQ	$0, UserContext_x87CPU(BX)
	// With x87Eager the image is already whole (SAVE_X87_EAGER).
	CMPB	·x87Eager(SB), $0
	JEQ	lazy
	XORL	CX, CX
lazy:
	CMPQ	BX, cpu_x87Owner(GS)
	JNE	done
	MOVQ	$0, cpu_x87Owner(GS)
	TESTQ	CX, CX
	JZ	done
	MOVQ	UserContext_fpu(BX), DI
	CMPB	·hasXSAVE(SB), $0
	JEQ	fx
	MOVL	$const_xstateWithX87, AX
	XORL	DX, DX
	XSAVE	(DI)
	JMP	done
fx:
	FXSAVE_X87(DI)
done:
	POPFQ
	RET
