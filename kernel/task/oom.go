package task

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/klog"
)

// The OOM killer and the per-process OOM settings (/proc/<pid>/oom_score_adj,
// oom_adj, oom_score), after Linux's mm/oom_kill.c and fs/proc/base.c.
//
// User memory and the kernel's own heap come from one physical pool. User
// allocations stop at a reserve the kernel keeps for itself (the platform's
// business); when they do, or when the kernel's heap eats into the reserve,
// OutOfMemory picks the process with the highest badness (resident pages
// plus page tables, moved by oom_score_adj) and kills it with SIGKILL.

// oom_score_adj and the legacy oom_adj ranges.
const (
	OOMScoreAdjMin = -1000 // OOM_SCORE_ADJ_MIN: never chosen
	OOMScoreAdjMax = 1000  // OOM_SCORE_ADJ_MAX
	OOMAdjMin      = -17   // OOM_DISABLE
	OOMAdjMax      = 15    // OOM_ADJUST_MAX
)

// victimGrace is how long an earlier victim that still holds its memory
// makes the OOM killer wait instead of choosing another (Linux's OOM
// reaper gives up on a victim after about a second too).
const victimGrace = time.Second

// OOMScoreAdj returns the process's oom_score_adj.
func (g *ThreadGroup) OOMScoreAdj() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return int(g.oomScoreAdj)
}

// OOMAdj returns the legacy oom_adj view of oom_score_adj: scaled by
// 17/1000, truncating, and clamped to 15 (so 883..1000 read 15).
func (g *ThreadGroup) OOMAdj() int {
	return min(g.OOMScoreAdj()*-OOMAdjMin/OOMScoreAdjMax, OOMAdjMax)
}

// SetOOMScoreAdj implements a write to /proc/<pid>/oom_score_adj.
// privileged is the writer's CAP_SYS_RESOURCE: without it the value may not
// go below the lowest value a privileged writer set (oom_score_adj_min, 0
// by default), and only a privileged write moves that floor, as in Linux's
// __set_oom_adj.
func (g *ThreadGroup) SetOOMScoreAdj(v int, privileged bool) error {
	if v < OOMScoreAdjMin || v > OOMScoreAdjMax {
		return abi.EINVAL
	}
	return g.setOOM(v, false, privileged)
}

// SetOOMAdj implements a write to the legacy /proc/<pid>/oom_adj (-17..15,
// scaled to oom_score_adj; 15 means 1000). Lowering the value below the
// current oom_score_adj needs CAP_SYS_RESOURCE.
func (g *ThreadGroup) SetOOMAdj(v int, privileged bool) error {
	if v < OOMAdjMin || v > OOMAdjMax {
		return abi.EINVAL
	}
	if v == OOMAdjMax {
		v = OOMScoreAdjMax
	} else {
		v = v * OOMScoreAdjMax / -OOMAdjMin
	}
	return g.setOOM(v, true, privileged)
}

func (g *ThreadGroup) setOOM(v int, legacy, privileged bool) error {
	k := g.k
	k.oomAdjMu.Lock()
	defer k.oomAdjMu.Unlock()
	g.mu.Lock()
	floor := int(g.oomScoreAdjMin)
	if legacy {
		floor = int(g.oomScoreAdj)
	}
	if v < floor && !privileged {
		g.mu.Unlock()
		return abi.EACCES
	}
	m, vforked := g.mm, g.vforkChild()
	g.mu.Unlock()
	// Processes sharing the address space (CLONE_VM without CLONE_THREAD)
	// share the setting, unless this is a vfork child, which wants its
	// own; Linux keeps them in step so that killing one frees memory.
	targets := []*ThreadGroup{g}
	if m != nil && !vforked {
		for _, o := range k.Groups() {
			if o != g && o.MM() == m {
				targets = append(targets, o)
			}
		}
	}
	for _, t := range targets {
		t.mu.Lock()
		t.oomScoreAdj = int16(v)
		if !legacy && privileged {
			t.oomScoreAdjMin = int16(v)
		}
		t.mu.Unlock()
	}
	return nil
}

// vforkChild reports whether the process is a vfork child that has not
// exec'd yet. g.mu must be held.
func (g *ThreadGroup) vforkChild() bool {
	for _, t := range g.tasks {
		t.mu.Lock()
		v := t.vforkDone != nil
		t.mu.Unlock()
		if v {
			return true
		}
	}
	return false
}

// OOMCandidate is a process as the OOM killer weighs it. Sizes are pages.
type OOMCandidate struct {
	PID        int32
	Init       bool // PID 1: chosen only when nothing else can be
	Adj        int  // oom_score_adj
	RSS        uint64
	Swap       uint64
	PageTables uint64
	NoMM       bool // a zombie or a process without memory: never chosen
	Dying      bool // an earlier victim, or exiting, still holding memory
}

