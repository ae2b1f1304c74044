package task

import (
	"encoding/binary"
	"path"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/loader"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
)

// Clone flags.
const (
	CloneVM            = 0x100
	CloneFS            = 0x200
	CloneFiles         = 0x400
	CloneSighand       = 0x800
	ClonePidfd         = 0x1000
	CloneVfork         = 0x4000
	CloneParent        = 0x8000
	CloneThread        = 0x10000
	CloneNewNS         = 0x20000
	CloneSysvsem       = 0x40000
	CloneSetTLS        = 0x80000
	CloneParentSetTID  = 0x100000
	CloneChildClearTID = 0x200000
	CloneDetached      = 0x400000
	CloneUntraced      = 0x800000
	CloneChildSetTID   = 0x1000000
	CloneNewCgroup     = 0x2000000
	CloneNewUTS        = 0x4000000
	CloneNewIPC        = 0x8000000
	CloneNewUser       = 0x10000000
	CloneNewPID        = 0x20000000
	CloneNewNet        = 0x40000000
	CloneIO            = 0x80000000
)

// CloneArgs are clone's arguments.
type CloneArgs struct {
	Flags      uint64
	Stack      uint64
	ParentTID  uint64
	ChildTID   uint64
	TLS        uint64
	ExitSignal abi.Signal
	// SetTID asks for this thread id (clone3's set_tid); 0 allocates one.
	SetTID int32
	// ClearSighand resets every handled signal to its default
	// (CLONE_CLEAR_SIGHAND).
	ClearSighand bool
	// BeforeStart, when set, runs with the new task fully made and not
	// yet running (clone3's CLONE_INTO_CGROUP places it there).
	BeforeStart func(child *Task)
}

// maxPID is pid_max: ids are allocated below it.
const maxPID = 4194304

// nprocOverLocked reports whether creating one more task would take the
// caller's real user beyond RLIMIT_NPROC: Linux counts every task (thread)
// of the user, a zombie process as one, and exempts uid 0 and privileged
// (CAP_SYS_RESOURCE or CAP_SYS_ADMIN) callers, as copy_process does. k.mu is held.
func (k *Kernel) nprocOverLocked(g *ThreadGroup) bool {
	limit := g.RlimitCur(RlimitNproc)
	c := g.Creds()
	if limit == RlimInfinity || c.UID == 0 || c.Capable(abi.CAP_SYS_RESOURCE) || c.Capable(abi.CAP_SYS_ADMIN) {
		return false
	}
	return k.userTasksLocked(c.UID, nil)+1 > limit
}

// userTasksLocked counts the tasks of real user uid, as Linux's per-user
// process count does (a zombie process counts once), leaving out skip.
// k.mu is held.
func (k *Kernel) userTasksLocked(uid uint32, skip *ThreadGroup) uint64 {
	var n uint64
	for _, o := range k.groups {
		if o == skip {
			continue
		}
		o.mu.Lock()
		if o.creds.UID == uid && !o.reaped {
			n += uint64(max(len(o.tasks), 1))
		}
		o.mu.Unlock()
	}
	return n
}

// NoteUIDChange is called when g's real uid becomes uid (set*uid): like
// Linux's flag_nproc_exceeded it records whether the new user is already
// beyond RLIMIT_NPROC, so that the next execve fails with EAGAIN (set*uid
// itself does not fail, since too many programs ignore its result).
func (k *Kernel) NoteUIDChange(g *ThreadGroup, uid uint32) {
	limit := g.RlimitCur(RlimitNproc)
	k.mu.Lock()
	over := limit != RlimInfinity && uid != 0 && k.userTasksLocked(uid, g) > limit
	k.mu.Unlock()
	g.nprocExceeded.Store(over)
}

