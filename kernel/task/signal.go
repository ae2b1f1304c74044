package task

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/klog"
)

// sigInfo is a queued signal's siginfo.
type sigInfo struct {
	signo  abi.Signal
	errno  int32
	code   int32
	pid    int32
	uid    uint32
	status int32
	addr   uint64
	value  uint64
	forced bool // a synchronous fault (forceSignal): even init takes its default action
	// sigpoll marks an O_ASYNC signal: si_band (addr) and si_fd (status)
	// are its fields.
	sigpoll bool

	// acct is the account charged for this queued entry (sigpending.go),
	// nil for uncharged kernel signals.
	acct    *sigAccount
	acctUID uint32
}

// SI codes.
const (
	siUser       = 0
	siKernel     = 0x80
	siQueue      = -1
	siTkill      = -6
	cldExited    = 1
	cldKilled    = 2
	cldDumped    = 3
	cldStopped   = 5
	cldContinued = 6
)

// sigQueue holds pending signals: standard signals at most once (a slot
// each in a short slice, no allocation once it has grown), real-time
// signals queued in order. Each real-time signal has its own FIFO, so
// taking the oldest instance of a signal costs the same whether one or
// thousands are queued (a flood of queued real-time signals must not turn
// every dequeue into a scan of all of them).
type sigQueue struct {
	set abi.SignalSet
	// std holds the pending standard signals' one instance each, in
	// arrival order. It keeps its backing array when it empties, so a
	// task that takes signals over and over allocates only once.
	std []sigInfo
	// lists holds the real-time signals' queued instances, created on
	// first use.
	lists map[abi.Signal]*sigFIFO
}

// sigFIFO is one real-time signal's queued instances, oldest at head.
type sigFIFO struct {
	items []sigInfo
	head  int
}

func (q *sigQueue) add(si sigInfo) {
	if si.signo < abi.SIGRTMIN {
		if q.set.Has(si.signo) {
			return
		}
		q.set |= si.signo.Mask()
		q.std = append(q.std, si)
		return
	}
	q.set |= si.signo.Mask()
	if q.lists == nil {
		q.lists = make(map[abi.Signal]*sigFIFO)
	}
	f := q.lists[si.signo]
	if f == nil {
		f = &sigFIFO{}
		q.lists[si.signo] = f
	}
	f.items = append(f.items, si)
}

// stdIndex returns where sig's instance is in q.std, or -1.
func (q *sigQueue) stdIndex(sig abi.Signal) int {
	for i := range q.std {
		if q.std[i].signo == sig {
			return i
		}
	}
	return -1
}

// removeStd drops q.std[i], keeping the order of the rest.
func (q *sigQueue) removeStd(i int) {
	n := copy(q.std[i:], q.std[i+1:])
	q.std[i+n] = sigInfo{}
	q.std = q.std[:i+n]
}

// take removes the lowest pending signal not in mask (its oldest
// instance).
func (q *sigQueue) take(mask abi.SignalSet) (sigInfo, bool) {
	avail := q.set &^ mask
	if avail == 0 {
		return sigInfo{}, false
	}
	var sig abi.Signal
	for s := abi.Signal(1); s <= abi.SIGRTMAX; s++ {
		if avail.Has(s) {
			sig = s
			break
		}
	}
	if sig < abi.SIGRTMIN {
		q.set &^= sig.Mask()
		i := q.stdIndex(sig)
		if i < 0 {
			return sigInfo{signo: sig}, true // pending without its information
		}
		si := q.std[i]
		si.release()
		q.removeStd(i)
		return si, true
	}
	f := q.lists[sig]
	if f == nil || f.head == len(f.items) {
		q.set &^= sig.Mask()
		return sigInfo{signo: sig}, true
	}
	si := f.items[f.head]
	si.release()
	f.items[f.head] = sigInfo{}
	f.head++
	switch {
	case f.head == len(f.items):
		// Empty: drop the list so an idle task holds no queue memory.
		delete(q.lists, sig)
		q.set &^= sig.Mask()
	case f.head >= 64 && f.head*2 >= len(f.items):
		// Compact once half the backing array is consumed.
		n := copy(f.items, f.items[f.head:])
		f.items = f.items[:n]
		f.head = 0
	}
	return si, true
}

