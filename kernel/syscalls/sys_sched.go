package syscalls

import (
	"encoding/binary"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// Scheduling policies and attributes: sched_setscheduler, sched_setparam,
// sched_setattr and their getters, getpriority/setpriority, and CPU
// affinity. Attributes are per thread, as on Linux. The Go scheduler does
// not weigh priorities, so the attributes are validated, permission-checked,
// recorded and inherited exactly as Linux does, and reported back; they do
// not change who runs first. CPU affinity is honoured: a thread's user code
// runs only on the CPUs of its mask (task/affinity.go).
func init() {
	const note = "validated, permission-checked, recorded and inherited per thread; priorities are not weighed"
	partial("getpriority", note, sysGetpriority)
	partial("setpriority", note, sysSetpriority)
	partial("sched_setscheduler", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, s.schedSetParam(t, int32(a[0]), int32(a[1]), a[2])
	})
	partial("sched_setparam", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		return 0, s.schedSetParam(t, int32(a[0]), setparamPolicy, a[1])
	})
	partial("sched_getscheduler", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		g, err := s.schedTask(t, int32(a[0]), false)
		if err != nil {
			return 0, err
		}
		at := g.SchedAttr()
		pol := uint64(at.Policy)
		if at.ResetOnFork {
			pol |= schedResetOnFork
		}
		return pol, nil
	})
	partial("sched_getparam", note, func(s *System, t *task.Task, a Args) (uint64, error) {
		if a[1] == 0 {
			return 0, abi.EINVAL
		}
		g, err := s.schedTask(t, int32(a[0]), false)
		if err != nil {
			return 0, err
		}
		at := g.SchedAttr()
		var pri uint32
		if at.Policy == schedFIFO || at.Policy == schedRR {
			pri = uint32(at.Priority)
		}
		return 0, t.MM().WriteUint32(a[1], pri)
	})
	partial("sched_setattr", note+"; utilization clamping: EOPNOTSUPP (configured out)", sysSchedSetattr)
	partial("sched_getattr", note, sysSchedGetattr)
	full("sched_get_priority_max", func(s *System, t *task.Task, a Args) (uint64, error) {
		switch a[0] {
		case schedFIFO, schedRR:
			return 99, nil
		case schedOther, schedBatch, schedIdle, schedDeadline:
			return 0, nil
		}
		return 0, abi.EINVAL
	})
	full("sched_get_priority_min", func(s *System, t *task.Task, a Args) (uint64, error) {
		switch a[0] {
		case schedFIFO, schedRR:
			return 1, nil
		case schedOther, schedBatch, schedIdle, schedDeadline:
			return 0, nil
		}
		return 0, abi.EINVAL
	})
	partial("sched_rr_get_interval", "SCHED_FIFO 0; others Linux's default 100 ms round-robin slice", func(s *System, t *task.Task, a Args) (uint64, error) {
		g, err := s.schedTask(t, int32(a[0]), false)
		if err != nil {
			return 0, err
		}
		d := 100 * time.Millisecond
		if g.SchedAttr().Policy == schedFIFO {
			d = 0
		}
		return 0, writeTimespec(t, a[1], d)
	})
	full("sched_getaffinity", sysSchedGetaffinity)
	full("sched_setaffinity", sysSchedSetaffinity)
	full("sched_yield", func(s *System, t *task.Task, a Args) (uint64, error) {
		t.Yield()
		return 0, nil
	})
	full("getcpu", func(s *System, t *task.Task, a Args) (uint64, error) {
		m := t.MM()
		if a[0] != 0 {
			if err := m.WriteUint32(a[0], uint32(t.CPU())); err != nil {
				return 0, err
			}
		}
		if a[1] != 0 {
			return 0, m.WriteUint32(a[1], 0) // one NUMA node
		}
		return 0, nil
	})
}

const (
	schedOther, schedFIFO, schedRR, schedBatch, schedIdle, schedDeadline = 0, 1, 2, 3, 5, 6
	schedResetOnFork                                                     = 0x40000000
	// setparamPolicy is sched_setparam's "keep the policy" (SETPARAM_POLICY).
	setparamPolicy = -1

	// sched_attr.sched_flags.
	schedFlagResetOnFork = 0x01
	schedFlagKeepPolicy  = 0x08
	schedFlagKeepParams  = 0x10
	schedFlagUtilClamp   = 0x60
	schedFlagAll         = 0x7f
	schedFlagSugov       = 0x10000000

	// struct sched_attr sizes: the first version and the current one.
	schedAttrSizeVer0 = 48
	schedAttrSize     = 56

	rlimitNice, rlimitRtprio = 13, 14
)

