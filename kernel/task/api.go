package task

import (
	"runtime"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/mm"
)

// SigAction returns and optionally replaces the disposition of sig.
func (t *Task) SigAction(sig abi.Signal, act *SigAction) (SigAction, error) {
	if !sig.Valid() || act != nil && (sig == abi.SIGKILL || sig == abi.SIGSTOP) {
		return SigAction{}, abi.EINVAL
	}
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.handlers[sig]
	if act != nil {
		a := *act
		a.Mask &^= abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
		g.handlers[sig] = a
		// Setting SIG_IGN (or SIG_DFL for an ignore-by-default signal)
		// discards what is pending.
		if g.ignored(sig) {
			g.pending.remove(sig)
			for _, o := range g.tasks {
				o.mu.Lock()
				o.pending.remove(sig)
				o.mu.Unlock()
			}
		}
	}
	return old, nil
}

// SigMask returns the signal mask.
func (t *Task) SigMask() abi.SignalSet {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sigmask
}

// SetSigMask replaces the signal mask (SIGKILL and SIGSTOP stay unblocked).
func (t *Task) SetSigMask(m abi.SignalSet) {
	t.mu.Lock()
	t.sigmask = m &^ abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
	t.mu.Unlock()
}

// PendingSets returns the signals pending for the thread alone and for its
// whole process (/proc/<pid>/status SigPnd and ShdPnd).
func (t *Task) PendingSets() (thread, shared abi.SignalSet) {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pending.set, g.pending.set
}

// Pending returns the signals pending for the thread or its process.
func (t *Task) Pending() abi.SignalSet {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pending.set | g.pending.set
}

// SigAltStack returns and optionally replaces the alternate signal stack,
// with Linux's rules: no change while running on it (EPERM), the mode must
// be 0, SS_ONSTACK or SS_DISABLE (plus SS_AUTODISARM), a stack smaller than
// MINSIGSTKSZ is ENOMEM, and SS_DISABLE forgets the stack. The flags read
// back are SS_DISABLE (no stack) or SS_ONSTACK (running on it, which an
// SS_AUTODISARM stack never reports) plus SS_AUTODISARM as set.
func (t *Task) SigAltStack(sp, size uint64, flags uint32, set bool) (oSP, oSize uint64, oFlags uint32, err error) {
	const minSigStkSz = 2048
	t.mu.Lock()
	defer t.mu.Unlock()
	rsp := t.Regs().Rsp
	oSP, oSize = t.altSP, t.altSize
	onStack := t.altFlags&abi.SS_AUTODISARM == 0 && t.altSize != 0 && rsp > t.altSP && rsp-t.altSP <= t.altSize
	switch {
	case t.altSize == 0:
		oFlags = abi.SS_DISABLE
	case onStack:
		oFlags = abi.SS_ONSTACK
	}
	oFlags |= t.altFlags & abi.SS_AUTODISARM
	if !set {
		return
	}
	if onStack {
		return 0, 0, 0, abi.EPERM
	}
	switch mode := flags &^ abi.SS_AUTODISARM; mode {
	case abi.SS_DISABLE:
		t.altSP, t.altSize, t.altFlags = 0, 0, flags
	case 0, abi.SS_ONSTACK:
		if size < minSigStkSz {
			return 0, 0, 0, abi.ENOMEM
		}
		t.altSP, t.altSize, t.altFlags = sp, size, flags
	default:
		return 0, 0, 0, abi.EINVAL
	}
	return
}

// SetCallSigMask installs a signal mask for the rest of this system call
// (ppoll, pselect6, epoll_pwait): it stays until a handler runs on the
// way out (whose frame saves the original mask) or, with no signal, until
// the call returns.
func (t *Task) SetCallSigMask(m abi.SignalSet) {
	t.mu.Lock()
	old := t.sigmask
	t.savedMask = &old
	t.attn.Store(1)
	t.sigmask = m &^ abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
	t.mu.Unlock()
}