// find returns the first queued instance of sig that match accepts, to be
// updated in place (a timer's overrun count), or nil.
func (q *sigQueue) find(sig abi.Signal, match func(*sigInfo) bool) *sigInfo {
	if sig < abi.SIGRTMIN {
		if i := q.stdIndex(sig); i >= 0 && match(&q.std[i]) {
			return &q.std[i]
		}
		return nil
	}
	f := q.lists[sig]
	if f == nil {
		return nil
	}
	for i := f.head; i < len(f.items); i++ {
		if match(&f.items[i]) {
			return &f.items[i]
		}
	}
	return nil
}

func (q *sigQueue) remove(sig abi.Signal) {
	q.set &^= sig.Mask()
	if sig < abi.SIGRTMIN {
		if i := q.stdIndex(sig); i >= 0 {
			q.std[i].release()
			q.removeStd(i)
		}
		return
	}
	if f := q.lists[sig]; f != nil {
		for i := f.head; i < len(f.items); i++ {
			f.items[i].release()
		}
	}
	delete(q.lists, sig)
}

// drop discards every pending signal (the queue's owner is gone).
func (q *sigQueue) drop() {
	for i := range q.std {
		q.std[i].release()
	}
	q.std = nil
	for sig := range q.lists {
		q.remove(sig)
	}
	q.set = 0
}

// defaultAction classifies SIG_DFL behaviour.
type defaultAction int

const (
	actTerm defaultAction = iota
	actCore
	actIgnore
	actStop
	actCont
)

func defaultFor(sig abi.Signal) defaultAction {
	switch sig {
	case abi.SIGCHLD, abi.SIGURG, abi.SIGWINCH:
		return actIgnore
	case abi.SIGCONT:
		return actCont
	case abi.SIGSTOP, abi.SIGTSTP, abi.SIGTTIN, abi.SIGTTOU:
		return actStop
	case abi.SIGQUIT, abi.SIGILL, abi.SIGTRAP, abi.SIGABRT, abi.SIGBUS, abi.SIGFPE, abi.SIGSEGV,
		abi.SIGXCPU, abi.SIGXFSZ, abi.SIGSYS:
		return actCore
	}
	return actTerm
}

// kick interrupts the task if it is blocked.
func (t *Task) kick() {
	select {
	case t.interrupt <- struct{}{}:
	default:
	}
}

// ignored reports whether sig would be discarded on arrival.
// Like Linux, a signal blocked by the process's main thread is never
// ignored on arrival (the disposition may change before it is unblocked,
// and signalfd or sigwait may take it).
func (g *ThreadGroup) ignored(sig abi.Signal) bool {
	h := g.handlers[sig].Handler
	if h != uint64(abi.SIG_IGN) && (h != uint64(abi.SIG_DFL) || defaultFor(sig) != actIgnore) {
		return false
	}
	if main := g.tasks[g.ID]; main != nil {
		main.mu.Lock()
		blocked := main.sigmask.Has(sig)
		main.mu.Unlock()
		if blocked {
			return false
		}
	}
	return true
}

// initDrops reports whether g is init (PID 1) and drops sig at sending, as
// Linux's SIGNAL_UNKILLABLE does: SIGKILL and SIGSTOP always, any other
// signal whose action is the default unless the main thread blocks it (a
// blocked one is queued and dropped at delivery if the action is still the
// default then). g.mu held.
func (g *ThreadGroup) initDrops(sig abi.Signal) bool {
	if g != g.k.init {
		return false
	}
	if sig == abi.SIGKILL || sig == abi.SIGSTOP {
		return true
	}
	if g.handlers[sig].Handler != uint64(abi.SIG_DFL) {
		return false
	}
	if main := g.tasks[g.ID]; main != nil {
		main.mu.Lock()
		blocked := main.sigmask.Has(sig)
		main.mu.Unlock()
		return !blocked
	}
	return true
}

// SendGroup queues a process-directed signal and wakes a thread that can
// take it.
func (g *ThreadGroup) SendGroup(si sigInfo) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sendLocked(si)
}

