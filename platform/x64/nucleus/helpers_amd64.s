#include "go_asm.h"
#include "textflag.h"
#include "fxsave_amd64.h"

// Privileged-instruction helpers. Each is a leaf: no stack growth, no calls.

TEXT ·outb(SB),NOSPLIT,$0-3
	MOVW	port+0(FP), DX
	MOVB	val+2(FP), AX
	OUTB
	RET

TEXT ·inb(SB),NOSPLIT,$0-9
	MOVW	port+0(FP), DX
	XORQ	AX, AX
	INB
	MOVB	AX, ret+8(FP)
	RET

TEXT ·outw(SB),NOSPLIT,$0-4
	MOVW	port+0(FP), DX
	MOVW	val+2(FP), AX
	OUTW
	RET

TEXT ·outl(SB),NOSPLIT,$0-8
	MOVW	port+0(FP), DX
	MOVL	val+4(FP), AX
	OUTL
	RET

TEXT ·rdmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+8(FP)
	RET

TEXT ·wrmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	MOVQ	val+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	RET

TEXT ·rdtsc(SB),NOSPLIT,$0-8
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·cpuid(SB),NOSPLIT,$0-24
	MOVL	leaf+0(FP), AX
	MOVL	sub+4(FP), CX
	CPUID
	MOVL	AX, a+8(FP)
	MOVL	BX, b+12(FP)
	MOVL	CX, c+16(FP)
	MOVL	DX, d+20(FP)
	RET

