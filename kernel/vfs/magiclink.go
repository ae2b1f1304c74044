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
// returned Path directly. Readlink (through CallerSymlinkOps or
// SymlinkOps) still supplies the text readlink(2) reports.
type MagicLinkOps interface {
	ResolveLink(c *Caller, in *Inode) (Path, error)
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