// oomBadness is Linux's oom_badness: resident pages, swap and page tables,
// plus oom_score_adj thousandths of all memory. ok is false for a process
// that may not be chosen (oom_score_adj -1000, no memory).
func oomBadness(c OOMCandidate, totalPages uint64) (points int64, ok bool) {
	if c.NoMM || c.Adj == OOMScoreAdjMin {
		return 0, false
	}
	points = int64(c.RSS + c.Swap + c.PageTables)
	points += int64(c.Adj) * int64(totalPages/1000)
	return points, true
}

// OOMScore is /proc/<pid>/oom_score: the badness scaled as Linux's
// proc_oom_score scales it, (1000 + badness*1000/total) * 2/3, 0 for a
// process that is never chosen. PID 1 is reported 0 as on Linux, where it
// is never chosen at all.
func OOMScore(c OOMCandidate, totalPages uint64) uint64 {
	if c.Init || totalPages == 0 {
		return 0
	}
	b, ok := oomBadness(c, totalPages)
	if !ok {
		return 0
	}
	p := (1000 + b*1000/int64(totalPages)) * 2 / 3
	return uint64(max(p, 0))
}

// selectOOMVictim returns the index of the process to kill, or -1. wait is
// true when an earlier victim is still dying: then nothing new is chosen
// (its memory is about to come back), as in Linux's oom_evaluate_task.
// Candidates come in creation order; on equal badness the later one wins,
// as Linux's scan keeps the last of equals. PID 1 is chosen only when no
// other process can be.
func selectOOMVictim(cs []OOMCandidate, totalPages uint64) (victim int, wait bool) {
	victim = -1
	var best int64
	initIdx := -1
	for i, c := range cs {
		b, ok := oomBadness(c, totalPages)
		if !ok {
			continue
		}
		if c.Dying {
			return -1, true
		}
		if c.Init {
			initIdx = i
			continue
		}
		if victim < 0 || b >= best {
			victim, best = i, b
		}
	}
	if victim < 0 {
		victim = initIdx
	}
	return victim, false
}

// oomInfo is what the OOM killer reports about one process.
type oomInfo struct {
	g                 *ThreadGroup
	cand              OOMCandidate
	uid               uint32
	comm              string
	totalVM           uint64
	anon, file, shmem uint64
}

// candidates snapshots every process in pid order.
func (k *Kernel) oomCandidates(now time.Duration) []oomInfo {
	groups := k.Groups()
	sort.Slice(groups, func(i, j int) bool { return groups[i].ID < groups[j].ID })
	out := make([]oomInfo, 0, len(groups))
	for _, g := range groups {
		g.mu.Lock()
		c := OOMCandidate{PID: g.ID, Init: g == k.init, Adj: int(g.oomScoreAdj)}
		m := g.mm
		c.NoMM = m == nil || g.zombie
		if g.oomKilledAt != 0 && !c.NoMM {
			// An earlier victim still holding its memory: wait for it, but
			// not forever (a victim stuck that long is looked past).
			c.Dying = now-g.oomKilledAt < victimGrace
			c.NoMM = !c.Dying
		}
		uid := g.creds.UID
		g.mu.Unlock()
		inf := oomInfo{g: g, uid: uid, comm: g.Comm()}
		if !c.NoMM {
			r := m.RSS()
			c.RSS = r.Total()
			c.PageTables = m.PageTablePages()
			inf.anon, inf.file, inf.shmem = r.Anon, r.File, r.Shmem
			inf.totalVM = m.TotalVM()
		}
		inf.cand = c
		out = append(out, inf)
	}
	return out
}

// totalPages is all memory in pages, as totalram_pages counts it.
func (k *Kernel) totalPages() uint64 {
	if k.Memory == nil {
		return 0
	}
	total, _ := k.Memory()
	return total / 4096
}

// OOMScore returns /proc/<pid>/oom_score for g.
func (k *Kernel) OOMScore(g *ThreadGroup) uint64 {
	g.mu.Lock()
	c := OOMCandidate{PID: g.ID, Init: g == k.init, Adj: int(g.oomScoreAdj)}
	m := g.mm
	c.NoMM = m == nil || g.zombie
	g.mu.Unlock()
	if !c.NoMM {
		c.RSS = m.RSS().Total()
		c.PageTables = m.PageTablePages()
	}
	return OOMScore(c, k.totalPages())
}

