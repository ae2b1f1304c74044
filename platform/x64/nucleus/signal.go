package nucleus

import "unsafe"

// Signals for the runtime: its handlers are recorded, and a CPU exception in
// Go code is turned into a Linux signal frame on the thread's sigaltstack, so
// a nil dereference becomes a Go panic (and recover works) exactly as on
// Linux. Signal numbers index sigActions directly; masks use the Linux
// sigset convention (signal n is bit n-1).

const (
	sigILL  = 4
	sigTRAP = 5
	sigBUS  = 7
	sigFPE  = 8
	sigSEGV = 11

	saSiginfo  = 0x4
	saOnstack  = 0x08000000
	saRestorer = 0x04000000
	saNodefer  = 0x40000000
	ssOnstack  = 1
	ssDisable  = 2

	// Offsets in the x86-64 rt_sigframe / ucontext / sigcontext.
	ucFlags       = 0
	ucLink        = 8
	ucStack       = 16
	ucMcontext    = 40
	ucSigmask     = 40 + 256
	ucSize        = 304
	frameUC       = 8 // after pretcode
	frameInfo     = 8 + ucSize
	frameSize     = frameInfo + 128
	scR8          = 0
	scRIP         = 128
	scEFL         = 136
	scCSGSFS      = 144
	scErr         = 152
	scTrapno      = 160
	scOldmask     = 168
	scCR2         = 176
	scFpstate     = 184
	xsaveXMMOff   = 160 // X0 in the legacy XSAVE area
	xsaveYMMHiOff = 576 // upper half of Y0 (standard format)
)

type sigAction struct {
	handler, flags, restorer, mask uint64
}

var sigActions [65]sigAction

//go:nosplit
func sysSigaction(sig, act, old, size uint64) int64 {
	if sig == 0 || sig > 64 || size != 8 {
		return -errEINVAL
	}
	if old != 0 {
		*(*sigAction)(unsafe.Pointer(uintptr(old))) = sigActions[sig]
	}
	if act != 0 {
		sigActions[sig] = *(*sigAction)(unsafe.Pointer(uintptr(act)))
	}
	return 0
}

//go:nosplit
func sysSigprocmask(how, set, old, size uint64) int64 {
	const sigBlock, sigUnblock, sigSetmask = 0, 1, 2
	t := current()
	if old != 0 {
		*ptr64(uintptr(old)) = t.sigmask
	}
	if set == 0 {
		return 0
	}
	s := *ptr64(uintptr(set))
	switch how {
	case sigBlock:
		t.sigmask |= s
	case sigUnblock:
		t.sigmask &^= s
	case sigSetmask:
		t.sigmask = s
	default:
		return -errEINVAL
	}
	return 0
}

//go:nosplit
func sysSigaltstack(ss, old uint64) int64 {
	t := current()
	if old != 0 {
		flags := t.altFlags
		if t.altFlags&ssDisable == 0 && onAltStack(t, readSP()) {
			flags |= ssOnstack
		}
		*ptr64(uintptr(old)) = t.altSP
		*ptr64(uintptr(old) + 8) = flags
		*ptr64(uintptr(old) + 16) = t.altSize
	}
	if ss != 0 {
		flags := *ptr32(uintptr(ss) + 8)
		if flags&ssDisable != 0 {
			t.altSP, t.altSize, t.altFlags = 0, 0, ssDisable
		} else {
			t.altSP = *ptr64(uintptr(ss))
			t.altSize = *ptr64(uintptr(ss) + 16)
			t.altFlags = 0
		}
	}
	return 0
}

// readSP is the caller's stack pointer at the syscall, which is what
// SS_ONSTACK reports on; the syscall frame holds it.
//
//go:nosplit
func readSP() uint64 {
	top := thisCPU().kstackTop
	return (*trapFrame)(unsafe.Pointer(top - unsafe.Sizeof(trapFrame{}))).rsp
}

//go:nosplit
func onAltStack(t *thread, sp uint64) bool {
	return t.altFlags&ssDisable == 0 && sp >= t.altSP && sp < t.altSP+t.altSize
}

// signalForVector maps a CPU exception to the signal Linux would send, with
// its si_code.
//
//go:nosplit
func signalForVector(v uint64, err uint64) (sig uint64, code uint64) {
	switch v {
	case 0: // #DE
		return sigFPE, 1 // FPE_INTDIV
	case 1, 3: // #DB, #BP
		return sigTRAP, 1 // TRAP_BRKPT
	case 4, 5: // #OF, #BR
		return sigSEGV, 0x80 // SI_KERNEL
	case 6: // #UD
		return sigILL, 2 // ILL_ILLOPN
	case 13: // #GP
		return sigSEGV, 0x80
	case 14: // #PF
		if err&1 != 0 {
			return sigSEGV, 2 // SEGV_ACCERR
		}
		return sigSEGV, 1 // SEGV_MAPERR
	case 16, 19: // #MF, #XM
		return sigFPE, 0
	case 17: // #AC
		return sigBUS, 1 // BUS_ADRALN
	}
	return 0, 0
}

