package abi

// Signal is a Linux signal number, 1 to SIGRTMAX.
type Signal int

// Signal numbers (asm/signal.h for x86_64).
const (
	SIGHUP    Signal = 1
	SIGINT    Signal = 2
	SIGQUIT   Signal = 3
	SIGILL    Signal = 4
	SIGTRAP   Signal = 5
	SIGABRT   Signal = 6
	SIGIOT    Signal = 6
	SIGBUS    Signal = 7
	SIGFPE    Signal = 8
	SIGKILL   Signal = 9
	SIGUSR1   Signal = 10
	SIGSEGV   Signal = 11
	SIGUSR2   Signal = 12
	SIGPIPE   Signal = 13
	SIGALRM   Signal = 14
	SIGTERM   Signal = 15
	SIGSTKFLT Signal = 16
	SIGCHLD   Signal = 17
	SIGCONT   Signal = 18
	SIGSTOP   Signal = 19
	SIGTSTP   Signal = 20
	SIGTTIN   Signal = 21
	SIGTTOU   Signal = 22
	SIGURG    Signal = 23
	SIGXCPU   Signal = 24
	SIGXFSZ   Signal = 25
	SIGVTALRM Signal = 26
	SIGPROF   Signal = 27
	SIGWINCH  Signal = 28
	SIGIO     Signal = 29
	SIGPOLL   Signal = 29
	SIGPWR    Signal = 30
	SIGSYS    Signal = 31

	// SIGRTMIN is the kernel's first real-time signal; glibc reserves
	// 32 and 33 and reports SIGRTMIN as 34.
	SIGRTMIN Signal = 32
	SIGRTMAX Signal = 64
	NSIG            = 65 // _NSIG + 1: signals are 1..64
)

// Valid reports whether s is a signal number (1 to 64).
func (s Signal) Valid() bool { return s >= 1 && s <= SIGRTMAX }

// Mask returns the sigset_t bit for s: signal n is bit n-1, the convention
// user space uses and the only one this kernel uses.
func (s Signal) Mask() SignalSet {
	if !s.Valid() {
		return 0
	}
	return 1 << uint(s-1)
}

// SignalSet is a sigset_t as the kernel sees it: 64 bits, signal n at bit
// n-1.
type SignalSet uint64

// SizeofSignalSet is the sigsetsize rt_sigprocmask(2) and friends require.
const SizeofSignalSet = 8

// MakeSignalSet returns the set holding the given signals.
func MakeSignalSet(sigs ...Signal) SignalSet {
	var s SignalSet
	for _, sig := range sigs {
		s |= sig.Mask()
	}
	return s
}

// Has reports whether sig is in the set.
func (s SignalSet) Has(sig Signal) bool { return sig.Valid() && s&sig.Mask() != 0 }

// UnblockableSignals are the signals no mask can block.
const UnblockableSignals = SignalSet(1<<(SIGKILL-1) | 1<<(SIGSTOP-1))

// rt_sigprocmask(2) hows.
const (
	SIG_BLOCK   = 0
	SIG_UNBLOCK = 1
	SIG_SETMASK = 2
)

// Special handler values.
const (
	SIG_DFL = 0
	SIG_IGN = 1
	SIG_ERR = ^uintptr(0) // (void *)-1
)

// sigaction sa_flags bits.
const (
	SA_NOCLDSTOP = 0x1
	SA_NOCLDWAIT = 0x2
	SA_SIGINFO   = 0x4
	SA_RESTORER  = 0x04000000
	SA_ONSTACK   = 0x08000000
	SA_RESTART   = 0x10000000
	SA_NODEFER   = 0x40000000
	SA_RESETHAND = 0x80000000
)

// sigaltstack(2) flags and sizes.
const (
	SS_ONSTACK    = 1
	SS_DISABLE    = 2
	SS_AUTODISARM = 1 << 31
	MINSIGSTKSZ   = 2048
	SIGSTKSZ      = 8192
)
