package task

import (
	"encoding/binary"

	"aramid/kernel/abi"
)

// Restartable sequences (rseq). A thread registers a struct rseq; the
// kernel keeps its cpu_id fields current (the CPU it returns to) whenever the
// thread returns to user space after a signal or a preemption, and a
// critical section interrupted by either is restarted at its abort
// handler. State is per thread and touched only by the thread itself.

// rseqState is a thread's registration (zero addr: none).
type rseqState struct {
	addr uint64
	len  uint32
	sig  uint32
	// event records a preemption or signal since the last fix-up: a
	// critical section it interrupted must restart.
	event bool
	// cpu is the CPU id last stored in the area.
	cpu int32
}

// RseqSize is sizeof(struct rseq) (Linux 6.1: the 32-byte original).
const RseqSize = 32

// rseqCPUIDUninitialized is cpu_id after unregistration.
const rseqCPUIDUninitialized = ^uint32(0)

const (
	rseqFlagUnregister = 1
	userTop            = 0x7ffffffff000 // TASK_SIZE
)

// Rseq implements rseq(2).
func (t *Task) Rseq(addr uint64, length uint32, flags int32, sig uint32) error {
	m := t.MM()
	if flags&rseqFlagUnregister != 0 {
		if flags&^rseqFlagUnregister != 0 || t.rseq.addr != addr || t.rseq.len != length {
			return abi.EINVAL
		}
		if t.rseq.sig != sig {
			return abi.EPERM
		}
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b[4:], rseqCPUIDUninitialized)
		if err := m.CopyOut(addr, b); err != nil {
			return abi.EFAULT
		}
		t.rseq = rseqState{}
		return nil
	}
	if flags != 0 {
		return abi.EINVAL
	}
	if t.rseq.addr != 0 {
		if t.rseq.addr != addr || t.rseq.len != length {
			return abi.EINVAL
		}
		if t.rseq.sig != sig {
			return abi.EPERM
		}
		return abi.EBUSY
	}
	if addr%RseqSize != 0 || length != RseqSize {
		return abi.EINVAL
	}
	if addr >= userTop || addr+RseqSize > userTop {
		return abi.EFAULT
	}
	t.rseq = rseqState{addr: addr, len: length, sig: sig}
	// The fields are filled in on the way back to user space; a failure
	// there is SIGSEGV, as on Linux.
	if err := t.rseqFixup(); err != nil {
		t.forceDefault(abi.SIGSEGV)
	}
	return nil
}

// rseqPreempted notes that the thread was preempted and applies the
// fix-up before it returns to user space.
func (t *Task) rseqPreempted() {
	if t.rseq.addr == 0 {
		return
	}
	t.rseq.event = true
	if err := t.rseqFixup(); err != nil {
		t.forceDefault(abi.SIGSEGV)
	}
}

// rseqSignal runs before a signal frame is built: a critical section the
// signal interrupted restarts at its abort handler (the frame saves that
// address). A bad descriptor or area is SIGSEGV.
func (t *Task) rseqSignal() {
	if t.rseq.addr == 0 {
		return
	}
	t.rseq.event = true
	if err := t.rseqFixup(); err != nil {
		t.forceDefault(abi.SIGSEGV)
	}
}

// rseqFixup is Linux's __rseq_handle_notify_resume: validate rseq_cs,
// move the instruction pointer to abort_ip when it lies in the critical
// section and an event happened, clear rseq_cs, and store the CPU ids.
func (t *Task) rseqFixup() error {
	m := t.MM()
	r := t.Regs()
	base := t.rseq.addr
	ptr, err := m.ReadUint64(base + 8)
	if err != nil {
		return err
	}
	if ptr != 0 {
		if ptr >= userTop {
			return abi.EINVAL
		}
		d := make([]byte, 32)
		if err := m.CopyIn(ptr, d); err != nil {
			return err
		}
		le := binary.LittleEndian
		version, csFlags := le.Uint32(d), le.Uint32(d[4:])
		start, off, abort := le.Uint64(d[8:]), le.Uint64(d[16:]), le.Uint64(d[24:])
		if start >= userTop || start+off >= userTop || abort >= userTop || version > 0 ||
			start+off < start || abort-start < off {
			return abi.EINVAL
		}
		s, err := m.ReadUint32(abort - 4)
		if err != nil {
			return err
		}
		if s != t.rseq.sig {
			return abi.EINVAL
		}
		if r.Rip-start < off {
			if csFlags != 0 {
				return abi.EINVAL // the deprecated no-restart flags
			}
			fl, err := m.ReadUint32(base + 16)
			if err != nil {
				return err
			}
			if fl != 0 {
				return abi.EINVAL
			}
			if t.rseq.event {
				t.rseq.event = false
				if err := m.WriteUint64(base+8, 0); err != nil {
					return err
				}
				r.Rip = abort
			}
		} else if err := m.WriteUint64(base+8, 0); err != nil {
			return err
		}
	}
	t.rseq.event = false
	cpu := t.cpu.Load()
	t.rseq.cpu = cpu
	return m.WriteUint64(base, uint64(uint32(cpu))*0x100000001) // cpu_id_start, cpu_id
}

// forceDefault delivers sig with its default action, whatever the handler
// or mask (Linux's force_sigsegv).
func (t *Task) forceDefault(sig abi.Signal) {
	g := t.tg
	g.mu.Lock()
	t.mu.Lock()
	g.handlers[sig].Handler = uint64(abi.SIG_DFL)
	t.sigmask &^= sig.Mask()
	t.pending.add(sigInfo{signo: sig, code: siKernel})
	t.attn.Store(1)
	t.mu.Unlock()
	g.mu.Unlock()
}
