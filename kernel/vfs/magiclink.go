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

// LinkTarget returns the target a magic link to f resolves to.
func (f *File) LinkTarget() LinkTarget { return LinkTarget{Path: f.Path, Dir: f.dir, Name: f.base} }

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