// SigSuspend replaces the mask until a handled signal arrives (the caller
// returns ERESTARTNOHAND so the handler runs and the call reports EINTR).
func (t *Task) SigSuspend(mask abi.SignalSet) error {
	t.mu.Lock()
	old := t.sigmask
	t.savedMask = &old
	t.attn.Store(1)
	t.sigmask = mask &^ abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
	t.mu.Unlock()
	for {
		if err := t.Block(nil, -1); err != nil {
			return abi.ERESTARTNOHAND
		}
	}
}

// SigTimedWait dequeues a signal in set, waiting up to timeout (negative:
// forever; zero: poll). It returns the signal and its siginfo bytes.
func (t *Task) SigTimedWait(set abi.SignalSet, timeout time.Duration) (abi.Signal, []byte, error) {
	set &^= abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
	deadline := time.Now().Add(timeout)
	for {
		g := t.tg
		g.mu.Lock()
		t.mu.Lock()
		// Take only from set, regardless of the mask.
		si, ok := t.takeSignalLocked(^set)
		t.mu.Unlock()
		g.mu.Unlock()
		if ok {
			b := make([]byte, 128)
			encodeSiginfo(b, si)
			return si.signo, b, nil
		}
		if timeout == 0 {
			return 0, nil, abi.EAGAIN
		}
		wait := time.Duration(-1)
		if timeout > 0 {
			if wait = time.Until(deadline); wait <= 0 {
				return 0, nil, abi.EAGAIN
			}
		}
		// Signals in set wake us even while blocked: check them first.
		err := t.blockForSet(set, wait)
		if err == abi.ETIMEDOUT {
			return 0, nil, abi.EAGAIN
		}
		if err != nil {
			return 0, nil, abi.EINTR
		}
	}
}

// blockForSet waits for a signal in set (nil) or any unblocked signal
// (ERESTARTSYS), or the timeout.
func (t *Task) blockForSet(set abi.SignalSet, timeout time.Duration) error {
	defer t.away(t.k.Monotonic())
	var tc <-chan time.Time
	if timeout >= 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		tc = tm.C
	}
	for {
		if t.Pending()&set != 0 {
			return nil
		}
		if t.interrupted() {
			return abi.ERESTARTSYS
		}
		select {
		case <-tc:
			return abi.ETIMEDOUT
		case <-t.interrupt:
		}
	}
}

// SignalInfo builds a siginfo for a signal sent by kill/tgkill from sender.
func SignalInfo(sig abi.Signal, code int32, sender *Task) sigInfo {
	si := sigInfo{signo: sig, code: code}
	if sender != nil {
		si.pid = sender.tg.ID
		si.uid = sender.tg.Creds().UID
	}
	return si
}

// Kill implements kill(2): pid > 0 a process, 0 the caller's process group,
// -1 every process but init and the caller, < -1 process group -pid.
func (t *Task) Kill(pid int32, sig abi.Signal) error {
	if sig != 0 && !sig.Valid() {
		return abi.EINVAL
	}
	k := t.k
	var targets []*ThreadGroup
	k.mu.Lock()
	switch {
	case pid > 0:
		if g := k.groups[pid]; g != nil {
			targets = append(targets, g)
		}
	case pid == 0 || pid < -1:
		pg := t.tg.pgid
		if pid < -1 {
			pg = -pid
		}
		for _, g := range k.groups {
			if g.pgid == pg {
				targets = append(targets, g)
			}
		}
	default:
		for _, g := range k.groups {
			if g.ID != 1 && g != t.tg {
				targets = append(targets, g)
			}
		}
	}
	k.mu.Unlock()
	// Linux's answers: one process, EPERM if not allowed; a process
	// group, success if any member was signalled, else the last error;
	// every process (-1), success unless nothing matched, since EPERM
	// from some of them does not count.
	live, sent, denied := 0, 0, 0
	for _, g := range targets {
		if g.Zombie() {
			if pid > 0 {
				live++ // a zombie can still be "signalled" (no effect)
			}
			continue
		}
		live++
		if !killAllowed(t.tg, g, sig) {
			denied++
			continue
		}
		sent++
		if sig != 0 {
			g.SendGroup(SignalInfo(sig, siUser, t))
		}
	}
	switch {
	case live == 0:
		return abi.ESRCH
	case pid > 0 && denied > 0, pid != -1 && sent == 0:
		return abi.EPERM
	}
	return nil
}