// schedTask resolves the pid of a scheduling call to a thread: 0 is the
// caller; negative pids are EINVAL unless negESRCH says otherwise (the
// affinity calls look them up and fail with ESRCH).
func (s *System) schedTask(t *task.Task, pid int32, negESRCH bool) (*task.Task, error) {
	if pid < 0 {
		if negESRCH {
			return nil, abi.ESRCH
		}
		return nil, abi.EINVAL
	}
	if pid == 0 {
		return t, nil
	}
	if tt := s.K.Task(pid); tt != nil {
		return tt, nil
	}
	if g := s.K.Group(pid); g != nil && !g.Zombie() {
		if ts := g.Tasks(); len(ts) > 0 {
			return ts[0], nil // the leader has exited: another thread stands in
		}
	}
	return nil, abi.ESRCH
}

// sameOwner is Linux's check_same_owner: the caller's effective uid is the
// target's real or effective uid. Privilege (CAP_SYS_NICE) is euid 0 here.
func sameOwner(t *task.Task, o *task.Task) bool {
	c, oc := t.TG().Creds(), o.TG().Creds()
	return c.EUID == oc.UID || c.EUID == oc.EUID
}

// rlimitCur returns the soft limit r of o's process.
func rlimitCur(o *task.Task, r int) uint64 { return o.TG().RlimitCur(r) }

// canNice is Linux's can_nice: nice may be reached under RLIMIT_NICE
// (20 - nice <= limit) or with privilege.
func canNice(t *task.Task, o *task.Task, nice int32) bool {
	return uint64(20-nice) <= rlimitCur(o, rlimitNice) || capable(t, abi.CAP_SYS_NICE)
}

func rtPolicy(p int32) bool   { return p == schedFIFO || p == schedRR }
func fairPolicy(p int32) bool { return p == schedOther || p == schedBatch || p == schedIdle }

// schedRequest is a decoded sched_attr (or a policy plus sched_param).
type schedRequest struct {
	policy   int32 // setparamPolicy keeps the current one
	flags    uint64
	nice     int32
	priority uint32
	runtime  uint64
	deadline uint64
	period   uint64
}

// schedSetParam implements sched_setscheduler and sched_setparam.
func (s *System) schedSetParam(t *task.Task, pid, policy int32, paramAddr uint64) error {
	if paramAddr == 0 || pid < 0 {
		return abi.EINVAL
	}
	pri, err := t.MM().ReadUint32(paramAddr)
	if err != nil {
		return err
	}
	g, err := s.schedTask(t, pid, false)
	if err != nil {
		return err
	}
	req := schedRequest{policy: policy, priority: pri, nice: g.SchedAttr().Nice}
	if policy >= 0 {
		if policy&schedResetOnFork != 0 {
			req.flags |= schedFlagResetOnFork
		}
		req.policy = policy &^ schedResetOnFork
	}
	return s.setSched(t, g, req)
}

// setSched is Linux's __sched_setscheduler for a user caller: validation,
// then the permission rules for unprivileged callers, then the change.
func (s *System) setSched(t *task.Task, g *task.Task, req schedRequest) error {
	cur := g.SchedAttr()
	policy, resetOnFork := req.policy, req.flags&schedFlagResetOnFork != 0
	if policy < 0 {
		policy, resetOnFork = cur.Policy, cur.ResetOnFork
	} else {
		switch policy {
		case schedOther, schedFIFO, schedRR, schedBatch, schedIdle, schedDeadline:
		default:
			return abi.EINVAL
		}
	}
	if req.flags&^(schedFlagAll|schedFlagSugov) != 0 || req.priority > 99 {
		return abi.EINVAL
	}
	if policy == schedDeadline && !validDeadline(req) || rtPolicy(policy) != (req.priority != 0) {
		return abi.EINVAL
	}
	if !capable(t, abi.CAP_SYS_NICE) {
		if fairPolicy(policy) && req.nice < cur.Nice && !canNice(t, g, req.nice) {
			return abi.EPERM
		}
		if rtPolicy(policy) {
			lim := rlimitCur(g, rlimitRtprio)
			if policy != cur.Policy && lim == 0 {
				return abi.EPERM
			}
			if req.priority > uint32(cur.Priority) && uint64(req.priority) > lim {
				return abi.EPERM
			}
		}
		if policy == schedDeadline {
			return abi.EPERM
		}
		if cur.Policy == schedIdle && policy != schedIdle && !canNice(t, g, cur.Nice) {
			return abi.EPERM
		}
		if !sameOwner(t, g) {
			return abi.EPERM
		}
		if cur.ResetOnFork && !resetOnFork {
			return abi.EPERM
		}
	}
	if req.flags&schedFlagUtilClamp != 0 {
		return abi.EOPNOTSUPP // CONFIG_UCLAMP_TASK is off
	}
	if policy == schedDeadline && req.runtime*100 > req.period*95 {
		return abi.EBUSY // beyond the default 95% real-time bandwidth of the one CPU
	}
	n := cur
	n.ResetOnFork = resetOnFork
	if req.flags&schedFlagKeepParams == 0 {
		n.Policy, n.Priority = policy, int32(req.priority)
		n.Runtime, n.Deadline, n.Period = 0, 0, 0
		switch {
		case fairPolicy(policy):
			n.Nice = req.nice
		case policy == schedDeadline:
			n.Runtime, n.Deadline, n.Period = req.runtime, req.deadline, req.period
		}
	}
	g.SetSchedAttr(n)
	return nil
}