TEXT ·readCR0(SB),NOSPLIT,$0-8
	MOVQ	CR0, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·readCR2(SB),NOSPLIT,$0-8
	MOVQ	CR2, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·readCR3(SB),NOSPLIT,$0-8
	MOVQ	CR3, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·writeCR3(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR3
	RET

TEXT ·readCR4(SB),NOSPLIT,$0-8
	MOVQ	CR4, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·writeCR4(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR4
	RET

TEXT ·xgetbv(SB),NOSPLIT,$0-8
	XORL	CX, CX
	XGETBV
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·xsetbv(SB),NOSPLIT,$0-8
	XORL	CX, CX
	MOVQ	v+0(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	XSETBV
	RET

// xsave and xrstor move every state component enabled in XCR0 except x87:
// they save and restore Go code (kernel threads, the runtime's own signal
// frames), which never uses x87, and the x87 registers belong to the user
// context recorded in cpu.x87Owner.
// Without XSAVE, xsave is FXSAVE64 (which also copies the owner's x87
// registers, harmlessly) and xrstor first copies the live x87 registers
// into the image so that FXRSTOR64 leaves them as they are.
TEXT ·xsave(SB),NOSPLIT,$0-8
	MOVQ	area+0(FP), DI
	CMPB	·hasXSAVE(SB), $0
	JEQ	fx
	MOVL	$0xFFFFFFFE, AX
	MOVL	$0xFFFFFFFF, DX
	XSAVE	(DI)
	RET
fx:
	FXSAVE64	(DI)
	RET

TEXT ·xrstor(SB),NOSPLIT,$0-8
	MOVQ	area+0(FP), DI
	CMPB	·hasXSAVE(SB), $0
	JEQ	fx
	MOVL	$0xFFFFFFFE, AX
	MOVL	$0xFFFFFFFF, DX
	XRSTOR	(DI)
	RET
fx:
	FXSAVE_X87(DI)
	FXRSTOR64	(DI)
	RET

TEXT ·invlpg(SB),NOSPLIT,$0-8
	MOVQ	va+0(FP), AX
	INVLPG	(AX)
	RET

TEXT ·lgdt(SB),NOSPLIT,$0-8
	MOVQ	ptr+0(FP), AX
	LGDT	(AX)
	// Reload CS with a far return and the data segments.
	PUSHQ	$0x08
	MOVQ	$reloaded<>(SB), AX
	PUSHQ	AX
	BYTE	$0x48; BYTE $0xCB // LRETQ: continues in reloaded<>, which returns

TEXT reloaded<>(SB),NOSPLIT|NOFRAME,$0
	MOVL	$0x10, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	RET

TEXT ·lidt(SB),NOSPLIT,$0-8
	MOVQ	ptr+0(FP), AX
	LIDT	(AX)
	RET

TEXT ·ltr(SB),NOSPLIT,$0-2
	MOVW	sel+0(FP), AX
	LTR	AX
	RET

TEXT ·cli(SB),NOSPLIT,$0
	CLI
	RET

TEXT ·sti(SB),NOSPLIT,$0
	STI
	RET

// stiHlt enables interrupts and halts in one step: STI's one-instruction
// shadow means a wake-up interrupt cannot slip in between the two.
TEXT ·stiHlt(SB),NOSPLIT,$0
	STI
	HLT
	CLI
	RET

TEXT ·hlt(SB),NOSPLIT,$0
	HLT
	RET

TEXT ·pause(SB),NOSPLIT,$0
	PAUSE
	RET

TEXT ·rdrandInsn(SB),NOSPLIT,$0-9
	MOVL	$10, CX
retry:
	BYTE	$0x48; BYTE $0x0F; BYTE $0xC7; BYTE $0xF0 // RDRAND AX
	JCS	ok
	DECL	CX
	JNZ	retry
	MOVQ	$0, v+0(FP)
	MOVB	$0, ok+8(FP)
	RET
ok:
	MOVQ	AX, v+0(FP)
	MOVB	$1, ok+8(FP)
	RET

// memzero and memcopy are used instead of the runtime's memclr/memmove, which
// may use AVX and would clobber vector state a trap handler must preserve.
TEXT ·memzero(SB),NOSPLIT,$0-16
	MOVQ	p+0(FP), DI
	MOVQ	n+8(FP), CX
	XORQ	AX, AX
	CLD
	MOVQ	CX, BX
	SHRQ	$3, CX
	REP; STOSQ
	MOVQ	BX, CX
	ANDQ	$7, CX
	REP; STOSB
	RET

TEXT ·memcopy(SB),NOSPLIT,$0-24
	MOVQ	dst+0(FP), DI
	MOVQ	src+8(FP), SI
	MOVQ	n+16(FP), CX
	CLD
	MOVQ	CX, BX
	SHRQ	$3, CX
	REP; MOVSQ
	MOVQ	BX, CX
	ANDQ	$7, CX
	REP; MOVSB
	RET

// div64 divides without the compiler's divide-by-zero check (which would call
// into the runtime); callers guarantee d != 0.
TEXT ·div64(SB),NOSPLIT,$0-24
	MOVQ	n+0(FP), AX
	XORQ	DX, DX
	DIVQ	d+8(FP)
	MOVQ	AX, ret+16(FP)
	RET

// lockXchg atomically stores 1 in *p and returns the old value.
TEXT ·lockXchg(SB),NOSPLIT,$0-12
	MOVQ	p+0(FP), BX
	MOVL	$1, AX
	XCHGL	AX, (BX)
	MOVL	AX, ret+8(FP)
	RET

TEXT ·readRFLAGS(SB),NOSPLIT,$0-8
	PUSHFQ
	POPQ	AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·readRBP(SB),NOSPLIT,$0-8
	MOVQ	BP, AX
	MOVQ	AX, ret+0(FP)
	RET

// thisCPU returns the per-CPU block: GS base points at it, and its first
// word points at itself.
TEXT ·thisCPU(SB),NOSPLIT,$0-8
	MOVQ	0(GS), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·rawSyscall(SB),NOSPLIT,$0-32
	MOVQ	n+0(FP), AX
	MOVQ	a0+8(FP), DI
	MOVQ	a1+16(FP), SI
	SYSCALL
	MOVQ	AX, ret+24(FP)
	RET

TEXT ·inw(SB),NOSPLIT,$0-10
	MOVW	port+0(FP), DX
	XORQ	AX, AX
	INW
	MOVW	AX, ret+8(FP)
	RET

TEXT ·inl(SB),NOSPLIT,$0-12
	MOVW	port+0(FP), DX
	XORQ	AX, AX
	INL
	MOVL	AX, ret+8(FP)
	RET