// Tgkill sends sig to thread tid of process tgid (tgid < 0: any process).
func (t *Task) Tgkill(tgid, tid int32, sig abi.Signal) error {
	if sig != 0 && !sig.Valid() || tid <= 0 {
		return abi.EINVAL
	}
	target := t.k.Task(tid)
	if target == nil || tgid > 0 && target.tg.ID != tgid {
		return abi.ESRCH
	}
	if !killAllowed(t.tg, target.tg, sig) {
		return abi.EPERM
	}
	if sig != 0 {
		return target.Send(SignalInfo(sig, siTkill, t))
	}
	return nil
}

// SendToGroup sends a kernel-generated signal (SIGINT from the terminal,
// SIGPIPE, SIGALRM) to every process in process group pgid.
func (k *Kernel) SendToGroup(pgid int32, sig abi.Signal) {
	k.mu.Lock()
	var targets []*ThreadGroup
	for _, g := range k.groups {
		if g.pgid == pgid {
			targets = append(targets, g)
		}
	}
	k.mu.Unlock()
	for _, g := range targets {
		g.SendGroup(sigInfo{signo: sig, code: siKernel})
	}
}

// SendKernel sends a kernel-generated signal to the task's process.
func (t *Task) SendKernel(sig abi.Signal) {
	t.tg.SendGroup(sigInfo{signo: sig, code: siKernel})
}

// SetPGID implements setpgid(2).
func (t *Task) SetPGID(pid, pgid int32) error {
	k := t.k
	if pgid == 0 {
		pgid = pid
	}
	if pgid < 0 {
		return abi.EINVAL
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	g := t.tg
	if pid != 0 && pid != g.ID {
		c := k.groups[pid]
		if c == nil || c.parent != g {
			return abi.ESRCH
		}
		if c.sid != g.sid {
			return abi.EPERM
		}
		if c.execed {
			return abi.EACCES
		}
		g = c
	}
	if pgid == 0 {
		pgid = g.ID
	}
	if pgid < 0 {
		return abi.EINVAL
	}
	if g.sid == g.ID {
		return abi.EPERM // a session leader cannot move
	}
	if pgid != g.ID {
		found := false
		for _, o := range k.groups {
			if o.pgid == pgid && o.sid == g.sid {
				found = true
				break
			}
		}
		if !found {
			return abi.EPERM
		}
	}
	g.pgid = pgid
	g.idGen.Add(1)
	return nil
}

// GetPGID returns the process group of pid (0: the caller).
func (t *Task) GetPGID(pid int32) (int32, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	g := t.tg
	if pid != 0 {
		if g = k.groups[pid]; g == nil {
			return 0, abi.ESRCH
		}
	}
	return g.pgid, nil
}

// GetSID returns the session of pid (0: the caller).
func (t *Task) GetSID(pid int32) (int32, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	g := t.tg
	if pid != 0 {
		if g = k.groups[pid]; g == nil {
			return 0, abi.ESRCH
		}
	}
	return g.sid, nil
}

// SetSID implements setsid(2).
func (t *Task) SetSID() (int32, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	g := t.tg
	for _, o := range k.groups {
		if o.pgid == g.ID {
			return 0, abi.EPERM // already a process-group leader
		}
	}
	g.sid, g.pgid = g.ID, g.ID
	g.idGen.Add(1)
	return g.ID, nil
}

// SetClearChildTID implements set_tid_address(2).
func (t *Task) SetClearChildTID(addr uint64) {
	t.mu.Lock()
	t.clearChildTID = addr
	t.mu.Unlock()
}

// SetRobustList records set_robust_list(2)'s head.
func (t *Task) SetRobustList(head uint64) {
	t.mu.Lock()
	t.robustList = head
	t.mu.Unlock()
}

// RobustList returns the recorded robust-list head.
func (t *Task) RobustList() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.robustList
}