// sendLocked queues a process-directed signal; EAGAIN when a queued
// real-time signal would pass RLIMIT_SIGPENDING.
func (g *ThreadGroup) sendLocked(si sigInfo) error {
	if g.zombie {
		return nil
	}
	sig := si.signo
	if g.initDrops(sig) {
		return nil
	}
	if sig == abi.SIGCONT || sig == abi.SIGKILL {
		// SIGCONT resumes a stopped group even if handled or ignored.
		for _, s := range []abi.Signal{abi.SIGSTOP, abi.SIGTSTP, abi.SIGTTIN, abi.SIGTTOU} {
			g.pending.remove(s)
		}
		if g.stopped {
			g.stopped = false
			g.waitCont = true
			g.notifyParentLocked(cldContinued, int32(abi.SIGCONT))
		}
	}
	if defaultFor(sig) == actStop {
		g.pending.remove(abi.SIGCONT)
	}
	if sig != abi.SIGKILL && sig != abi.SIGSTOP && g.ignored(sig) {
		return nil
	}
	if err := g.enqueueLocked(&g.pending, si); err != nil {
		return err
	}
	g.attn.Store(1)
	g.notifyWatchersLocked()
	for _, t := range g.tasks {
		t.mu.Lock()
		blocked := t.sigmask.Has(sig) && sig != abi.SIGKILL && sig != abi.SIGSTOP
		t.mu.Unlock()
		if !blocked {
			t.kick()
			return nil
		}
	}
	for _, t := range g.tasks { // all block it: still wake one for sigtimedwait
		t.kick()
		return nil
	}
	return nil
}

// Send queues a thread-directed signal; EAGAIN when a queued real-time
// signal would pass RLIMIT_SIGPENDING.
func (t *Task) Send(si sigInfo) error {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	if si.signo != abi.SIGKILL && si.signo != abi.SIGSTOP && g.ignored(si.signo) && si.signo != abi.SIGCONT {
		return nil
	}
	if g.initDrops(si.signo) {
		return nil
	}
	if si.signo == abi.SIGKILL || si.signo == abi.SIGCONT {
		return g.sendLocked(si)
	}
	t.mu.Lock()
	if t.exited {
		t.mu.Unlock()
		return nil
	}
	if err := g.enqueueLocked(&t.pending, si); err != nil {
		t.mu.Unlock()
		return err
	}
	t.attn.Store(1)
	t.mu.Unlock()
	g.notifyWatchersLocked()
	t.kick()
	return nil
}

// forceSignal delivers a synchronous fault signal: it cannot be blocked or
// ignored (a blocked or ignored fault signal kills, as on Linux).
func (t *Task) forceSignal(sig abi.Signal, si sigInfo) {
	g := t.tg
	g.mu.Lock()
	t.mu.Lock()
	h := &g.handlers[sig]
	if t.sigmask.Has(sig) || h.Handler == uint64(abi.SIG_IGN) {
		h.Handler = uint64(abi.SIG_DFL)
		t.sigmask &^= sig.Mask()
	}
	si.forced = true
	t.pending.add(si)
	t.attn.Store(1)
	t.mu.Unlock()
	g.mu.Unlock()
}

// Block waits for ch, the timeout (negative: none) or a signal, whichever
// comes first: nil, abi.ETIMEDOUT or abi.ERESTARTSYS. It implements the
// file layer's Blocker.
func (t *Task) Block(ch <-chan struct{}, timeout time.Duration) error {
	if t.interrupted() {
		return abi.ERESTARTSYS
	}
	defer t.away(t.k.Monotonic())
	var tc <-chan time.Time
	if timeout >= 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		tc = tm.C
	}
	for {
		select {
		case <-ch:
			return nil
		case <-tc:
			return abi.ETIMEDOUT
		case <-t.interrupt:
			if t.interrupted() {
				return abi.ERESTARTSYS
			}
		}
	}
}

// interrupted reports whether a signal the task must handle is pending (or
// the task must exit).
func (t *Task) interrupted() bool {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if g.exiting || t.exited {
		return true
	}
	return (t.pending.set|g.pending.set)&^t.sigmask != 0
}