// validDeadline is Linux's __checkparam_dl: 0 < runtime (at least 1 µs
// resolution, 1024 ns) <= deadline <= period (period 0 means deadline),
// all below 2^63.
func validDeadline(r schedRequest) bool {
	period := r.period
	if period == 0 {
		period = r.deadline
	}
	return r.deadline != 0 && r.runtime >= 1024 && r.deadline>>63 == 0 && period>>63 == 0 &&
		r.runtime <= r.deadline && r.deadline <= period
}

// sysSchedSetattr implements sched_setattr(2).
func sysSchedSetattr(s *System, t *task.Task, a Args) (uint64, error) {
	addr, pid := a[1], int32(a[0])
	if addr == 0 || pid < 0 || a[2] != 0 {
		return 0, abi.EINVAL
	}
	m := t.MM()
	size, err := m.ReadUint32(addr)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		size = schedAttrSizeVer0
	}
	tooBig := func() (uint64, error) {
		if err := m.WriteUint32(addr, schedAttrSize); err != nil {
			return 0, err
		}
		return 0, abi.E2BIG
	}
	if size < schedAttrSizeVer0 || size > 4096 {
		return tooBig()
	}
	b := make([]byte, size)
	if err := m.CopyIn(addr, b); err != nil {
		return 0, err
	}
	for _, c := range b[min(size, schedAttrSize):] {
		if c != 0 {
			return tooBig()
		}
	}
	le := binary.LittleEndian
	req := schedRequest{policy: int32(le.Uint32(b[4:])), flags: le.Uint64(b[8:]),
		nice: max(min(int32(le.Uint32(b[16:])), 19), -20), priority: le.Uint32(b[20:]),
		runtime: le.Uint64(b[24:]), deadline: le.Uint64(b[32:]), period: le.Uint64(b[40:])}
	if req.flags&schedFlagUtilClamp != 0 && size < schedAttrSize {
		return 0, abi.EINVAL
	}
	if req.policy < 0 {
		return 0, abi.EINVAL
	}
	if req.flags&schedFlagKeepPolicy != 0 {
		req.policy = setparamPolicy
	}
	g, err := s.schedTask(t, pid, false)
	if err != nil {
		return 0, err
	}
	if req.flags&schedFlagKeepParams != 0 {
		cur := g.SchedAttr()
		switch {
		case cur.Policy == schedDeadline:
			req.runtime, req.deadline, req.period = cur.Runtime, cur.Deadline, cur.Period
		case rtPolicy(cur.Policy):
			req.priority = uint32(cur.Priority)
		default:
			req.nice = cur.Nice
		}
	}
	return 0, s.setSched(t, g, req)
}

// sysSchedGetattr implements sched_getattr(2): min(size, 56) bytes are
// written and the size field says how many.
func sysSchedGetattr(s *System, t *task.Task, a Args) (uint64, error) {
	usize := a[2]
	if a[1] == 0 || int32(a[0]) < 0 || usize > 4096 || usize < schedAttrSizeVer0 || a[3] != 0 {
		return 0, abi.EINVAL
	}
	g, err := s.schedTask(t, int32(a[0]), false)
	if err != nil {
		return 0, err
	}
	at := g.SchedAttr()
	b := make([]byte, schedAttrSize)
	le := binary.LittleEndian
	n := min(usize, schedAttrSize)
	le.PutUint32(b[0:], uint32(n))
	le.PutUint32(b[4:], uint32(at.Policy))
	if at.ResetOnFork {
		le.PutUint64(b[8:], schedFlagResetOnFork)
	}
	switch {
	case at.Policy == schedDeadline:
		le.PutUint64(b[24:], at.Runtime)
		le.PutUint64(b[32:], at.Deadline)
		le.PutUint64(b[40:], at.Period)
	case rtPolicy(at.Policy):
		le.PutUint32(b[20:], uint32(at.Priority))
	default:
		le.PutUint32(b[16:], uint32(at.Nice))
	}
	return 0, t.MM().CopyOut(a[1], b[:n])
}