// Children returns the process's children (for /proc and waits).
func (g *ThreadGroup) Children() []*ThreadGroup {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*ThreadGroup, 0, len(g.children))
	for c := range g.children {
		out = append(out, c)
	}
	return out
}

// SigInfo is a dequeued signal's details (signalfd, sigwaitinfo).
type SigInfo struct {
	Signo  abi.Signal
	Errno  int32
	Code   int32
	PID    int32
	UID    uint32
	Status int32
	Addr   uint64
	Value  uint64
}

// DequeueSignal takes a pending signal in set (thread-directed first)
// without waiting.
func (t *Task) DequeueSignal(set abi.SignalSet) (SigInfo, bool) {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	si, ok := t.takeSignalLocked(^set)
	if !ok {
		return SigInfo{}, false
	}
	return SigInfo{Signo: si.signo, Errno: si.errno, Code: si.code, PID: si.pid, UID: si.uid,
		Status: si.status, Addr: si.addr, Value: si.value}, true
}

// WatchSignals calls fn whenever a signal is queued to the process or any
// of its threads (signalfd readiness). The returned func stops it.
func (g *ThreadGroup) WatchSignals(fn func()) (cancel func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := g.nextWatch
	g.nextWatch++
	if g.watchers == nil {
		g.watchers = map[int]func(){}
	}
	g.watchers[id] = fn
	return func() {
		g.mu.Lock()
		delete(g.watchers, id)
		g.mu.Unlock()
	}
}

func (g *ThreadGroup) notifyWatchersLocked() {
	for _, fn := range g.watchers {
		go fn()
	}
}

// ThreadTimes returns the time the thread ran user code and the time the
// kernel ran for it.
func (t *Task) ThreadTimes() (user, sys time.Duration) {
	return time.Duration(t.cpuTime.Load()), time.Duration(t.sysTime.Load())
}

// ThreadCPUTime is the thread's CPU time, user and system.
func (t *Task) ThreadCPUTime() time.Duration {
	u, s := t.ThreadTimes()
	return u + s
}

// Times returns the user and system time of the process's threads, live
// and exited.
func (g *ThreadGroup) Times() (user, sys time.Duration) {
	u, s := g.deadCPU.Load(), g.deadSys.Load()
	for _, t := range g.Tasks() {
		u += t.cpuTime.Load()
		s += t.sysTime.Load()
	}
	return time.Duration(u), time.Duration(s)
}

// CPUTime is the process's CPU time, user and system.
func (g *ThreadGroup) CPUTime() time.Duration {
	u, s := g.Times()
	return u + s
}

// away records that the thread was off the CPU — blocked, asleep or
// yielding to others — from start (a reading of the kernel's monotonic
// clock, a TSC read, not a system call as time.Now is here) until now:
// kernel time, but not system time.
func (t *Task) away(start time.Duration) { t.offCPU.Add(int64(t.k.Monotonic() - start)) }

// Yield lets other goroutines run (sched_yield, a timer tick); the time
// they take is not the thread's.
func (t *Task) Yield() {
	defer t.away(t.k.Monotonic())
	runtime.Gosched()
}

// SetPdeathsig records PR_SET_PDEATHSIG.
func (g *ThreadGroup) SetPdeathsig(sig abi.Signal) {
	g.mu.Lock()
	g.pdeathsig = sig
	g.mu.Unlock()
}

// Pdeathsig returns PR_GET_PDEATHSIG.
func (g *ThreadGroup) Pdeathsig() abi.Signal {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pdeathsig
}

