package vfs

import "sync"

// FSContext is a process's filesystem context: root (chroot), working
// directory and umask. Threads created with CLONE_FS share one; fork
// copies it.
type FSContext struct {
	mu    sync.Mutex
	root  Path
	cwd   Path
	umask uint32
}

// NewFSContext returns a context with root and cwd at root and umask 022.
func NewFSContext(root Path) *FSContext {
	return &FSContext{root: root, cwd: root, umask: 0o022}
}

// Root returns the root directory.
func (f *FSContext) Root() Path {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.root
}

// Cwd returns the working directory.
func (f *FSContext) Cwd() Path {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cwd
}

// Umask returns the file creation mask.
func (f *FSContext) Umask() uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.umask
}

// SetUmask implements umask(2): it sets mask&0777 and returns the old mask.
func (f *FSContext) SetUmask(mask uint32) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.umask
	f.umask = mask & 0o777
	return old
}

// Fork returns a copy.
func (f *FSContext) Fork() *FSContext {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &FSContext{root: f.root, cwd: f.cwd, umask: f.umask}
}

func (f *FSContext) setCwd(p Path) {
	f.mu.Lock()
	f.cwd = p
	f.mu.Unlock()
}

func (f *FSContext) setRoot(p Path) {
	f.mu.Lock()
	f.root = p
	f.mu.Unlock()
}