// SignalPending reports whether a signal the task does not block is
// pending (or the task is exiting): a long kernel loop (sendfile,
// getrandom) stops there with what it has done, as Linux's do.
func (t *Task) SignalPending() bool { return t.interrupted() }

// FatalSignalPending reports whether the task is being killed (SIGKILL
// pending, or its group exiting): the only thing that cuts a regular
// file's long read or write short on Linux.
func (t *Task) FatalSignalPending() bool {
	g := t.tg
	g.mu.Lock()
	defer g.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	return g.exiting || t.exited || (t.pending.set|g.pending.set)&abi.SIGKILL.Mask() != 0
}

// Signal frame layout (x86-64 rt_sigframe).
const (
	frameUC    = 8
	ucStackOff = 16
	ucMctx     = 40
	ucSigmask  = 40 + 256
	ucSize     = 304 + 8 // + __unused padding to keep siginfo 8-aligned? (kernel: uc then siginfo)
	frameInfo  = 8 + 304
	frameSize  = frameInfo + 128
	scErr      = 152
	scTrapno   = 160
	scOldmask  = 168
	scCR2      = 176
	scFpstate  = 184
	fpMagic1   = 0x46505853
	fpMagic2   = 0x46505845
	fxsaveSize = 512 // FXSAVE's legacy image, all a CPU without XSAVE has
)

// deliverSignals runs pending signals' actions on the way back to user
// mode: default actions here, handlers by building a frame.
func (t *Task) deliverSignals() {
	for {
		g := t.tg
		g.mu.Lock()
		t.mu.Lock()
		if g.exiting || t.exited {
			t.mu.Unlock()
			g.mu.Unlock()
			return
		}
		mask := t.sigmask
		si, ok := t.takeSignalLocked(mask)
		if !ok {
			// A mask installed for the call only (ppoll, pselect6,
			// epoll_pwait) goes back; a restart that no handler
			// interrupted goes ahead as it was.
			if t.savedMask != nil {
				t.sigmask = *t.savedMask
				t.savedMask = nil
			}
			// Nothing left to do: clear the attention flags (under both
			// locks, so no signal can slip in between check and clear).
			if t.pending.set == 0 && !t.exited {
				t.attn.Store(0)
			}
			if g.pending.set == 0 && !g.exiting && !g.stopped {
				g.attn.Store(0)
			}
			t.mu.Unlock()
			g.mu.Unlock()
			t.finishRestart(nil)
			return
		}
		act := g.handlers[si.signo]
		t.mu.Unlock()
		switch {
		case act.Handler == uint64(abi.SIG_IGN):
			g.mu.Unlock()
			continue
		case act.Handler == uint64(abi.SIG_DFL) && g == t.k.init && !si.forced:
			// Init gets no signal it does not handle (one that was
			// blocked when sent is dropped here), but a fault still
			// kills it, as on Linux.
			g.mu.Unlock()
			continue
		case act.Handler == uint64(abi.SIG_DFL):
			switch defaultFor(si.signo) {
			case actIgnore, actCont:
				g.mu.Unlock()
				continue
			case actStop:
				g.stopped = true
				g.attn.Store(1)
				g.waitStop = true
				g.notifyParentLocked(cldStopped, int32(si.signo))
				g.mu.Unlock()
				t.waitWhileStopped()
				continue
			case actCore:
				// No core file is ever written (as on Linux with
				// RLIMIT_CORE 0, its default), so the status does not
				// claim one (WCOREDUMP clear, CLD_KILLED).
				g.mu.Unlock()
				t.exitGroup(uint32(si.signo))
				return
			default:
				g.mu.Unlock()
				t.exitGroup(uint32(si.signo))
				return
			}
		}
		if act.Flags&abi.SA_RESETHAND != 0 {
			g.handlers[si.signo].Handler = uint64(abi.SIG_DFL)
		}
		g.mu.Unlock()
		t.finishRestart(&act)
		t.rseqSignal()
		if err := t.setupFrame(si, act); err != nil {
			t.k.Log(klog.Warning, "%v: cannot build a signal frame for signal %d: %v", t, si.signo, err)
			t.exitGroup(uint32(abi.SIGSEGV))
			return
		}
		return
	}
}

