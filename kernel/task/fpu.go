package task

// What the CPU offers user programs beyond AT_HWCAP: the FPU state the
// machine saves for each context, which sizes the signal frame, and
// AT_HWCAP2. Set once at boot by SetCPU (host tests keep the defaults: a
// CPU without XSAVE or FSGSBASE).
var (
	fpuFeatures uint64 // XCR0: the enabled XSAVE components; 0 without XSAVE
	fpuSize     = fxsaveSize
	hwCap2      uint64
)

// CPU describes the CPU as user programs see it.
type CPU struct {
	// XCR0 is the XSAVE components the machine enables, 0 for a CPU
	// without XSAVE.
	XCR0 uint64
	// FPUSize is the size of a context's FPU image: the XSAVE area for
	// XCR0, or FXSAVE's 512 bytes.
	FPUSize int
	// HWCap2 is AT_HWCAP2 (HWCAP2_FSGSBASE when user code may use
	// RDFSBASE and its kin).
	HWCap2 uint64
}

// SetCPU records the CPU's user-visible features for every later exec and
// signal frame.
func SetCPU(c CPU) {
	fpuFeatures, fpuSize, hwCap2 = c.XCR0, c.FPUSize, c.HWCap2
}

// Linux's signal frame bounds (arch/x86/kernel/signal.c, init_sigframe_size)
// for a kernel with 32-bit emulation, as Debian's is: the largest frame
// kind (struct sigframe_ia32: 732 bytes of members, 736 with the 8-byte
// alignment its fpstate's __u64 xfeatures gives it), alignment padding, the FPU image with
// FP_XSTATE_MAGIC2 after an XSAVE area, the legacy fsave header 32-bit
// frames carry, and the XSAVE area's 64-byte alignment.
const (
	sigframeIA32Size = 736
	framePadding     = 15
	fsaveHeaderSize  = 112
	xsavePadding     = 63
	xstateMagic2Size = 4
)

// MinSigStkSz is AT_MINSIGSTKSZ, computed as Linux computes it from the
// CPU's FPU image size: 1440 bytes on a CPU without XSAVE, more with each
// enabled XSAVE component (1776 with AVX, 3632 with PKRU's area on QEMU's
// max, as Linux prints "signal: max sigframe size"). Aramid's own 64-bit frame (the FPU image,
// MAGIC2 and the 440-byte rt_sigframe, aligned) is smaller, so a stack of
// this size always holds it.
func MinSigStkSz() uint64 {
	fp := fpuSize + fsaveHeaderSize
	if fpuSize > fxsaveSize {
		fp += xstateMagic2Size
	}
	n := sigframeIA32Size + framePadding + fp + xsavePadding
	return uint64(n+15) &^ 15
}
