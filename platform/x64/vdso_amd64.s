#include "textflag.h"

// The vDSO's code. This is user-mode code: the kernel copies these bytes
// into the vDSO image (kernel/vdso) and maps them into every process, so
// everything here is position independent and reaches its data — the vvar
// page, mapped one page below the code — through the code's own address.
// Each function sits in a 128-byte slot (VDSOSlot*) and never calls out
// except for the SYSCALL fallback.
//
// vvar layout: +0 TSC at time zero, +8 ns-per-tick multiplier (32.32),
// +16 Unix time in ns at time zero.

// VVAR_INTO(reg) sets reg to the vvar page: CALL the next instruction to
// learn our address, round down to the code page, step back one page.
#define VVAR_INTO(reg) \
	BYTE	$0xE8; BYTE $0; BYTE $0; BYTE $0; BYTE $0; \
	MOVQ	0(SP), reg; \
	ADDQ	$8, SP; \
	ANDQ	$~0xfff, reg; \
	SUBQ	$4096, reg

// NS_SINCE_BOOT(vvar) leaves nanoseconds since time zero in AX; clobbers DX.
#define NS_SINCE_BOOT(vvar) \
	RDTSC; \
	SHLQ	$32, DX; \
	ORQ	DX, AX; \
	SUBQ	0(vvar), AX; \
	MULQ	8(vvar); \
	SHRQ	$32, DX, AX

TEXT ·vdsoText(SB),NOSPLIT|NOFRAME,$0
	// Slot 0: int __vdso_clock_gettime(clockid_t clk, struct timespec *ts)
	// REALTIME (0), MONOTONIC (1), MONOTONIC_RAW (4), REALTIME_COARSE (5),
	// MONOTONIC_COARSE (6), BOOTTIME (7); any other clock: the system call.
	CMPL	DI, $7
	JA	cgFallback
	MOVL	$0xF3, CX
	BTL	DI, CX
	JCC	cgFallback
	VVAR_INTO(R11)
	NS_SINCE_BOOT(R11)
	TESTL	DI, DI
	JEQ	cgWall
	CMPL	DI, $5
	JNE	cgSplit
cgWall:
	ADDQ	16(R11), AX
cgSplit:
	MOVQ	$1000000000, CX
	XORL	DX, DX
	DIVQ	CX
	MOVQ	AX, 0(SI)
	MOVQ	DX, 8(SI)
	XORL	AX, AX
	RET
cgFallback:
	MOVL	$228, AX
	SYSCALL
	RET

	// Slot 1: int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
	PCALIGN	$128
	VVAR_INTO(R11)
	TESTQ	DI, DI
	JEQ	gtTZ
	NS_SINCE_BOOT(R11)
	ADDQ	16(R11), AX
	MOVQ	$1000, CX
	XORL	DX, DX
	DIVQ	CX
	MOVQ	$1000000, CX
	XORL	DX, DX
	DIVQ	CX
	MOVQ	AX, 0(DI)
	MOVQ	DX, 8(DI)
gtTZ:
	TESTQ	SI, SI
	JEQ	gtDone
	MOVQ	$0, 0(SI)
gtDone:
	XORL	AX, AX
	RET

	// Slot 2: time_t __vdso_time(time_t *t)
	PCALIGN	$128
	VVAR_INTO(R11)
	NS_SINCE_BOOT(R11)
	ADDQ	16(R11), AX
	MOVQ	$1000000000, CX
	XORL	DX, DX
	DIVQ	CX
	TESTQ	DI, DI
	JEQ	tmDone
	MOVQ	AX, 0(DI)
tmDone:
	RET

	// Slot 3: int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
	// The CPU and node are the limit of the per-CPU GDT entry 15
	// (selector 0x7b), as Linux's vdso_read_cpunode reads them.
	PCALIGN	$128
	MOVL	$0x7b, AX
	LSLL	AX, AX
	TESTQ	DI, DI
	JEQ	gcNode
	MOVL	AX, CX
	ANDL	$0xfff, CX
	MOVL	CX, 0(DI)
gcNode:
	TESTQ	SI, SI
	JEQ	gcDone
	SHRL	$12, AX
	MOVL	AX, 0(SI)
gcDone:
	XORL	AX, AX
	RET

	// End marker: the copy stops here.
	PCALIGN	$128
	BYTE	$0x0F; BYTE $0x0B // UD2
	BYTE	$'A'; BYTE $'V'; BYTE $'D'; BYTE $'S'; BYTE $'O'; BYTE $'E'; BYTE $'N'; BYTE $'D'

TEXT ·vdsoTextAddr(SB),NOSPLIT,$0-8
	MOVQ	$·vdsoText(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