// waitWhileStopped parks a thread of a stopped group until SIGCONT or
// SIGKILL.
func (t *Task) waitWhileStopped() {
	for {
		g := t.tg
		g.mu.Lock()
		stopped := g.stopped && !g.exiting
		g.mu.Unlock()
		if !stopped {
			return
		}
		<-t.interrupt
	}
}

// Restart handling: the syscall layer records how the interrupted call
// wants to finish; finishRestart applies it once delivery is decided.
type restartKind int

const (
	restartNone   restartKind = iota
	restartSys                // ERESTARTSYS: restart unless a handler without SA_RESTART runs
	restartNoIntr             // ERESTARTNOINTR: always restart
	restartNoHand             // ERESTARTNOHAND: restart only if no handler runs
)

// SetRestart is called by the syscall layer when a call returned one of the
// internal restart errors; RAX still holds the error.
func (t *Task) SetRestart(err abi.Errno) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch err {
	case abi.ERESTARTSYS:
		t.restart = restartSys
		t.attn.Store(1)
	case abi.ERESTARTNOINTR:
		t.restart = restartNoIntr
		t.attn.Store(1)
	case abi.ERESTARTNOHAND, abi.ERESTART_RESTARTBLOCK:
		t.restart = restartNoHand
		t.attn.Store(1)
	}
}

func (t *Task) finishRestart(act *SigAction) {
	t.mu.Lock()
	kind := t.restart
	t.restart = restartNone
	t.mu.Unlock()
	if kind == restartNone {
		return
	}
	r := t.Regs()
	restart := false
	switch kind {
	case restartNoIntr:
		restart = true
	case restartSys:
		restart = act == nil || act.Flags&abi.SA_RESTART != 0
	case restartNoHand:
		restart = act == nil
	}
	if restart {
		r.Rax = r.OrigRax
		r.Rip -= 2 // back over SYSCALL
	} else {
		r.Rax = errnoReturn(abi.EINTR)
	}
}

// takeSignalLocked dequeues the first pending signal outside mask, the
// thread's own before the process's. Dequeuing a POSIX timer's signal fixes
// the overrun count timer_getoverrun reports, as on Linux. The caller holds
// t.tg.mu and t.mu.
func (t *Task) takeSignalLocked(mask abi.SignalSet) (sigInfo, bool) {
	si, ok := t.pending.take(mask)
	if !ok {
		si, ok = t.tg.pending.take(mask)
	}
	if ok && si.code == siTimer {
		if pt := t.tg.timers[si.pid]; pt != nil {
			pt.overrunLast = int32(si.uid)
		}
	}
	return si, ok
}

