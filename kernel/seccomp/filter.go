package seccomp

// Filter return values (linux/seccomp.h). The high 16 bits are the action,
// the low 16 bits its data.
const (
	RetKillProcess uint32 = 0x80000000
	RetKillThread  uint32 = 0x00000000
	RetTrap        uint32 = 0x00030000
	RetErrno       uint32 = 0x00050000
	RetUserNotif   uint32 = 0x7fc00000
	RetTrace       uint32 = 0x7ff00000
	RetLog         uint32 = 0x7ffc0000
	RetAllow       uint32 = 0x7fff0000

	RetActionFull uint32 = 0xffff0000
	RetData       uint32 = 0x0000ffff
)

// AuditArchX86_64 is AUDIT_ARCH_X86_64, seccomp_data.arch on this kernel.
const AuditArchX86_64 = 0xc000003e

// ActionKnown reports whether SECCOMP_GET_ACTION_AVAIL accepts action.
func ActionKnown(action uint32) bool {
	switch action {
	case RetKillProcess, RetKillThread, RetTrap, RetErrno, RetUserNotif, RetTrace, RetLog, RetAllow:
		return true
	}
	return false
}

// Filter is one installed program and the filters installed before it:
// a task's stack, shared by the tasks that inherited it (fork, clone,
// TSYNC). Immutable.
type Filter struct {
	prog *Program
	prev *Filter
	// pathLen is Linux's total_insns: the instructions of this filter
	// and every earlier one, each counting four more.
	pathLen int
	// Log is SECCOMP_FILTER_FLAG_LOG.
	Log bool
}

// Push returns the stack f with p on top, or ErrTooLong (ENOMEM on Linux)
// when the stack would exceed MaxPathInstructions.
func (f *Filter) Push(p *Program, log bool) (*Filter, error) {
	n := p.Len()
	if f != nil {
		n += f.pathLen + 4
	}
	if n > MaxPathInstructions {
		return nil, ErrTooLong
	}
	return &Filter{prog: p, prev: f, pathLen: n, Log: log}, nil
}

// ErrTooLong is a stack over MaxPathInstructions (ENOMEM).
var ErrTooLong = errTooLong{}

type errTooLong struct{}

func (errTooLong) Error() string { return "seccomp: filter stack too long" }

// Count returns how many filters the stack holds (/proc status
// Seccomp_filters).
func (f *Filter) Count() int {
	n := 0
	for ; f != nil; f = f.prev {
		n++
	}
	return n
}

// Descends reports whether f is anc or was built on top of it: TSYNC may
// only replace a thread's stack by one that extends it.
func (f *Filter) Descends(anc *Filter) bool {
	if anc == nil {
		return true
	}
	for ; f != nil; f = f.prev {
		if f == anc {
			return true
		}
	}
	return false
}

// Run evaluates every filter of the stack against d and returns the
// result whose action (as a signed 32-bit value, ignoring the data) is
// lowest: the most restrictive wins, the most recent among equals.
func (f *Filter) Run(d *Data) uint32 {
	if f == nil {
		return RetKillProcess // fail closed, as Linux does
	}
	ret := RetAllow
	for ; f != nil; f = f.prev {
		cur := f.prog.Run(d)
		if int32(cur&RetActionFull) < int32(ret&RetActionFull) {
			ret = cur
		}
	}
	return ret
}
