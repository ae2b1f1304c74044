package task

// WatchExit calls fn (on a goroutine of its own) once the process has
// exited, that is become a zombie: at once if it already has. A pidfd's
// readiness follows it. The returned func stops a watch that has not fired.
func (g *ThreadGroup) WatchExit(fn func()) (cancel func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.zombie {
		go fn()
		return func() {}
	}
	id := g.nextWatch
	g.nextWatch++
	if g.exitWatchers == nil {
		g.exitWatchers = map[int]func(){}
	}
	g.exitWatchers[id] = fn
	return func() {
		g.mu.Lock()
		delete(g.exitWatchers, id)
		g.mu.Unlock()
	}
}

// Exited reports whether the process has exited (zombie or reaped).
func (g *ThreadGroup) Exited() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.zombie
}

// notifyExitLocked fires the exit watches. g.mu held.
func (g *ThreadGroup) notifyExitLocked() {
	for _, fn := range g.exitWatchers {
		go fn()
	}
	g.exitWatchers = nil
}