// setupFrame builds an rt_sigframe on the user stack (or the alternate
// stack) and points the registers at the handler.
func (t *Task) setupFrame(si sigInfo, act SigAction) error {
	r := t.Regs()
	m := t.MM()
	t.mu.Lock()
	sp := r.Rsp - 128 // red zone
	// Linux's sas_ss_flags(sp): an SS_AUTODISARM stack never counts as
	// "on" it; uc_stack records the stack as set (raw flags), and an
	// SS_AUTODISARM stack is disarmed while the handler runs (sigreturn
	// restores it from uc_stack).
	onAlt := t.altFlags&abi.SS_AUTODISARM == 0 && t.altSize != 0 && r.Rsp > t.altSP && r.Rsp-t.altSP <= t.altSize
	if act.Flags&abi.SA_ONSTACK != 0 && t.altSize != 0 && !onAlt {
		sp = t.altSP + t.altSize
	}
	altSP, altSize, altFlags := t.altSP, t.altSize, t.altFlags
	if t.altFlags&abi.SS_AUTODISARM != 0 {
		t.altSP, t.altSize, t.altFlags = 0, 0, abi.SS_DISABLE
	}
	oldMask := t.sigmask
	if t.savedMask != nil {
		oldMask = *t.savedMask
		t.savedMask = nil
	}
	t.mu.Unlock()

	fpu := t.Ctx.FPU()
	// An XSAVE image ends in FP_XSTATE_MAGIC2; a CPU without XSAVE has the
	// 512-byte FXSAVE image and, as on Linux, no MAGIC2 after it (though
	// fpx_sw_bytes still describe it, with extended_size counting MAGIC2
	// and xfeatures 0: Linux's user_xfeatures without XSAVE).
	xsave := len(fpu) > fxsaveSize
	imgLen := len(fpu)
	if xsave {
		imgLen += 4
	}
	fp := (sp - uint64(imgLen)) &^ 63
	frame := (fp-frameSize)&^15 - 8

	img := make([]byte, imgLen)
	copy(img, fpu)
	// fpx_sw_bytes in the legacy area's software-reserved bytes.
	binary.LittleEndian.PutUint32(img[464:], fpMagic1)
	binary.LittleEndian.PutUint32(img[468:], uint32(len(fpu)+4))
	if xsave {
		binary.LittleEndian.PutUint64(img[472:], xfeaturesFor(len(fpu)))
	}
	binary.LittleEndian.PutUint32(img[480:], uint32(len(fpu)))
	if xsave {
		binary.LittleEndian.PutUint32(img[len(fpu):], fpMagic2)
	}

	b := make([]byte, frameSize)
	le := binary.LittleEndian
	le.PutUint64(b[0:], act.Restorer)
	uc := b[frameUC:]
	ucFlags := uint64(0x2 | 0x4) // UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
	if xsave {
		ucFlags |= 0x1 // UC_FP_XSTATE
	}
	le.PutUint64(uc[0:], ucFlags)
	le.PutUint64(uc[ucStackOff:], altSP)
	le.PutUint32(uc[ucStackOff+8:], altFlags)
	le.PutUint64(uc[ucStackOff+16:], altSize)
	mc := uc[ucMctx:]
	regs := []uint64{r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15, r.Rdi, r.Rsi, r.Rbp, r.Rbx,
		r.Rdx, r.Rax, r.Rcx, r.Rsp, r.Rip, r.Eflags}
	for i, v := range regs {
		le.PutUint64(mc[i*8:], v)
	}
	le.PutUint64(mc[144:], 0x33|0x2b<<48) // cs, gs, fs, ss
	le.PutUint64(mc[scErr:], 0)
	le.PutUint64(mc[scTrapno:], 0)
	le.PutUint64(mc[scOldmask:], uint64(oldMask))
	le.PutUint64(mc[scCR2:], si.addr)
	le.PutUint64(mc[scFpstate:], fp)
	le.PutUint64(uc[ucSigmask:], uint64(oldMask))
	encodeSiginfo(b[frameInfo:], si)

	if err := m.CopyOut(fp, img); err != nil {
		return err
	}
	if err := m.CopyOut(frame, b); err != nil {
		return err
	}

	t.mu.Lock()
	newMask := t.sigmask | act.Mask
	if act.Flags&abi.SA_NODEFER == 0 {
		newMask |= si.signo.Mask()
	}
	t.sigmask = newMask &^ abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
	t.mu.Unlock()

	// The handler starts from the initial FPU state (x87 and SSE control
	// words at their defaults, registers clear), as on Linux; the
	// interrupted state is in the frame for rt_sigreturn.
	resetFPU(fpu)

	r.Rsp = frame
	r.Rip = act.Handler
	r.Rdi = uint64(si.signo)
	r.Rsi = frame + frameInfo
	r.Rdx = frame + frameUC
	r.Rax = 0
	r.Eflags &^= 0x40500 // TF, DF, AC
	return nil
}

// resetFPU turns an XSAVE image into the state a signal handler starts
// from: every component in its initial state (XSTATE_BV 0), which XRSTOR
// loads as FCW 0x37f and cleared registers, and MXCSR 0x1f80, which XRSTOR
// takes from the image whatever XSTATE_BV says.
func resetFPU(fpu []byte) {
	mxcsrMask := binary.LittleEndian.Uint32(fpu[28:])
	clear(fpu)
	binary.LittleEndian.PutUint16(fpu[0:], 0x37f)
	binary.LittleEndian.PutUint32(fpu[24:], 0x1f80)
	binary.LittleEndian.PutUint32(fpu[28:], mxcsrMask)
}

