package vfs

import "aramid/kernel/abi"

// Symlinks whose meaning depends on who follows them, as procfs needs:
// /proc/self names the caller's process, and /proc/<pid>/fd/N, exe, cwd
// and root are Linux's "magic links", which resolve to the file itself (a
// pipe, a deleted file, a path outside the caller's root) rather than to a
// path string.

// CallerSymlinkOps is implemented by symlinks whose target depends on the
// caller. The VFS prefers it over SymlinkOps.
type CallerSymlinkOps interface {
	ReadlinkCaller(c *Caller, in *Inode) (string, error)
}

// MagicLinkOps is implemented by magic links: following one lands on the
// returned target directly. Readlink (through CallerSymlinkOps or
// SymlinkOps) still supplies the text readlink(2) reports.
type MagicLinkOps interface {
	ResolveLink(c *Caller, in *Inode) (LinkTarget, error)
}

// LinkTarget is where a magic link lands. For a non-directory it also
// carries the directory entry the file was reached through: a file opened
// via /proc/self/exe must report the executable's own path, not the link's,
// or exec'ing it would record /proc/self/exe as its own executable.
type LinkTarget struct {
	Path Path
	Dir  Path   // containing directory; zero when unknown or a directory
	Name string // name in Dir
}

// pipefsMount is pipefs's internal mount (Linux's kern_mount of pipefs):
// attached nowhere in the tree, it gives a pipe's inode a path that a
// magic link can resolve to.
var pipefsMount = &Mount{FS: Pipefs, Source: "pipefs", RootPath: "/"}

// PipeTarget is where a magic link to a pipe (an inode of Pipefs) lands:
// the inode on pipefs's internal mount. Opening it opens the same pipe
// again, a new open file description with the access mode asked for, by
// the FIFO rules (Linux's fifo_open on the pipe's inode).
func PipeTarget(in *Inode) LinkTarget { return LinkTarget{Path: Path{Mount: pipefsMount, Inode: in}} }

// LinkTarget returns the target a magic link to f resolves to.
func (f *File) LinkTarget() LinkTarget { return LinkTarget{Path: f.Path, Dir: f.dir, Name: f.base} }

// ResolveHeld resolves path (absolute, from the namespace root) for a
// MagicLinkOps.ResolveLink: it runs inside a walk, which holds v.mu (for
// reading, or for writing when the walk creates), so it must not take the
// lock again as OpenAt would.
func (v *VFS) ResolveHeld(c *Caller, path string) (LinkTarget, error) {
	return v.ResolveHeldFrom(c, v.Root(), path)
}

// ResolveHeldFrom is ResolveHeld for a path seen from root: a process's
// root directory, which is not the namespace's once it has chrooted or
// its kernel mounted the root from a disk (the root= mount sits on the
// initial rootfs).
func (v *VFS) ResolveHeldFrom(c *Caller, root Path, path string) (LinkTarget, error) {
	fsc := NewFSContext(root)
	w := v.walker(c, fsc)
	p, err := v.lookupAt(w, fsc, nil, path, 0)
	if err != nil {
		return LinkTarget{}, err
	}
	if p.Inode.IsDir() {
		return LinkTarget{Path: p}, nil
	}
	return LinkTarget{Path: p, Dir: w.lastDir, Name: w.lastName}, nil
}

// readlinkFor returns in's target as c sees it.
func readlinkFor(c *Caller, in *Inode) (string, error) {
	if s, ok := in.Ops.(CallerSymlinkOps); ok {
		return s.ReadlinkCaller(c, in)
	}
	if s, ok := in.Ops.(SymlinkOps); ok {
		return s.Readlink(in)
	}
	return "", abi.EINVAL
}

// PathString returns p as a path seen from fsc's root (for /proc's cwd and
// root links).
func (v *VFS) PathString(fsc *FSContext, p Path) string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	s, _ := v.pathStringLocked(fsc.Root(), p)
	return s
}

// Reopen opens the file f refers to afresh with flags, as following its
// /proc/self/fd link would (execveat with AT_EMPTY_PATH reopens the
// descriptor's file this way, O_PATH descriptors included). Anonymous
// files (pipes, sockets) have no path to reopen: EACCES.
func (v *VFS) Reopen(c *Caller, f *File, flags uint32) (*File, error) {
	if f.Path.IsZero() {
		return nil, abi.EACCES
	}
	t := f.LinkTarget()
	return v.open(c, t.Path, t.Dir, t.Name, flags, false)
}
