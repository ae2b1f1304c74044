package vfs

import (
	"strings"

	"aramid/kernel/abi"
)

// walker resolves paths for one operation. The caller holds v.mu.
type walker struct {
	v     *VFS
	c     *Caller
	root  Path
	links int
	// The directory and name of the last component resolve looked up.
	lastDir  Path
	lastName string
}

func (v *VFS) walker(c *Caller, fsc *FSContext) *walker {
	return &walker{v: v, c: c, root: fsc.Root()}
}

// parent resolves every component of p but the last, starting at start for
// a relative path. It returns the directory, the last component ("." for
// "/" or a path of only "." components) and whether p ended in a slash.
func (w *walker) parent(start Path, p string) (Path, string, bool, error) {
	if len(p) >= abi.PATH_MAX {
		return Path{}, "", false, abi.ENAMETOOLONG
	}
	if p == "" {
		return Path{}, "", false, abi.ENOENT
	}
	dir := start
	if p[0] == '/' {
		dir = w.root
	}
	trimmed := strings.TrimRight(p, "/")
	trailing := len(trimmed) < len(p)
	if trimmed == "" { // "/" or "///"
		return dir, ".", true, nil
	}
	rest := trimmed
	for {
		rest = strings.TrimLeft(rest, "/")
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			if len(rest) > abi.NAME_MAX {
				return Path{}, "", false, abi.ENAMETOOLONG
			}
			return dir, rest, trailing, nil
		}
		next, err := w.step(dir, rest[:i], true)
		if err != nil {
			return Path{}, "", false, err
		}
		if !next.Inode.IsDir() {
			return Path{}, "", false, abi.ENOTDIR
		}
		dir = next
		rest = rest[i:]
	}
}

// step looks name up in dir, crossing mounts, and follows a symlink result
// if follow is set.
func (w *walker) step(dir Path, name string, follow bool) (Path, error) {
	if dir.Inode == nil {
		// A magic link to an anonymous file (/proc/self/fd/N of a pipe)
		// lands on no path: what follows it is not in a directory.
		return Path{}, abi.ENOTDIR
	}
	a := dir.Inode.Attr()
	if !a.IsDir() {
		return Path{}, abi.ENOTDIR
	}
	if err := CheckPermission(&w.c.Creds, &a, MayExec); err != nil {
		return Path{}, err
	}
	if len(name) > abi.NAME_MAX {
		return Path{}, abi.ENAMETOOLONG
	}
	w.lastDir, w.lastName = dir, name
	switch name {
	case ".":
		return dir, nil
	case "..":
		return w.dotdot(dir), nil
	}
	d, ok := dir.Inode.Ops.(DirOps)
	if !ok {
		return Path{}, abi.ENOTDIR
	}
	child, err := d.Lookup(dir.Inode, name)
	if err != nil {
		return Path{}, err
	}
	next := w.v.crossDown(Path{dir.Mount, child})
	if follow && next.Inode.Mode()&abi.S_IFMT == abi.S_IFLNK {
		return w.follow(dir, next)
	}
	return next, nil
}

// follow resolves the symlink link found in dir.
func (w *walker) follow(dir, link Path) (Path, error) {
	w.links++
	if w.links > abi.MAXSYMLINKS {
		return Path{}, abi.ELOOP
	}
	if link.Mount.Flags()&abi.MS_NOSYMFOLLOW != 0 {
		return Path{}, abi.ELOOP
	}
	if m, ok := link.Inode.Ops.(MagicLinkOps); ok {
		t, err := m.ResolveLink(w.c, link.Inode)
		if err != nil {
			return Path{}, err
		}
		w.lastDir, w.lastName = t.Dir, t.Name
		return t.Path, nil
	}
	target, err := readlinkFor(w.c, link.Inode)
	if err != nil {
		return Path{}, err
	}
	if target == "" {
		return Path{}, abi.ENOENT
	}
	return w.resolve(dir, target, true)
}

// dotdot returns the parent of p, staying at the caller's root and
// crossing from a mount's root to its mount point.
func (w *walker) dotdot(p Path) Path {
	for {
		if p == w.root {
			return p
		}
		if p.Inode != p.Mount.Root {
			break
		}
		if p.Mount.parent == nil {
			return p
		}
		p = Path{p.Mount.parent, p.Mount.point}
	}
	parent, _ := p.Inode.Parent()
	if parent == nil {
		parent = p.Inode
	}
	return w.v.crossDown(Path{p.Mount, parent})
}

// resolve resolves a whole path. A trailing slash requires a directory and
// forces the last symlink to be followed.
func (w *walker) resolve(start Path, p string, follow bool) (Path, error) {
	dir, last, trailing, err := w.parent(start, p)
	if err != nil {
		return Path{}, err
	}
	res, err := w.step(dir, last, follow || trailing)
	if err != nil {
		return Path{}, err
	}
	if trailing && !res.Inode.IsDir() {
		return Path{}, abi.ENOTDIR
	}
	return res, nil
}