func xfeaturesFor(fpuLen int) uint64 {
	if fpuFeatures != 0 {
		return fpuFeatures
	}
	switch {
	case fpuLen >= 2688:
		return 0xe7
	case fpuLen >= 832:
		return 0x7
	}
	return 0x3
}

func encodeSiginfo(b []byte, si sigInfo) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(si.signo))
	le.PutUint32(b[4:], uint32(si.errno))
	le.PutUint32(b[8:], uint32(si.code))
	if si.sigpoll {
		le.PutUint64(b[16:], si.addr)           // si_band
		le.PutUint32(b[24:], uint32(si.status)) // si_fd
		return
	}
	if si.signo == abi.SIGSYS && si.code == sysSeccomp {
		le.PutUint64(b[16:], si.addr)           // si_call_addr
		le.PutUint32(b[24:], uint32(si.status)) // si_syscall
		le.PutUint32(b[28:], uint32(si.value))  // si_arch
		return
	}
	switch si.signo {
	case abi.SIGSEGV, abi.SIGBUS, abi.SIGILL, abi.SIGFPE, abi.SIGTRAP:
		if si.code > 0 && si.code != siKernel || si.signo == abi.SIGSEGV {
			le.PutUint64(b[16:], si.addr)
			return
		}
	}
	le.PutUint32(b[16:], uint32(si.pid))
	le.PutUint32(b[20:], si.uid)
	if si.signo == abi.SIGCHLD {
		le.PutUint32(b[24:], uint32(si.status))
	} else {
		le.PutUint64(b[24:], si.value)
	}
}

// Sigreturn restores the context saved by setupFrame (rt_sigreturn).
func (t *Task) Sigreturn() error {
	r := t.Regs()
	m := t.MM()
	frame := r.Rsp - 8
	b := make([]byte, frameSize)
	if err := m.CopyIn(frame, b); err != nil {
		return err
	}
	le := binary.LittleEndian
	uc := b[frameUC:]
	mc := uc[ucMctx:]
	g := func(i int) uint64 { return le.Uint64(mc[i*8:]) }
	r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15 = g(0), g(1), g(2), g(3), g(4), g(5), g(6), g(7)
	r.Rdi, r.Rsi, r.Rbp, r.Rbx, r.Rdx, r.Rax, r.Rcx, r.Rsp = g(8), g(9), g(10), g(11), g(12), g(13), g(14), g(15)
	r.Rip = g(16)
	r.Eflags = g(17)&0x254dd5 | 0x202
	r.OrigRax = ^uint64(0)
	t.Ctx.RestoreAll()
	mask := abi.SignalSet(le.Uint64(uc[ucSigmask:])) &^ abi.MakeSignalSet(abi.SIGKILL, abi.SIGSTOP)
	t.mu.Lock()
	t.sigmask = mask
	t.mu.Unlock()
	// Restore the alternate stack from uc_stack; as on Linux a refusal
	// (e.g. EPERM while still on it) is ignored.
	t.SigAltStack(le.Uint64(uc[ucStackOff:]), le.Uint64(uc[ucStackOff+16:]), le.Uint32(uc[ucStackOff+8:]), true)
	if fp := le.Uint64(mc[scFpstate:]); fp != 0 {
		fpu := t.Ctx.FPU()
		img := make([]byte, len(fpu))
		if err := m.CopyIn(fp, img); err != nil {
			return err
		}
		sanitizeXSave(img)
		copy(fpu, img)
	}
	return nil
}

// sanitizeXSave makes an XSAVE image from user memory safe for XRSTOR: a
// bad header or MXCSR would fault in the kernel.
func sanitizeXSave(img []byte) {
	le := binary.LittleEndian
	le.PutUint32(img[24:], le.Uint32(img[24:])&0xffff) // MXCSR: no reserved bits
	if len(img) <= fxsaveSize {
		return // FXSAVE image: no header
	}
	le.PutUint64(img[512:], le.Uint64(img[512:])&xfeaturesFor(len(img))) // XSTATE_BV
	for i := 520; i < 576 && i < len(img); i++ {                         // XCOMP_BV and reserved
		img[i] = 0
	}
}

// errnoReturn is the RAX value of a failed system call: -errno.
func errnoReturn(e abi.Errno) uint64 { return -uint64(e) }
