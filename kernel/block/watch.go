package block

// Changed returns a channel closed by the next Register: a watcher takes
// it, looks at Disks, then waits on it, and misses no disk.
func Changed() <-chan struct{} {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.added == nil {
		registry.added = make(chan struct{})
	}
	return registry.added
}