// canDeliver reports whether the runtime has a handler for the fault in f.
//
//go:nosplit
func canDeliver(f *trapFrame) bool {
	sig, _ := signalForVector(f.vector, f.errCode)
	if sig == 0 {
		return false
	}
	h := sigActions[sig].handler
	return h > 1 // not SIG_DFL or SIG_IGN
}

// deliverSignal rewrites f so that returning from the trap enters the
// runtime's handler for the fault in f on a Linux rt_sigframe.
//
//go:nosplit
func deliverSignal(f *trapFrame, cr2 uint64) {
	t := current()
	sig, code := signalForVector(f.vector, f.errCode)
	act := &sigActions[sig]

	sp := f.rsp - 128 // skip the red zone
	if act.flags&saOnstack != 0 && t.altFlags&ssDisable == 0 && !onAltStack(t, f.rsp) {
		sp = t.altSP + t.altSize
	}
	// FPU state, 64-byte aligned, above the frame. X0-X15 as they were at the
	// fault are in f (the trap handler has used them since).
	sp = (sp - xsaveSize) &^ 63
	fp := uintptr(sp)
	memzero(fp, uintptr(xsaveSize))
	xsave(fp)
	memcopy(fp+xsaveXMMOff, uintptr(unsafe.Pointer(&f.xmm[0])), 256)

	sp = (sp-frameSize)&^15 - 8
	frame := uintptr(sp)
	memzero(frame, frameSize)
	*ptr64(frame) = act.restorer
	uc := frame + frameUC
	*ptr64(uc + ucStack) = t.altSP
	*ptr32(uc + ucStack + 8) = uint32(t.altFlags)
	*ptr64(uc + ucStack + 16) = t.altSize
	mc := uc + ucMcontext
	saveRegs(mc, f)
	*ptr64(mc + scErr) = f.errCode
	*ptr64(mc + scTrapno) = f.vector
	*ptr64(mc + scOldmask) = t.sigmask
	*ptr64(mc + scCR2) = cr2
	*ptr64(mc + scFpstate) = uint64(fp)
	*ptr64(uc + ucSigmask) = t.sigmask

	info := frame + frameInfo
	*ptr32(info) = uint32(sig)
	*ptr32(info + 8) = uint32(code)
	if sig == sigSEGV || sig == sigBUS {
		*ptr64(info + 16) = cr2
	} else {
		*ptr64(info + 16) = f.rip
	}

	if act.flags&saNodefer == 0 {
		t.sigmask |= 1 << (sig - 1)
	}
	t.sigmask |= act.mask

	f.rip = act.handler
	f.rsp = sp
	f.rdi = sig
	f.rsi = uint64(info)
	f.rdx = uint64(uc)
	f.rax = 0
	f.rflags &^= 0x40500 // TF, DF, AC
	f.vector = vectorSignal
}

const vectorSignal = 0x101 // a frame rewritten for signal entry or return

// saveRegs writes f's registers into a sigcontext at mc.
//
//go:nosplit
func saveRegs(mc uintptr, f *trapFrame) {
	regs := [...]uint64{f.r8, f.r9, f.r10, f.r11, f.r12, f.r13, f.r14, f.r15,
		f.rdi, f.rsi, f.rbp, f.rbx, f.rdx, f.rax, f.rcx, f.rsp, f.rip, f.rflags}
	for i, v := range regs {
		*ptr64(mc + uintptr(i)*8) = v
	}
	*ptr64(mc + scCSGSFS) = f.cs | f.ss<<48
}

// sysSigreturn restores the context saved by deliverSignal (as possibly
// edited by the handler, which is how the runtime injects sigpanic).
//
//go:nosplit
func sysSigreturn(f *trapFrame) {
	t := current()
	frame := uintptr(f.rsp - 8) // the handler's RET popped pretcode
	uc := frame + frameUC
	mc := uc + ucMcontext
	f.r8, f.r9, f.r10, f.r11 = *ptr64(mc), *ptr64(mc + 8), *ptr64(mc + 16), *ptr64(mc + 24)
	f.r12, f.r13, f.r14, f.r15 = *ptr64(mc + 32), *ptr64(mc + 40), *ptr64(mc + 48), *ptr64(mc + 56)
	f.rdi, f.rsi, f.rbp, f.rbx = *ptr64(mc + 64), *ptr64(mc + 72), *ptr64(mc + 80), *ptr64(mc + 88)
	f.rdx, f.rax, f.rcx, f.rsp = *ptr64(mc + 96), *ptr64(mc + 104), *ptr64(mc + 112), *ptr64(mc + 120)
	f.rip = *ptr64(mc + scRIP)
	// Only the arithmetic flags, DF and the like come from the editable
	// context; interrupts stay enabled and the privilege level stays ring 0.
	f.rflags = *ptr64(mc + scEFL)&0xdd5 | rflagsIF
	f.cs, f.ss = kernelCS, kernelDS
	t.sigmask = *ptr64(uc + ucSigmask)
	if fp := uintptr(*ptr64(mc + scFpstate)); fp != 0 {
		xrstor(fp)
		memcopy(uintptr(unsafe.Pointer(&f.xmm[0])), fp+xsaveXMMOff, 256)
	}
	f.vector = vectorSignal
}
