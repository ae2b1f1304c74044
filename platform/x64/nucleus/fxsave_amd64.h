// FXSAVE_X87 writes the x87 part of the live FPU state (FCW through ST7,
// bytes 0-23 and 32-159 of the legacy image) into the FXSAVE image at dst
// and leaves its MXCSR and XMM slots alone, like XSAVE with only the x87
// bit requested, on CPUs without XSAVE: FXSAVE64 writes the whole image to
// this CPU's scratch area (cpu.fxArea) and the x87 bytes are copied from
// there. Clobbers AX, CX.
#define FXSAVE_X87(dst) \
	MOVQ	cpu_fxArea(GS), AX; \
	FXSAVE64	(AX); \
	MOVQ	0(AX), CX; \
	MOVQ	CX, 0(dst); \
	MOVQ	8(AX), CX; \
	MOVQ	CX, 8(dst); \
	MOVQ	16(AX), CX; \
	MOVQ	CX, 16(dst); \
	MOVQ	32(AX), CX; \
	MOVQ	CX, 32(dst); \
	MOVQ	40(AX), CX; \
	MOVQ	CX, 40(dst); \
	MOVQ	48(AX), CX; \
	MOVQ	CX, 48(dst); \
	MOVQ	56(AX), CX; \
	MOVQ	CX, 56(dst); \
	MOVQ	64(AX), CX; \
	MOVQ	CX, 64(dst); \
	MOVQ	72(AX), CX; \
	MOVQ	CX, 72(dst); \
	MOVQ	80(AX), CX; \
	MOVQ	CX, 80(dst); \
	MOVQ	88(AX), CX; \
	MOVQ	CX, 88(dst); \
	MOVQ	96(AX), CX; \
	MOVQ	CX, 96(dst); \
	MOVQ	104(AX), CX; \
	MOVQ	CX, 104(dst); \
	MOVQ	112(AX), CX; \
	MOVQ	CX, 112(dst); \
	MOVQ	120(AX), CX; \
	MOVQ	CX, 120(dst); \
	MOVQ	128(AX), CX; \
	MOVQ	CX, 128(dst); \
	MOVQ	136(AX), CX; \
	MOVQ	CX, 136(dst); \
	MOVQ	144(AX), CX; \
	MOVQ	CX, 144(dst); \
	MOVQ	152(AX), CX; \
	MOVQ	CX, 152(dst)
