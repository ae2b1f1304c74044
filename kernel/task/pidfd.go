package task

import "aramid/kernel/abi"

// Process-level operations for pidfds (package syscalls owns the file):
// exit notification, signalling a process by reference rather than by a
// pid that could be reused, and the ptrace access check pidfd_getfd
// makes.

// Exited reports whether the whole process has exited (a zombie, or
// reaped): a pidfd is then readable.
func (g *ThreadGroup) Exited() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.zombie || g.reaped
}

// Reaped reports whether the process has been waited for: its pid is free.
func (g *ThreadGroup) Reaped() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reaped
}

// WatchExit calls fn (which must not block or take process locks) when
// the process exits. The returned func stops watching.
func (g *ThreadGroup) WatchExit(fn func()) (cancel func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.exitWatchers == nil {
		g.exitWatchers = map[int]func(){}
	}
	id := g.nextExitWatch
	g.nextExitWatch++
	g.exitWatchers[id] = fn
	return func() {
		g.mu.Lock()
		delete(g.exitWatchers, id)
		g.mu.Unlock()
	}
}

// notifyExitLocked runs the exit watchers; g.mu is held.
func (g *ThreadGroup) notifyExitLocked() {
	for _, fn := range g.exitWatchers {
		fn()
	}
}

// SignalProcess sends sig to process g on t's behalf (pidfd_send_signal):
// EINVAL for an invalid signal, ESRCH once g has been reaped, EPERM when
// kill(2)'s permission rules refuse; a zombie accepts and ignores it. si,
// if not nil, is the caller's siginfo (already checked by the caller).
func (t *Task) SignalProcess(g *ThreadGroup, sig abi.Signal, si *SigInfo) error {
	if sig != 0 && !sig.Valid() {
		return abi.EINVAL
	}
	if g.Reaped() {
		return abi.ESRCH
	}
	if !killAllowed(t.tg, g, sig) {
		return abi.EPERM
	}
	if sig == 0 || g.Zombie() {
		return nil
	}
	if si != nil {
		return g.Queue(nil, *si)
	}
	g.SendGroup(SignalInfo(sig, siUser, t))
	return nil
}

// PtraceMayAttach is ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS): the
// same process, a process whose real, effective and saved uids and gids
// all equal the caller's real uid and gid, or any with CAP_SYS_PTRACE.
func (t *Task) PtraceMayAttach(g *ThreadGroup) bool {
	if g == t.tg {
		return true
	}
	c, tc := t.tg.Creds(), g.Creds()
	if c.UID == tc.UID && c.UID == tc.EUID && c.UID == tc.SUID &&
		c.GID == tc.GID && c.GID == tc.EGID && c.GID == tc.SGID {
		return true
	}
	return c.Capable(abi.CAP_SYS_PTRACE)
}