// SchedAttr is a thread's scheduling attributes (what sched_getattr
// reports). One CPU runs every thread; the attributes are recorded and
// inherited as on Linux.
type SchedAttr struct {
	Nice, Policy, Priority    int32
	ResetOnFork               bool
	Runtime, Deadline, Period uint64 // SCHED_DEADLINE parameters
}

// SchedAttr returns the thread's scheduling attributes.
func (t *Task) SchedAttr() SchedAttr {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sched
}

// SetSchedAttr replaces them.
func (t *Task) SetSchedAttr(a SchedAttr) {
	t.mu.Lock()
	t.sched = a
	t.mu.Unlock()
}

// forkSched is what a child inherits: everything, except that with
// reset-on-fork a real-time or deadline policy becomes SCHED_OTHER, a
// negative nice becomes 0, and the flag itself is cleared.
func forkSched(a SchedAttr) SchedAttr {
	const schedOther, schedFIFO, schedRR, schedDeadline = 0, 1, 2, 6
	if !a.ResetOnFork {
		return a
	}
	switch a.Policy {
	case schedFIFO, schedRR, schedDeadline:
		a.Policy, a.Priority, a.Runtime, a.Deadline, a.Period = schedOther, 0, 0, 0, 0
	}
	a.Nice = max(a.Nice, 0)
	a.ResetOnFork = false
	return a
}

// Queue sends a signal with caller-supplied siginfo (rt_sigqueueinfo) to
// the process, or to one thread when t is non-nil.
func (g *ThreadGroup) Queue(t *Task, si SigInfo) error {
	info := sigInfo{signo: si.Signo, errno: si.Errno, code: si.Code, pid: si.PID, uid: si.UID, value: si.Value}
	if t != nil {
		return t.Send(info)
	}
	return g.SendGroup(info)
}

// FSCreds copies the filesystem uid, gid and supplementary groups into the
// given places, reusing the groups slice's storage.
func (g *ThreadGroup) FSCreds(uid, gid *uint32, groups *[]uint32) {
	g.mu.Lock()
	*uid, *gid = g.creds.FSUID, g.creds.FSGID
	*groups = append((*groups)[:0], g.creds.Groups...)
	g.mu.Unlock()
}

// SessionIDs returns pid, pgid and sid.
func (g *ThreadGroup) SessionIDs() (pid, pgid, sid int32) {
	g.k.mu.Lock()
	defer g.k.mu.Unlock()
	return g.ID, g.pgid, g.sid
}

// MaxRSS is the process's peak resident set in pages (ru_maxrss of
// RUSAGE_SELF and RUSAGE_THREAD): its address space's and those it had
// before an exec.
func (g *ThreadGroup) MaxRSS() int64 {
	n := g.maxRSS.Load()
	if m := g.MM(); m != nil {
		n = max(n, m.MaxRSS())
	}
	return n
}

// ChildrenMaxRSS is the largest peak resident set, in pages, of the
// reaped children and their reaped descendants (RUSAGE_CHILDREN).
func (g *ThreadGroup) ChildrenMaxRSS() int64 { return g.childMaxRSS.Load() }

// noteMaxRSS folds the peak of an address space the group is leaving into
// its own.
func (g *ThreadGroup) noteMaxRSS(m *mm.MM) {
	n := m.MaxRSS()
	for {
		o := g.maxRSS.Load()
		if n <= o || g.maxRSS.CompareAndSwap(o, n) {
			return
		}
	}
}

// ChildrenCPUTime is the CPU time of reaped children (RUSAGE_CHILDREN).
func (g *ThreadGroup) ChildrenCPUTime() time.Duration {
	u, s := g.ChildrenTimes()
	return u + s
}

// ChildrenTimes returns the user and system time of the reaped children
// (and their reaped descendants).
func (g *ThreadGroup) ChildrenTimes() (user, sys time.Duration) {
	return time.Duration(g.childCPU.Load()), time.Duration(g.childSys.Load())
}