// ExecNprocCheck is execve's RLIMIT_NPROC check: after a set*uid that
// left the user beyond the limit, execve fails with EAGAIN while the user
// still is; once below, the flag is cleared.
func (k *Kernel) ExecNprocCheck(g *ThreadGroup) error {
	if !g.nprocExceeded.Load() {
		return nil
	}
	limit := g.RlimitCur(RlimitNproc)
	k.mu.Lock()
	n := k.userTasksLocked(g.Creds().UID, nil)
	k.mu.Unlock()
	if limit != RlimInfinity && n > limit {
		return abi.EAGAIN
	}
	g.nprocExceeded.Store(false)
	return nil
}

// FileHooks let the file layer follow processes: copy or share the fd
// table and FS context on clone, close close-on-exec descriptors on exec,
// release them at exit. Set by package syscalls.
type FileHooks struct {
	Fork        func(parent, child *ThreadGroup, shareFiles, shareFS bool)
	Exec        func(g *ThreadGroup)
	Exit        func(g *ThreadGroup)
	MaxFDForTID func()
}

// Files is the file layer's hooks.
var noHooks FileHooks

// Clone creates a thread or process. It returns the new task, already
// running.
func (t *Task) Clone(a CloneArgs, hooks *FileHooks) (*Task, error) {
	f := a.Flags
	switch {
	case f&CloneThread != 0 && f&CloneSighand == 0,
		f&CloneSighand != 0 && f&CloneVM == 0:
		return nil, abi.EINVAL
	case f&(CloneNewNS|CloneNewUTS|CloneNewIPC|CloneNewUser|CloneNewPID|CloneNewNet|CloneNewCgroup) != 0:
		return nil, abi.EINVAL // namespaces are not implemented
	}
	k := t.k
	parent := t.tg
	var newMM *mm.MM
	if f&CloneVM == 0 {
		var err error
		if newMM, err = t.MM().Fork(); err != nil {
			return nil, abi.ENOMEM
		}
	}

	k.mu.Lock()
	if k.nprocOverLocked(parent) {
		k.mu.Unlock()
		if newMM != nil {
			newMM.Release()
		}
		return nil, abi.EAGAIN
	}
	id := a.SetTID
	if id == 0 {
		id = k.allocID()
	} else if id < 0 || id >= maxPID {
		k.mu.Unlock()
		if newMM != nil {
			newMM.Release()
		}
		return nil, abi.EINVAL
	} else if k.tasks[id] != nil || k.groups[id] != nil || k.pgidInUse(id) {
		k.mu.Unlock()
		if newMM != nil {
			newMM.Release()
		}
		return nil, abi.EEXIST
	}
	child := &Task{k: k, ID: id, Ctx: k.Plat.NewContext(), interrupt: make(chan struct{}, 1)}
	child.Ctx.CopyFrom(t.Ctx)
	child.securebits.Store(t.securebits.Load())
	t.mu.Lock()
	child.sigmask = t.sigmask
	child.comm = t.comm
	child.copySeccomp(t)
	child.sched = forkSched(t.sched)
	child.cpuMask.Store(t.cpuMask.Load())
	child.cpu.Store(t.cpu.Load())
	if f&CloneVM == 0 {
		child.rseq = t.rseq // fork keeps the registration; threads start without one
	}
	// The alternate signal stack is inherited unless the child shares
	// the address space without vfork's wait (a thread, or CLONE_VM).
	if f&(CloneVM|CloneVfork) == CloneVM {
		child.altFlags = abi.SS_DISABLE
	} else {
		child.altSP, child.altSize, child.altFlags = t.altSP, t.altSize, t.altFlags
	}
	t.mu.Unlock()
	if f&CloneThread != 0 {
		child.tg = parent
		parent.mu.Lock()
		parent.tasks[id] = child
		parent.mu.Unlock()
	} else {
		parent.mu.Lock()
		parent.ensureLimitsLocked()
		g := &ThreadGroup{k: k, ID: id, tasks: map[int32]*Task{id: child}, children: map[*ThreadGroup]struct{}{},
			pgid: parent.pgid, sid: parent.sid, mm: newMM, creds: parent.creds, handlers: parent.handlers,
			exitSignal: a.ExitSignal, childEvent: make(chan struct{}), comm: parent.comm,
			argv: parent.argv, envp: parent.envp, auxv: parent.auxv, exe: parent.exe, startTime: k.Monotonic(),
			limits: parent.limits, limitsSet: parent.limitsSet,
			oomScoreAdj: parent.oomScoreAdj, oomScoreAdjMin: parent.oomScoreAdjMin}
		g.nondumpable.Store(parent.nondumpable.Load())
		g.loginSet, g.loginUID, g.sessionID = parent.loginSet, parent.loginUID, parent.sessionID
		if newMM == nil {
			g.mm = parent.mm
		}
		g.mmCur.Store(g.mm)
		g.publishLimitsLocked()
		if newMM != nil {
			newMM.SetLimits(g.RlimitCur)
		}
		if a.ClearSighand {
			for i := range g.handlers {
				if g.handlers[i].Handler == uint64(abi.SIG_IGN) {
					g.handlers[i] = SigAction{Handler: uint64(abi.SIG_IGN)}
				} else {
					g.handlers[i] = SigAction{}
				}
			}
		}
		parent.mu.Unlock()
		realParent := parent
		if f&CloneParent != 0 && parent.parent != nil {
			// The caller's parent is the child's, and so is the
			// caller's exit signal: Linux ignores the one asked for, so
			// a child cannot send its grandparent any signal it likes.
			realParent = parent.parent
			g.exitSignal = parent.exitSignal
		}
		g.parent = realParent
		realParent.mu.Lock()
		realParent.children[g] = struct{}{}
		realParent.mu.Unlock()
		child.tg = g
		k.groups[id] = g
		if hooks != nil && hooks.Fork != nil {
			hooks.Fork(parent, g, f&CloneFiles != 0, f&CloneFS != 0)
		}
		if k.ProcessForked != nil {
			k.ProcessForked(parent.ID, id)
		}
	}
	k.tasks[id] = child
	k.mu.Unlock()

	r := child.Regs()
	r.Rax = 0
	if a.Stack != 0 {
		r.Rsp = a.Stack
	}
	if f&CloneSetTLS != 0 {
		r.FsBase = a.TLS
	}
	if f&CloneChildClearTID != 0 {
		child.clearChildTID = a.ChildTID
	}
	if f&CloneParentSetTID != 0 {
		t.MM().WriteUint32(a.ParentTID, uint32(id))
	}
	if f&CloneChildSetTID != 0 {
		child.tg.mu.Lock()
		cm := child.tg.mm
		child.tg.mu.Unlock()
		cm.WriteUint32(a.ChildTID, uint32(id))
	}
	if f&CloneVfork != 0 {
		child.vforkDone = make(chan struct{})
	}
	if a.BeforeStart != nil {
		a.BeforeStart(child)
	}
	child.Start()
	return child, nil
}

