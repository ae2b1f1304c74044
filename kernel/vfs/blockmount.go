package vfs

import (
	"sync"

	"aramid/kernel/abi"
)

// BlockFSFactory makes a filesystem on the block device rdev (the device
// number of the node mount(2) named as its source). release, if not nil,
// is called once the filesystem's last mount is gone (the device is then
// no longer held).
type BlockFSFactory func(c *Caller, rdev uint64, source string, flags uint32, data string) (fs Filesystem, release func(), err error)

// blockTypes are the disk filesystems, kept beside VFS.fsTypes (one
// table for every VFS: a mount namespace shares the kernel's types).
var blockTypes struct {
	sync.Mutex
	byVFS    map[*VFS]map[string]BlockFSFactory
	releases map[Filesystem]func()
}

// RegisterBlockFilesystem makes fstype mountable from a block device node:
// mount(2) resolves the source path to the node (ENOTBLK if it is not a
// block device, EACCES on a nodev mount) and hands its number to f.
func (v *VFS) RegisterBlockFilesystem(fstype string, f BlockFSFactory) {
	blockTypes.Lock()
	defer blockTypes.Unlock()
	if blockTypes.byVFS == nil {
		blockTypes.byVFS = map[*VFS]map[string]BlockFSFactory{}
		blockTypes.releases = map[Filesystem]func(){}
	}
	if blockTypes.byVFS[v] == nil {
		blockTypes.byVFS[v] = map[string]BlockFSFactory{}
	}
	blockTypes.byVFS[v][fstype] = f
}

func (v *VFS) blockFactory(fstype string) BlockFSFactory {
	blockTypes.Lock()
	defer blockTypes.Unlock()
	return blockTypes.byVFS[v][fstype]
}

// mountBlock is mount(2) of a disk filesystem: the target is resolved
// first, then the source node, as Linux's path_mount and lookup_bdev.
func (v *VFS) mountBlock(c *Caller, fsc *FSContext, f BlockFSFactory, source, target string, flags uint32, data string) error {
	if _, err := v.LookupAt(c, fsc, nil, target, 0); err != nil {
		return err
	}
	p, err := v.LookupAt(c, fsc, nil, source, 0)
	if err != nil {
		return err
	}
	a := p.Inode.Attr()
	if a.Type() != abi.S_IFBLK {
		return abi.ENOTBLK
	}
	if p.Mount != nil && p.Mount.Flags()&abi.MS_NODEV != 0 {
		return abi.EACCES
	}
	fs, release, err := f(c, a.Rdev, source, flags, data)
	if err != nil {
		return err
	}
	if err := v.Mount(c, fsc, target, fs, flags, source, data); err != nil {
		if !v.fsMounted(fs) && release != nil {
			release()
		}
		return err
	}
	if release != nil {
		blockTypes.Lock()
		if _, ok := blockTypes.releases[fs]; !ok {
			blockTypes.releases[fs] = release
		} else {
			// The same superblock mounted again: the factory counted
			// it; one release stays for the last mount.
			defer release()
		}
		blockTypes.Unlock()
	}
	return nil
}

// MountBlockFS mounts fs (made by a BlockFSFactory) at target for the
// kernel itself (the root filesystem), recording release as mount(2)
// would.
func (v *VFS) MountBlockFS(c *Caller, fsc *FSContext, target string, fs Filesystem, release func(), flags uint32, source, data string) error {
	if err := v.Mount(c, fsc, target, fs, flags, source, data); err != nil {
		return err
	}
	if release != nil {
		blockTypes.Lock()
		if blockTypes.releases == nil {
			blockTypes.releases = map[Filesystem]func(){}
		}
		blockTypes.releases[fs] = release
		blockTypes.Unlock()
	}
	return nil
}

func (v *VFS) fsMounted(fs Filesystem) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for m := range v.mounts {
		if m.FS == fs {
			return true
		}
	}
	return false
}

// releaseUnmounted calls the release of every disk filesystem that has no
// mount left. Called without v.mu.
func (v *VFS) releaseUnmounted() {
	blockTypes.Lock()
	var fss []Filesystem
	for fs := range blockTypes.releases {
		fss = append(fss, fs)
	}
	blockTypes.Unlock()
	for _, fs := range fss {
		if v.fsMounted(fs) {
			continue
		}
		blockTypes.Lock()
		r := blockTypes.releases[fs]
		delete(blockTypes.releases, fs)
		blockTypes.Unlock()
		if r != nil {
			r()
		}
	}
}
