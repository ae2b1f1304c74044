// Package task implements processes and threads: the kernel-wide task
// table, thread groups (processes) with their credentials, signal handlers
// and children, tasks (threads) that run user code as goroutines, and the
// life cycle — clone, execve, exit, wait — plus signal delivery and futexes.
//
// Each task is a goroutine looping on machine.Context.Switch: user code runs
// until a system call, fault or interrupt, the goroutine handles it in
// ordinary Go, delivers pending signals, and switches back. The Go scheduler
// is the process scheduler.
//
// Locking: Kernel.mu (task table, process tree, process groups) is taken
// before ThreadGroup.mu, which is taken before Task.mu. Futex state has its
// own lock, taken before MM locks (futex words are read under it). The OOM
// killer's Kernel.oomMu and the oom_score_adj writers' Kernel.oomAdjMu are
// taken before all of these (and never together); MM locks are taken with
// none of Kernel.mu, ThreadGroup.mu or Task.mu held by the OOM code. No lock
// is held while a task blocks.
package task

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/klog"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
)

// Kernel is the process table and what every task shares.
type Kernel struct {
	Plat   machine.Platform
	Frames *mm.Frames

	// sigAcct counts queued signals per real user (RLIMIT_SIGPENDING).
	sigAcct sigAccount
	// nextSession numbers audit sessions (SetLoginUID).
	nextSession atomic.Uint32

	// Dispatch handles the system call in t's registers (set by package
	// syscalls).
	Dispatch func(t *Task)
	// Log writes a kernel log line at a printk level (klog.Err, ...).
	Log func(level int, format string, args ...any)
	// InitExited is called when PID 1 exits, with its wait status.
	InitExited func(status uint32)
	// ProcessForked and ProcessExited follow processes (not threads) for
	// the cgroup hierarchy.
	ProcessForked func(parent, child int32)
	ProcessExited func(pid int32)
	// Now and Monotonic are the clocks.
	Now       func() time.Time
	Monotonic func() time.Duration

	mu     sync.Mutex
	nextID int32
	tasks  map[int32]*Task
	groups map[int32]*ThreadGroup
	init   *ThreadGroup

	futexes   futexTable
	cpuTimers cpuTimers

	// Memory reports physical memory (total and free bytes) for the OOM
	// killer; nil on machines that cannot tell.
	Memory func() (total, free uint64)
	// Reclaim, if set, returns memory the kernel holds but does not use to
	// the page allocator and reports whether user allocations can succeed
	// again; the OOM killer tries it before it kills (Linux's direct
	// reclaim before out_of_memory).
	Reclaim func() bool
	// MemoryLow, if set, reports that the kernel is eating into its memory
	// reserve: system calls then wait (throttle) while the memory watchdog
	// reclaims and the OOM killer works.
	MemoryLow func() bool
	// oomMu serialises OOM kills (Linux's oom_lock); oomAdjMu serialises
	// oom_score_adj writes (oom_adj_mutex).
	oomMu, oomAdjMu sync.Mutex

	// TraceFaults logs every user page fault (aramid.faulttrace=1).
	TraceFaults bool
}

// NewKernel returns an empty kernel.
func NewKernel(p machine.Platform) *Kernel {
	k := &Kernel{
		Plat:   p,
		Frames: mm.NewFrames(p),
		Log:    func(int, string, ...any) {},
		Now:    time.Now,
		tasks:  map[int32]*Task{},
		groups: map[int32]*ThreadGroup{},
		nextID: 1,
	}
	start := time.Now()
	k.Monotonic = func() time.Duration { return time.Since(start) }
	k.futexes.init()
	return k
}

func (k *Kernel) allocID() int32 {
	for {
		id := k.nextID
		k.nextID++
		if k.nextID > 4194304 {
			k.nextID = 2
		}
		if k.tasks[id] == nil && k.groups[id] == nil && !k.pgidInUse(id) {
			return id
		}
	}
}

func (k *Kernel) pgidInUse(id int32) bool {
	for _, g := range k.groups {
		if g.pgid == id || g.sid == id {
			return true
		}
	}
	return false
}

// Task returns the task with thread id tid, or nil.
func (k *Kernel) Task(tid int32) *Task {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tasks[tid]
}

// Group returns the thread group (process) with id pid, or nil.
func (k *Kernel) Group(pid int32) *ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.groups[pid]
}