// WaitVfork blocks the parent of a vfork child until it execs or exits,
// or until the parent is killed: the wait is killable, as Linux's
// wait_for_vfork_done is, so a vfork child that stops or hangs cannot make
// its parent unkillable. Other signals wait for the vfork to end.
func (t *Task) WaitVfork(child *Task) {
	child.mu.Lock()
	done := child.vforkDone
	child.mu.Unlock()
	if done == nil {
		return
	}
	defer t.away(t.k.Monotonic())
	for !t.FatalSignalPending() {
		select {
		case <-done:
			return
		case <-t.interrupt:
		}
	}
}

func (t *Task) releaseVfork() {
	t.mu.Lock()
	ch := t.vforkDone
	t.vforkDone = nil
	t.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// ExecImage describes the program execve runs.
type ExecImage struct {
	File loader.File
	Open loader.Opener
	Argv []string
	Envp []string
	Path string // as given to execve (AT_EXECFN)
	Exe  string // the executable's resolved path (/proc/pid/exe)
	// CommFrom, if set, is the name comm is taken from instead of Path:
	// fexecve's program is named /dev/fd/N but Linux's comm is its file's
	// name.
	CommFrom string
	// SetID, if set, is the executable's set-user/group-ID change (the
	// caller has checked the mode bits and the mount's nosuid).
	SetID *SetID
	// ExeFile, if set, is the program's file with one write denial taken
	// for the new address space, which keeps it until it goes (ETXTBSY
	// for writers meanwhile). Exec owns it from the call on.
	ExeFile mm.ExeFile
	Random  [16]byte
	HWCap   uint64
	VDSO    func(m *mm.MM) (uint64, error) // maps the vDSO, if any
}

// Exec replaces the process image (execve). On failure before the point of
// no return the old image is untouched.
func (t *Task) Exec(img *ExecImage, hooks *FileHooks) error {
	k := t.k
	newMM, err := mm.New(k.Plat, k.Frames)
	if err != nil {
		if img.ExeFile != nil {
			img.ExeFile.AllowWriteAccess()
		}
		return abi.ENOMEM
	}
	if img.ExeFile != nil {
		newMM.SetExe(img.ExeFile) // released with newMM, on failure too
	}
	newMM.SetLimits(t.tg.RlimitCur)
	li, err := loader.Load(newMM, img.File, img.Open)
	if err != nil {
		newMM.Release()
		return err
	}
	newMM.SetBrk(li.BrkStart)
	// The credentials the program will run with, computed before the
	// point of no return (AT_UID.. and AT_SECURE go on its stack). With
	// no_new_privs the exec gains no privilege, as on Linux.
	sid, nnp, bits := img.SetID, t.NoNewPrivs(), t.Securebits()
	cr := t.tg.Creds()
	secure, err := cr.execCreds(sid, bits, nnp)
	if err != nil {
		newMM.Release()
		return err
	}
	si := &loader.StackInfo{Argv: img.Argv, Envp: img.Envp, ExecFn: img.Path, UID: cr.UID, GID: cr.GID,
		EUID: cr.EUID, EGID: cr.EGID, Random: img.Random, HWCap: img.HWCap, HWCap2: hwCap2, MinSigStkSz: MinSigStkSz(), Secure: secure}
	if img.VDSO != nil {
		if si.VDSO, err = img.VDSO(newMM); err != nil {
			newMM.Release()
			return err
		}
	}
	sp, err := loader.SetupStack(newMM, li, si)
	if err != nil {
		newMM.Release()
		return err
	}

	// Point of no return: other threads die, the image is swapped.
	t.killOtherThreads()
	g := t.tg
	t.becomeLeader()
	g.mu.Lock()
	old := g.mm
	g.setMMLocked(newMM)
	g.deleteTimersLocked()
	for i := range g.handlers {
		if h := g.handlers[i].Handler; h != uint64(abi.SIG_IGN) {
			g.handlers[i] = SigAction{}
		}
	}
	g.argv = append([]string(nil), img.Argv...)
	g.envp = append([]string(nil), img.Envp...)
	g.auxv = make([]byte, 0, 8*len(si.Auxv))
	for _, v := range si.Auxv {
		g.auxv = binary.LittleEndian.AppendUint64(g.auxv, v)
	}
	g.exe = img.Exe
	if g.exe == "" {
		g.exe = img.Path
	}
	from := img.Path
	if img.CommFrom != "" {
		from = img.CommFrom
	}
	g.comm = commOf(from)
	g.execed = true
	g.creds.execCreds(sid, bits, nnp) // as above: cannot fail now
	if secure {
		g.pdeathsig = 0 // Linux clears it on a credential-changing exec
	}
	// A new image is dumpable unless the exec changed credentials
	// (fs.suid_dumpable is 0).
	g.nondumpable.Store(secure)
	g.idGen.Add(1)
	g.mu.Unlock()
	t.SetComm(commOf(from))
	if old != nil && old != newMM {
		g.noteMaxRSS(old)
		if !t.sharesMM(old) {
			old.Release()
		}
	}
	if hooks != nil && hooks.Exec != nil {
		hooks.Exec(g)
	}
	t.mu.Lock()
	t.altSP, t.altSize, t.altFlags = 0, 0, abi.SS_DISABLE
	t.clearChildTID = 0
	t.robustList = 0
	t.rseq = rseqState{}
	t.mu.Unlock()
	t.securebits.Store(execSecurebits(t.securebits.Load()))

	fresh := k.Plat.NewContext()
	t.Ctx.CopyFrom(fresh)
	r := t.Regs()
	*r = machine.Regs{Rip: li.Entry, Rsp: sp, Cs: 0x33, Ss: 0x2b, Eflags: 0x202}
	t.releaseVfork()
	return nil
}

// sharesMM reports whether another process still uses m (a vfork parent).
func (t *Task) sharesMM(m *mm.MM) bool {
	t.k.mu.Lock()
	defer t.k.mu.Unlock()
	for _, g := range t.k.groups {
		if g != t.tg {
			g.mu.Lock()
			same := g.mm == m && !g.zombie
			g.mu.Unlock()
			if same {
				return true
			}
		}
	}
	return false
}

func commOf(p string) string {
	c := path.Base(p)
	if len(c) > 15 {
		c = c[:15]
	}
	return c
}

// becomeLeader waits until the other threads are gone and, when execve was
// called from another thread, gives it the leader's thread id (the PID), as
// Linux's de_thread does.
func (t *Task) becomeLeader() {
	g := t.tg
	for {
		g.mu.Lock()
		n := len(g.tasks)
		g.mu.Unlock()
		if n <= 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if t.ID == g.ID {
		return
	}
	k := t.k
	k.mu.Lock()
	delete(k.tasks, t.ID)
	g.mu.Lock()
	delete(g.tasks, t.ID)
	t.ID = g.ID
	g.tasks[t.ID] = t
	g.mu.Unlock()
	k.tasks[t.ID] = t
	k.mu.Unlock()
}

// killOtherThreads ends every other thread of the group (execve).
func (t *Task) killOtherThreads() {
	g := t.tg
	g.mu.Lock()
	others := []*Task{}
	for _, o := range g.tasks {
		if o != t {
			o.mu.Lock()
			o.exited = true
			o.attn.Store(1)
			o.mu.Unlock()
			others = append(others, o)
		}
	}
	g.mu.Unlock()
	for _, o := range others {
		o.kick()
	}
}

// ExitThread ends the calling thread with status (exit(2)).
func (t *Task) ExitThread(status uint32) {
	t.mu.Lock()
	t.exited = true
	t.pending.drop()
	t.attn.Store(1)
	t.mu.Unlock()
	g := t.tg
	g.mu.Lock()
	if len(g.tasks) == 1 && !g.exiting {
		g.exitStatus = status
	}
	g.mu.Unlock()
}

// ExitGroup ends the process with a wait status (exit_group(2): code<<8;
// a fatal signal: the signal number, |0x80 for a core dump).
func (t *Task) ExitGroup(status uint32) { t.exitGroup(status) }

func (t *Task) exitGroup(status uint32) {
	g := t.tg
	g.mu.Lock()
	if !g.exiting {
		g.exiting = true
		g.attn.Store(1)
		g.exitStatus = status
	}
	others := make([]*Task, 0, len(g.tasks))
	for _, o := range g.tasks {
		others = append(others, o)
	}
	g.mu.Unlock()
	for _, o := range others {
		o.kick()
	}
}

// exitThread runs on the task's own goroutine as it ends.
func (t *Task) exitThread() {
	k := t.k
	g := t.tg
	t.mu.Lock()
	t.exited = true
	t.attn.Store(1)
	ctid := t.clearChildTID
	t.clearChildTID = 0
	t.mu.Unlock()
	t.exitRobustList()
	if ctid != 0 {
		m := t.MM()
		if m.WriteUint32(ctid, 0) == nil {
			k.futexes.wake(m, ctid, 1, ^uint32(0), false) // a shared wake, as Linux's
		}
	}
	t.releaseVfork()

	g.deadCPU.Add(t.cpuTime.Load())
	g.deadSys.Add(t.sysTime.Load())
	k.mu.Lock()
	delete(k.tasks, t.ID)
	g.mu.Lock()
	delete(g.tasks, t.ID)
	last := len(g.tasks) == 0
	g.mu.Unlock()
	if !last {
		k.mu.Unlock()
		return
	}

	// The group is gone: release, reparent, become a zombie.
	g.mu.Lock()
	m := g.mm
	g.setMMLocked(nil)
	g.deleteTimersLocked()
	status := g.exitStatus
	g.mu.Unlock()
	if m != nil {
		g.noteMaxRSS(m)
		if !t.sharesMMLocked(m) {
			m.Release()
		}
	}
	reaper := k.init
	for p := g.parent; p != nil; p = p.parent {
		if p.subreaper && p != g {
			reaper = p
			break
		}
	}
	g.mu.Lock()
	kids := g.children
	g.children = map[*ThreadGroup]struct{}{}
	g.mu.Unlock()
	for c := range kids {
		if reaper == nil || reaper == g {
			continue
		}
		if sig := c.pdeathsig; sig != 0 {
			c.SendGroup(sigInfo{signo: sig, code: siKernel})
		}
		c.parent = reaper
		reaper.mu.Lock()
		reaper.children[c] = struct{}{}
		reaper.mu.Unlock()
		if c.Zombie() {
			reaper.mu.Lock()
			reaper.notifyWaitersLocked()
			reaper.mu.Unlock()
		}
	}
	isInit := g == k.init
	k.mu.Unlock()

	if hooks := fileHooks; hooks != nil && hooks.Exit != nil {
		hooks.Exit(g)
	}
	if k.ProcessExited != nil {
		k.ProcessExited(g.ID)
	}

	g.mu.Lock()
	g.zombie = true
	g.pending.drop()
	g.notifyExitLocked()
	if g.parent != nil {
		code, st := int32(cldExited), int32(status>>8)
		if status&0x7f != 0 {
			code, st = cldKilled, int32(status&0x7f)
			if status&0x80 != 0 {
				code = cldDumped
			}
		}
		g.notifyParentLocked(code, st)
	}
	g.mu.Unlock()
	if isInit && k.InitExited != nil {
		k.InitExited(status)
	}
}

func (t *Task) sharesMMLocked(m *mm.MM) bool {
	for _, g := range t.k.groups {
		if g != t.tg {
			g.mu.Lock()
			same := g.mm == m && !g.zombie
			g.mu.Unlock()
			if same {
				return true
			}
		}
	}
	return false
}

// fileHooks is set once at boot by the file layer.
var fileHooks *FileHooks

// SetFileHooks installs the file layer's process hooks.
func SetFileHooks(h *FileHooks) { fileHooks = h }

// notifyParentLocked sends the exit signal and wakes waiters. g.mu held.
func (g *ThreadGroup) notifyParentLocked(code, status int32) {
	p := g.parent
	if p == nil {
		return
	}
	sig := g.exitSignal
	if code == cldStopped || code == cldContinued {
		sig = abi.SIGCHLD
	}
	cr := g.creds
	go func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		autoReap := false
		if code == cldExited || code == cldKilled || code == cldDumped {
			h := p.handlers[abi.SIGCHLD]
			autoReap = h.Handler == uint64(abi.SIG_IGN) || h.Flags&abi.SA_NOCLDWAIT != 0
		}
		if code == cldStopped && p.handlers[abi.SIGCHLD].Flags&abi.SA_NOCLDSTOP != 0 {
			sig = 0
		}
		if sig.Valid() {
			p.sendLocked(sigInfo{signo: sig, code: code, pid: g.ID, uid: cr.UID, status: status})
		}
		p.notifyWaitersLocked()
		if autoReap {
			go g.k.reap(g)
		}
	}()
}

func (g *ThreadGroup) notifyWaitersLocked() {
	close(g.childEvent)
	g.childEvent = make(chan struct{})
}

// reap removes a zombie from the process table.
func (k *Kernel) reap(g *ThreadGroup) {
	k.mu.Lock()
	defer k.mu.Unlock()
	g.mu.Lock()
	if g.reaped || !g.zombie {
		g.mu.Unlock()
		return
	}
	g.reaped = true
	g.mu.Unlock()
	if p := g.parent; p != nil {
		u, s := g.Times()
		p.childCPU.Add(int64(u) + g.childCPU.Load())
		p.childSys.Add(int64(s) + g.childSys.Load())
		if n := max(g.maxRSS.Load(), g.childMaxRSS.Load()); n > p.childMaxRSS.Load() {
			p.childMaxRSS.Store(n) // reap runs under k.mu: no other writer
		}
		p.mu.Lock()
		delete(p.children, g)
		p.mu.Unlock()
	}
	delete(k.groups, g.ID)
}

// Wait options.
const (
	WNOHANG    = 1
	WUNTRACED  = 2
	WSTOPPED   = 2
	WEXITED    = 4
	WCONTINUED = 8
	WNOWAIT    = 0x01000000
	WALL       = 0x40000000
	WCLONE     = 0x80000000
)

// WaitResult is one reported child state change.
type WaitResult struct {
	PID    int32
	UID    uint32
	Status uint32 // wait status as wait4 returns it
	Code   int32  // CLD_* for waitid
	Signo  int32  // si_status for waitid
}

// Wait implements wait4/waitid: pid -1 any child, >0 that child, 0 the
// caller's process group, < -1 process group -pid. It returns (nil, nil)
// under WNOHANG when no child has changed state.
func (t *Task) Wait(pid int32, options int) (*WaitResult, error) {
	g := t.tg
	k := t.k
	if options&(WEXITED|WSTOPPED|WCONTINUED) == 0 {
		return nil, abi.EINVAL
	}
	for {
		k.mu.Lock()
		g.mu.Lock()
		ch := g.childEvent
		var match []*ThreadGroup
		for c := range g.children {
			if pid > 0 && c.ID != pid || pid == 0 && c.pgid != g.pgid || pid < -1 && c.pgid != -pid {
				continue
			}
			// A "clone" child (exit signal other than SIGCHLD) is waited
			// for only with __WCLONE, the others only without; __WALL takes
			// both.
			if options&WALL == 0 && (c.exitSignal != abi.SIGCHLD) != (options&WCLONE != 0) {
				continue
			}
			match = append(match, c)
		}
		g.mu.Unlock()
		k.mu.Unlock()
		if len(match) == 0 {
			return nil, abi.ECHILD
		}
		for _, c := range match {
			c.mu.Lock()
			switch {
			case c.zombie && !c.reaped && options&WEXITED != 0:
				res := waitResultFor(c)
				c.mu.Unlock()
				if options&WNOWAIT == 0 {
					k.reap(c)
				}
				return res, nil
			case c.waitStop && c.stopped && options&WSTOPPED != 0:
				if options&WNOWAIT == 0 {
					c.waitStop = false
				}
				res := &WaitResult{PID: c.ID, UID: c.creds.UID, Status: uint32(abi.SIGSTOP)<<8 | 0x7f, Code: cldStopped, Signo: int32(abi.SIGSTOP)}
				c.mu.Unlock()
				return res, nil
			case c.waitCont && options&WCONTINUED != 0:
				if options&WNOWAIT == 0 {
					c.waitCont = false
				}
				res := &WaitResult{PID: c.ID, UID: c.creds.UID, Status: 0xffff, Code: cldContinued, Signo: int32(abi.SIGCONT)}
				c.mu.Unlock()
				return res, nil
			}
			c.mu.Unlock()
		}
		if options&WNOHANG != 0 {
			return nil, nil
		}
		if err := t.Block(ch, -1); err != nil {
			return nil, err
		}
	}
}

func waitResultFor(c *ThreadGroup) *WaitResult {
	st := c.exitStatus
	res := &WaitResult{PID: c.ID, UID: c.creds.UID, Status: st}
	if st&0x7f == 0 {
		res.Code, res.Signo = cldExited, int32(st>>8&0xff)
	} else {
		res.Code, res.Signo = cldKilled, int32(st&0x7f)
		if st&0x80 != 0 {
			res.Code = cldDumped
		}
	}
	return res
}
