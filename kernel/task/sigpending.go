package task

import (
	"sync"

	"aramid/kernel/abi"
)

// sigAccount counts the signals queued for each real user ID, Linux's
// per-user count that RLIMIT_SIGPENDING bounds (it appears as the first
// number of /proc/<pid>/status SigQ). Each queued entry remembers the
// account it was charged to, so every way an entry leaves a queue (taken,
// discarded by a later signal's rules, dropped at exit) gives it back.
// Its mutex is a leaf.
type sigAccount struct {
	mu sync.Mutex
	n  map[uint32]int64
}

// charge counts one more signal for uid unless that would pass limit;
// override (kernel-generated and kill()-style standard signals) counts it
// even then, as Linux's override_rlimit does.
func (a *sigAccount) charge(uid uint32, limit uint64, override bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !override && uint64(a.n[uid]) >= limit {
		return false
	}
	if a.n == nil {
		a.n = make(map[uint32]int64)
	}
	a.n[uid]++
	return true
}

func (a *sigAccount) uncharge(uid uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[uid]--; a.n[uid] <= 0 {
		delete(a.n, uid)
	}
}

func (a *sigAccount) count(uid uint32) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n[uid]
}

// release gives back the charge of an entry leaving a queue.
func (si *sigInfo) release() {
	if si.acct != nil {
		si.acct.uncharge(si.acctUID)
		si.acct = nil
	}
}

// enqueueLocked queues si on q (the group's or one of its threads'),
// charged to the process's real user. Over RLIMIT_SIGPENDING a real-time
// signal not sent by kill() is refused with EAGAIN; any other signal is
// still made pending but without its information (Linux delivers it with
// si_code SI_USER and no sender). Timer signals are not charged (Linux
// charges them once, when the timer is created). g.mu held.
func (g *ThreadGroup) enqueueLocked(q *sigQueue, si sigInfo) error {
	if si.signo < abi.SIGRTMIN && q.set.Has(si.signo) {
		return nil // a pending standard signal is not queued twice
	}
	if si.code == siTimer {
		q.add(si)
		return nil
	}
	uid := g.creds.UID
	override := si.signo < abi.SIGRTMIN && si.code >= 0
	if g.k.sigAcct.charge(uid, g.RlimitCur(RlimitSigpending), override) {
		si.acct, si.acctUID = &g.k.sigAcct, uid
		q.add(si)
		return nil
	}
	if si.signo >= abi.SIGRTMIN && si.code != siUser {
		return abi.EAGAIN
	}
	q.set |= si.signo.Mask()
	return nil
}

// QueuedSignals is the number of signals queued for the process's real
// user and its RLIMIT_SIGPENDING (/proc/<pid>/status SigQ).
func (g *ThreadGroup) QueuedSignals() (n int64, limit uint64) {
	g.mu.Lock()
	uid := g.creds.UID
	g.mu.Unlock()
	return g.k.sigAcct.count(uid), g.RlimitCur(RlimitSigpending)
}

// SendIO sends an O_ASYNC notification to the process (Linux's
// send_sigio_to_task): sig 0 is a plain SIGIO with si_code SI_KERNEL;
// any other signal carries reason (a POLL_* code), band and fd, and falls
// back to a plain SIGIO when it cannot be queued.
func (g *ThreadGroup) SendIO(sig abi.Signal, reason int32, band uint32, fd int32) {
	if sig != 0 {
		si := sigInfo{signo: sig, code: reason, addr: uint64(band), status: fd, sigpoll: true}
		if g.SendGroup(si) == nil {
			return
		}
	}
	g.SendGroup(sigInfo{signo: abi.SIGIO, code: siKernel})
}

// SendIO sends an O_ASYNC notification to this thread alone (an
// F_OWNER_TID owner), with the same fields and fallback as the process
// form.
func (t *Task) SendIO(sig abi.Signal, reason int32, band uint32, fd int32) {
	if sig != 0 {
		si := sigInfo{signo: sig, code: reason, addr: uint64(band), status: fd, sigpoll: true}
		if t.Send(si) == nil {
			return
		}
	}
	t.Send(sigInfo{signo: abi.SIGIO, code: siKernel})
}