// Groups returns a snapshot of every live or zombie process.
func (k *Kernel) Groups() []*ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]*ThreadGroup, 0, len(k.groups))
	for _, g := range k.groups {
		out = append(out, g)
	}
	return out
}

// Creds are a process's credentials.
type Creds struct {
	UID, EUID, SUID, FSUID uint32
	GID, EGID, SGID, FSGID uint32
	Groups                 []uint32
	Caps                   CapSets // see caps.go
}

// SigAction is a signal's disposition (struct sigaction for rt_sigaction).
type SigAction struct {
	Handler, Flags, Restorer uint64
	Mask                     abi.SignalSet
}

// ThreadGroup is a process.
type ThreadGroup struct {
	k  *Kernel
	ID int32 // tgid = pid

	mu        sync.Mutex
	parent    *ThreadGroup
	children  map[*ThreadGroup]struct{}
	pgid, sid int32
	// mmCur mirrors mm (written under mu) for lock-free reads: every
	// system call asks for the address space.
	mmCur atomic.Pointer[mm.MM]
	// idGen counts changes of creds, pgid and sid, so a task can keep a
	// file-access identity (vfs.Caller) until one of them changes.
	idGen      atomic.Uint64
	tasks      map[int32]*Task
	mm         *mm.MM
	creds      Creds
	handlers   [abi.NSIG]SigAction
	pending    sigQueue
	exitSignal abi.Signal // sent to the parent at exit (SIGCHLD normally)

	// Exit state.
	exiting    bool   // exit_group or a fatal signal: threads must stop
	exitStatus uint32 // wait status
	zombie     bool
	reaped     bool
	stopped    bool
	// reportable state changes for wait: stop/continue
	waitStop, waitCont bool

	childEvent chan struct{} // closed and replaced on every child state change

	subreaper bool
	execed    bool // has called execve since fork (setpgid by the parent: EACCES)
	// nprocExceeded is Linux's PF_NPROC_EXCEEDED (see NoteUIDChange).
	nprocExceeded atomic.Bool
	comm          string
	argv          []string
	envp          []string
	auxv          []byte // the last execve's auxiliary vector (Auxv)
	exe           string

	// Files and FS context: the fd table and cwd/root/umask, owned by the
	// file layer (set by package syscalls, which knows the concrete types).
	Files any
	FS    any
	UTS   any // the UTS namespace (hostname, domain name); package syscalls owns it

	startTime time.Duration
	limits    [NumRlimits]Rlimit
	limitsSet bool
	// limCur mirrors the soft limits once limPublished (see rlimit.go).
	limCur       [NumRlimits]atomic.Uint64
	limPublished atomic.Bool

	// OOM killer state (oom.go): oom_score_adj, the floor unprivileged
	// writers may not go below, and when the OOM killer chose this process
	// (0: never).
	oomScoreAdj    int16
	oomScoreAdjMin int16
	oomKilledAt    time.Duration

	// attn is the process-wide counterpart of Task.attn (group signals,
	// exit_group, group stop).
	attn atomic.Uint32

	watchers  map[int]func()
	nextWatch int

	// itimer is ITIMER_REAL (alarm, setitimer).
	itimer itimerState
	// cpuItimers are ITIMER_VIRTUAL and ITIMER_PROF; cpuItimersArmed says
	// whether either runs, so charging CPU time is free otherwise.
	cpuItimers      [2]cpuItimer
	cpuItimersArmed atomic.Uint32
	// timers are the POSIX timers (timer_create), by id.
	timers    map[int32]*posixTimer
	nextTimer int32

	// pdeathsig is sent when the parent exits (PR_SET_PDEATHSIG).
	pdeathsig abi.Signal
	// nondumpable is PR_GET_DUMPABLE's 0: set by PR_SET_DUMPABLE, a
	// credential-changing exec, or a change of effective or filesystem
	// ids or capabilities (Linux's commit_creds with suid_dumpable 0).
	nondumpable atomic.Bool
	// loginUID and sessionID are the audit login (loginuid/sessionid in
	// /proc), inherited at fork; loginSet is false until one is written.
	loginSet  bool
	loginUID  uint32
	sessionID uint32
	// deadCPU and deadSys are the user and system time of threads that
	// exited; childCPU and childSys those of reaped children (and their
	// reaped descendants).
	deadCPU, deadSys   atomic.Int64
	childCPU, childSys atomic.Int64
	// maxRSS is the peak resident pages of the address spaces the group
	// has left (exec, exit); childMaxRSS the largest peak of its reaped
	// children and their reaped descendants (getrusage's ru_maxrss).
	maxRSS      atomic.Int64
	childMaxRSS atomic.Int64
	// cpuTotal is all CPU time (user and system) charged to the process
	// (CPU-time clocks and timers, RLIMIT_CPU).
	cpuTotal atomic.Int64
	// exitWatchers are told when the process exits (pidfds, see
	// pidfd.go).
	exitWatchers  map[int]func()
	nextExitWatch int
}