// cpumaskSize is Linux's cpumask_size() for up to 64 possible CPUs: one
// long.
const cpumaskSize = 8

// sysSchedGetaffinity implements sched_getaffinity(2): the length must
// cover the possible CPUs and be a multiple of a long; the result is the
// kernel's mask size.
func sysSchedGetaffinity(s *System, t *task.Task, a Args) (uint64, error) {
	n := uint64(uint32(a[1])) // unsigned int len
	if n*8 < 1 || n&7 != 0 {
		return 0, abi.EINVAL
	}
	g, err := s.schedTask(t, int32(a[0]), true)
	if err != nil {
		return 0, err
	}
	return cpumaskSize, t.MM().WriteUint64(a[2], g.CPUAffinity())
}

// sysSchedSetaffinity implements sched_setaffinity(2): a short mask is
// zero-extended, a long one cut to the kernel's size; another owner's
// process needs privilege; a mask without an online CPU is EINVAL.
func sysSchedSetaffinity(s *System, t *task.Task, a Args) (uint64, error) {
	n := min(uint64(uint32(a[1])), cpumaskSize)
	b := make([]byte, cpumaskSize)
	if err := t.MM().CopyIn(a[2], b[:n]); err != nil {
		return 0, err
	}
	g, err := s.schedTask(t, int32(a[0]), true)
	if err != nil {
		return 0, err
	}
	if !sameOwner(t, g) && !capable(t, abi.CAP_SYS_NICE) {
		return 0, abi.EPERM
	}
	mask := binary.LittleEndian.Uint64(b) & s.K.AllCPUs()
	if mask == 0 {
		return 0, abi.EINVAL // no online CPU in the mask
	}
	g.SetCPUAffinity(mask)
	return 0, nil
}

// priorityTargets returns the threads getpriority/setpriority(which, who)
// act on: PRIO_PROCESS one thread (0: the caller), PRIO_PGRP every thread
// of the process group (0: the caller's), PRIO_USER every thread whose
// real uid is who (0: the caller's).
func (s *System) priorityTargets(t *task.Task, which, who int32) ([]*task.Task, error) {
	const prioProcess, prioPgrp, prioUser = 0, 1, 2
	switch which {
	case prioProcess:
		if who == 0 {
			return []*task.Task{t}, nil
		}
		if who < 0 {
			return nil, nil
		}
		tt, err := s.schedTask(t, who, true)
		if err != nil {
			return nil, nil
		}
		return []*task.Task{tt}, nil
	case prioPgrp, prioUser:
		_, pgid, _ := t.TG().SessionIDs()
		uid := t.TG().Creds().UID
		var out []*task.Task
		for _, g := range s.K.Groups() {
			if g.Zombie() {
				continue
			}
			if which == prioPgrp {
				if _, gp, _ := g.SessionIDs(); gp != pgid && who == 0 || gp != who && who != 0 {
					continue
				}
			} else if u := g.Creds().UID; u != uid && who == 0 || u != uint32(who) && who != 0 {
				continue
			}
			out = append(out, g.Tasks()...)
		}
		return out, nil
	}
	return nil, abi.EINVAL
}

// sysGetpriority implements getpriority(2): 20 - the lowest nice among the
// targets (the kernel's "nice rlimit" form), ESRCH when there are none.
func sysGetpriority(s *System, t *task.Task, a Args) (uint64, error) {
	ts, err := s.priorityTargets(t, int32(a[0]), int32(a[1]))
	if err != nil {
		return 0, err
	}
	best := int32(-1)
	for _, o := range ts {
		best = max(best, 20-o.SchedAttr().Nice)
	}
	if best < 0 {
		return 0, abi.ESRCH
	}
	return uint64(best), nil
}

// sysSetpriority implements setpriority(2): nice is clamped to [-20, 19];
// each target must belong to the caller (EPERM) and a lower nice needs
// RLIMIT_NICE or privilege (EACCES); the last error wins, as on Linux.
func sysSetpriority(s *System, t *task.Task, a Args) (uint64, error) {
	ts, err := s.priorityTargets(t, int32(a[0]), int32(a[1]))
	if err != nil {
		return 0, err
	}
	nice := max(min(int32(a[2]), 19), -20)
	err = abi.ESRCH
	for _, o := range ts {
		at := o.SchedAttr()
		switch {
		case !sameOwner(t, o) && !capable(t, abi.CAP_SYS_NICE):
			err = abi.EPERM
		case nice < at.Nice && !canNice(t, o, nice):
			err = abi.EACCES
		default:
			if err == abi.ESRCH {
				err = nil
			}
			at.Nice = nice
			o.SetSchedAttr(at)
		}
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}