// OutOfMemory is the OOM killer: memory ran out for trigger (a task whose
// allocation failed, or nil when the kernel itself is short). It kills the
// process with the highest badness and reports it as Linux does. It
// returns false when nothing could be killed or was dying already, so the
// caller's allocation cannot succeed by waiting.
func (k *Kernel) OutOfMemory(trigger *Task) bool {
	if !k.oomMu.TryLock() {
		return true // another OOM kill is under way: retry
	}
	defer k.oomMu.Unlock()
	if k.Reclaim != nil && k.Reclaim() {
		return true
	}
	now := k.Monotonic()
	infos := k.oomCandidates(now)
	cands := make([]OOMCandidate, len(infos))
	for i, in := range infos {
		cands[i] = in.cand
	}
	total := k.totalPages()
	idx, wait := selectOOMVictim(cands, total)
	if wait {
		return true
	}
	who, adj := "kernel", 0
	if trigger != nil {
		who, adj = trigger.Comm(), trigger.tg.OOMScoreAdj()
	}
	k.Log(klog.Warning, "%s invoked oom-killer: order=0, oom_score_adj=%d", who, adj)
	if idx < 0 {
		k.Log(klog.Err, "Out of memory and no killable processes...")
		return false
	}
	k.dumpTasks(infos)
	v := infos[idx]
	k.Log(klog.Info, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=%s,pid=%d,uid=%d",
		v.comm, v.cand.PID, v.uid)
	k.Log(klog.Err, "Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:%dkB, UID:%d pgtables:%dkB oom_score_adj:%d",
		v.cand.PID, v.comm, v.totalVM*4, v.anon*4, v.file*4, v.shmem*4, v.uid, v.cand.PageTables*4, v.cand.Adj)
	k.oomKill(v.g, now)
	// Processes sharing the victim's memory die with it, or none of it
	// comes back (Linux skips the unkillable ones with a message).
	if m := v.g.MM(); m != nil {
		for _, o := range infos {
			if o.g == v.g || o.g.MM() != m {
				continue
			}
			if o.cand.Init || o.cand.Adj == OOMScoreAdjMin {
				k.Log(klog.Info, "oom killer %d (%s) has mm pinned by %d (%s)", v.cand.PID, v.comm, o.cand.PID, o.comm)
				continue
			}
			k.oomKill(o.g, now)
		}
	}
	return true
}

func (k *Kernel) oomKill(g *ThreadGroup, now time.Duration) {
	g.mu.Lock()
	g.oomKilledAt = max(now, 1)
	g.mu.Unlock()
	g.SendGroup(sigInfo{signo: abi.SIGKILL, code: siKernel})
}

// maxDumpTasks bounds the "Tasks state" table: on the serial console each
// line costs milliseconds, and a fork storm has thousands of processes to
// kill one at a time (Linux prints them all).
const maxDumpTasks = 128

// dumpTasks prints Linux's "Tasks state" table (vm.oom_dump_tasks).
func (k *Kernel) dumpTasks(infos []oomInfo) {
	n := 0
	for _, in := range infos {
		if !in.cand.NoMM && !in.cand.Init {
			n++
		}
	}
	if n > maxDumpTasks {
		k.Log(klog.Info, "Tasks state: %d processes (more than %d: table left out)", n, maxDumpTasks)
		return
	}
	var b strings.Builder
	b.WriteString("Tasks state (memory values in pages):\n")
	b.WriteString("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
	for _, in := range infos {
		if in.cand.NoMM || in.cand.Init {
			continue // Linux lists only the processes it could kill
		}
		fmt.Fprintf(&b, "\n[%7d] %5d %5d %8d %8d %8d %8d %13d %s", in.cand.PID, in.uid, in.cand.PID,
			in.totalVM, in.cand.RSS, in.cand.PageTables*4096, in.cand.Swap, in.cand.Adj, in.comm)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		k.Log(klog.Info, "%s", l)
	}
}

// Throttling: while memory is critically low a system call waits before it
// runs, as Linux's allocations wait in direct reclaim, so that processes
// cannot grow the kernel's heap (pipe buffers, file data, new tasks) faster
// than the OOM killer and the collector give memory back.
const (
	throttleStep = 2 * time.Millisecond
	throttleMax  = 2 * time.Second
)

// throttleExempt lists calls that give memory back or end a process:
// close, munmap, wait4, kill, exit, waitid, exit_group, rt_sigreturn.
var throttleExempt = map[uint64]bool{3: true, 11: true, 61: true, 62: true, 60: true, 247: true, 231: true, 15: true}

// throttle holds the task at system-call entry while memory is low. A task
// with a signal to take (an OOM victim's SIGKILL) goes on at once, and none
// waits longer than throttleMax.
func (t *Task) throttle() {
	if !t.k.MemoryLow() || throttleExempt[t.Regs().Rax] {
		return
	}
	for waited := time.Duration(0); waited < throttleMax && t.k.MemoryLow(); waited += throttleStep {
		if t.attn.Load() != 0 || t.tg.attn.Load() != 0 {
			return
		}
		start := t.k.Monotonic()
		time.Sleep(throttleStep)
		t.away(start)
	}
}