// Task is a thread.
type Task struct {
	k   *Kernel
	tg  *ThreadGroup
	ID  int32
	Ctx machine.Context

	mu            sync.Mutex
	sigmask       abi.SignalSet
	savedMask     *abi.SignalSet // restored after a handler from sigsuspend
	pending       sigQueue
	altSP         uint64
	altSize       uint64
	altFlags      uint32
	clearChildTID uint64
	robustList    uint64
	interrupt     chan struct{}
	exited        bool
	comm          string
	// cpuTime is the time spent running user code, sysTime the time the
	// kernel ran on the thread's behalf: the platform's kernel time (exit
	// from user mode to the next entry) less offCPU, the time the thread
	// slept, blocked or yielded meanwhile (see away).
	cpuTime, sysTime, offCPU atomic.Int64
	// attn is set whenever the thread may need attention on its way back
	// to user mode (a signal, an exit, a restart, a temporary mask), so the
	// common case skips the locked checks.
	attn atomic.Uint32
	// FileCaller caches the file layer's view of the task, and Scratch is
	// a buffer for small transfers (package syscalls owns both).
	FileCaller any
	CallerGen  uint64 // ThreadGroup.IDGeneration()+1 when FileCaller's identity was read
	Scratch    []byte
	// restart is how an interrupted system call finishes (see SetRestart).
	restart restartKind
	// vforkDone is closed when this task (a vfork child) execs or exits.
	vforkDone chan struct{}
	// securebits is the thread's part of its credentials that Aramid keeps
	// per thread, as Linux does (see securebits.go).
	securebits atomic.Uint32
	// rseq is the thread's restartable-sequences registration (rseq.go).
	rseq rseqState
	// sc is the thread's seccomp state and no_new_privs bit.
	sc seccompState
	// sched is the thread's scheduling attributes (recorded; one CPU).
	sched SchedAttr
	// cpuMask is the thread's CPU affinity, bit per CPU (0: every CPU);
	// cpu is the CPU its user code last ran on (affinity.go).
	cpuMask atomic.Uint64
	cpu     atomic.Int32
	// placer is Ctx as a machine.Placer (nil when it is not one), looked
	// up once by the task's own goroutine (an interface assertion per
	// ring-3 entry was a sixth of a system call).
	placer       machine.Placer
	placerLooked bool
}

// TG returns the task's thread group.
func (t *Task) TG() *ThreadGroup { return t.tg }

// Kernel returns the kernel.
func (t *Task) Kernel() *Kernel { return t.k }

// MM returns the task's address space.
func (t *Task) MM() *mm.MM { return t.tg.mmCur.Load() }

// setMMLocked replaces the address space; g.mu is held.
func (g *ThreadGroup) setMMLocked(m *mm.MM) {
	g.mm = m
	g.mmCur.Store(m)
}

// IDGeneration changes whenever the group's credentials, process group or
// session change.
func (g *ThreadGroup) IDGeneration() uint64 { return g.idGen.Load() }

// Regs returns the task's registers (valid while the task is in the kernel).
func (t *Task) Regs() *machine.Regs { return t.Ctx.Regs() }

// Comm returns the thread's name.
func (t *Task) Comm() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.comm
}

// SetComm sets the thread's name (prctl PR_SET_NAME), at most 15 bytes.
func (t *Task) SetComm(s string) {
	if len(s) > 15 {
		s = s[:15]
	}
	t.mu.Lock()
	t.comm = s
	t.mu.Unlock()
}

// Creds returns a copy of the process's credentials.
func (g *ThreadGroup) Creds() Creds {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.creds
	c.Groups = append([]uint32(nil), g.creds.Groups...)
	return c
}

// SetCreds replaces the credentials.
func (g *ThreadGroup) SetCreds(c Creds) {
	g.mu.Lock()
	g.creds = c
	g.idGen.Add(1)
	g.mu.Unlock()
}

// IDs returns pid, ppid, pgid and sid.
func (g *ThreadGroup) IDs() (pid, ppid, pgid, sid int32) {
	g.k.mu.Lock()
	defer g.k.mu.Unlock()
	ppid = 0
	if g.parent != nil {
		ppid = g.parent.ID
	}
	return g.ID, ppid, g.pgid, g.sid
}

// Argv returns the command line of the last execve.
func (g *ThreadGroup) Argv() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.argv
}

// Auxv returns the auxiliary vector the last execve gave the program, as
// /proc/<pid>/auxv shows it (native-endian words, AT_NULL included).
func (g *ThreadGroup) Auxv() []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.auxv
}

// Envp returns the environment of the last execve.
func (g *ThreadGroup) Envp() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.envp
}

// MM returns the process's address space (nil once it exited).
func (g *ThreadGroup) MM() *mm.MM { return g.mmCur.Load() }

// Comm returns the process's name (its main thread's).
func (g *ThreadGroup) Comm() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.tasks[g.ID]; t != nil {
		return t.Comm()
	}
	return g.comm
}

// State is the one-letter state /proc reports: R running, S sleeping, T
// stopped, Z zombie.
func (g *ThreadGroup) State() byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.zombie:
		return 'Z'
	case g.stopped:
		return 'T'
	}
	return 'S'
}

// SignalDispositions returns the ignored and caught signal sets.
func (g *ThreadGroup) SignalDispositions() (ignored, caught abi.SignalSet) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for s := abi.Signal(1); s <= abi.SIGRTMAX; s++ {
		switch g.handlers[s].Handler {
		case uint64(abi.SIG_DFL):
		case uint64(abi.SIG_IGN):
			ignored |= s.Mask()
		default:
			caught |= s.Mask()
		}
	}
	return
}

// Exe returns the path of the running executable.
func (g *ThreadGroup) Exe() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.exe
}

// Tasks returns the group's threads.
func (g *ThreadGroup) Tasks() []*Task {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*Task, 0, len(g.tasks))
	for _, t := range g.tasks {
		out = append(out, t)
	}
	return out
}

// SetSubreaper sets PR_SET_CHILD_SUBREAPER.
func (g *ThreadGroup) SetSubreaper(on bool) {
	g.mu.Lock()
	g.subreaper = on
	g.mu.Unlock()
}

// Subreaper reports PR_GET_CHILD_SUBREAPER.
func (g *ThreadGroup) Subreaper() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.subreaper
}

// StartTime is when the process started (since boot).
func (g *ThreadGroup) StartTime() time.Duration { return g.startTime }

// Zombie reports whether the process has exited and awaits its parent.
func (g *ThreadGroup) Zombie() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.zombie
}

// NewInit creates PID 1 (not yet running): an empty address space, one
// thread. The caller execs the init program into it and calls Start.
func (k *Kernel) NewInit() (*Task, error) {
	m, err := mm.New(k.Plat, k.Frames)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := &ThreadGroup{k: k, ID: 1, pgid: 0, sid: 0, creds: Creds{Caps: initCaps}, // like Linux's init: in no session until it calls setsid
		tasks: map[int32]*Task{}, children: map[*ThreadGroup]struct{}{},
		mm: m, exitSignal: abi.SIGCHLD, childEvent: make(chan struct{}), comm: "init", startTime: k.Monotonic()}
	tg.mmCur.Store(m)
	tg.ensureLimitsLocked()
	m.SetLimits(tg.RlimitCur)
	t := &Task{k: k, tg: tg, ID: 1, Ctx: k.Plat.NewContext(), interrupt: make(chan struct{}, 1), comm: "init"}
	tg.tasks[1] = t
	k.tasks[1] = t
	k.groups[1] = tg
	k.init = tg
	k.nextID = 2
	return t, nil
}

// Start runs the task's goroutine.
func (t *Task) Start() { go t.run() }

// run is the task's life: switch to user code, handle what stopped it.
func (t *Task) run() {
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 8192)
			n := runtime.Stack(buf, false)
			t.k.Log(klog.Crit, "task %d (%s): kernel panic while handling it: %v\n%s", t.ID, t.Comm(), r, buf[:n])
			t.exitGroup(uint32(abi.SIGKILL))
			t.exitThread()
		}
	}()
	for {
		if (t.attn.Load() != 0 || t.tg.attn.Load() != 0) && t.shouldExit() {
			t.exitThread()
			return
		}
		if t.sc.mode.Load() == SeccompDisabled {
			t.Ctx.SetIDs(t.tg.ID, t.ID)
		} else {
			t.Ctx.SetIDs(0, 0) // every system call goes through Dispatch
		}
		t.place()
		ev := t.Ctx.Switch(t.MM().PageTable())
		t.cpu.Store(int32(ev.CPU))
		sys := max(ev.Kernel-time.Duration(t.offCPU.Swap(0)), 0)
		t.cpuTime.Add(int64(ev.User))
		t.sysTime.Add(int64(sys))
		t.tg.chargeCPU(ev.User, sys)
		if t.k.cpuTimers.count.Load() > 0 {
			t.k.checkCPUTimers(t)
		}
		switch ev.Kind {
		case machine.EventSyscall:
			if t.k.MemoryLow != nil {
				t.throttle()
			}
			t.k.Dispatch(t)
		case machine.EventFault:
			t.handleFault(ev)
		case machine.EventInterrupt:
			t.Yield()
			t.rseqPreempted()
		case machine.EventCPU:
			t.rseqPreempted() // moved: a critical section restarts, cpu_id follows
		}
		if t.attn.Load() != 0 || t.tg.attn.Load() != 0 {
			t.deliverSignals()
		}
	}
}

func (t *Task) shouldExit() bool {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exited || t.tg.exiting
}

// handleFault resolves a user page fault or turns an exception into the
// signal Linux would send.
func (t *Task) handleFault(ev machine.Event) {
	switch ev.Vector {
	case 14:
		acc := mm.AccessRead
		if ev.ErrorCode&machine.PFWrite != 0 {
			acc = mm.AccessWrite
		} else if ev.ErrorCode&machine.PFFetch != 0 {
			acc = mm.AccessExec
		}
		err := t.MM().HandleFault(ev.Addr, acc)
		if t.k.TraceFaults {
			t.k.Log(klog.Info, "[%d] page fault at %#x ip %#x error %#x: %v", t.ID, ev.Addr, t.Regs().Rip, ev.ErrorCode, err)
		}
		if err == nil {
			return
		}
		fe, _ := err.(*mm.FaultError)
		switch {
		case fe != nil && fe.NoMem:
			t.outOfMemoryOnFault(ev.Addr)
		case fe != nil && fe.Bus:
			t.forceSignal(abi.SIGBUS, sigInfo{signo: abi.SIGBUS, code: 2, addr: ev.Addr})
		default:
			code := int32(1)
			if fe != nil {
				code = int32(fe.Code)
			}
			t.forceSignal(abi.SIGSEGV, sigInfo{signo: abi.SIGSEGV, code: code, addr: ev.Addr})
		}
	case 0:
		t.forceSignal(abi.SIGFPE, sigInfo{signo: abi.SIGFPE, code: 1, addr: t.Regs().Rip})
	case 16, 19:
		t.forceSignal(abi.SIGFPE, sigInfo{signo: abi.SIGFPE, code: 0, addr: t.Regs().Rip})
	case 1, 3:
		t.forceSignal(abi.SIGTRAP, sigInfo{signo: abi.SIGTRAP, code: 0x80, addr: t.Regs().Rip})
	case 6:
		t.forceSignal(abi.SIGILL, sigInfo{signo: abi.SIGILL, code: 2, addr: t.Regs().Rip})
	case 17:
		t.forceSignal(abi.SIGBUS, sigInfo{signo: abi.SIGBUS, code: 1, addr: ev.Addr})
	default: // #GP, #SS, #NP and friends
		t.forceSignal(abi.SIGSEGV, sigInfo{signo: abi.SIGSEGV, code: 0x80})
	}
}

// outOfMemoryOnFault handles a page fault that found no free frame, as
// Linux's pagefault_out_of_memory does: the OOM killer frees memory by
// killing the worst process (perhaps this one) and the faulting
// instruction runs again. A short sleep lets the victim exit first. Only
// when nothing at all can be killed does the faulting process die.
func (t *Task) outOfMemoryOnFault(addr uint64) {
	if t.k.OutOfMemory(t) {
		defer t.away(t.k.Monotonic())
		time.Sleep(time.Millisecond)
		return
	}
	t.k.Log(klog.Err, "Out of memory: no process to kill; killing %d (%s), whose page fault at %#x cannot be served",
		t.tg.ID, t.Comm(), addr)
	t.forceSignal(abi.SIGKILL, sigInfo{signo: abi.SIGKILL})
}

func (t *Task) String() string { return fmt.Sprintf("task %d/%d (%s)", t.tg.ID, t.ID, t.Comm()) }
