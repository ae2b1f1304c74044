package sysfs

import (
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Remove takes path and everything under it out of the tree (a device
// going away). ENOENT if it is not there.
func (fs *FS) Remove(path string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parts := strings.Split(strings.Trim(path, "/"), "/")
	cur := fs.root
	for i, name := range parts {
		d := fs.dirs[cur]
		if d == nil {
			return abi.ENOTDIR
		}
		next := d.children[name]
		if next == nil {
			return abi.ENOENT
		}
		if i == len(parts)-1 {
			delete(d.children, name)
			if fs.dirs[next] != nil {
				cur.Update(func(a *vfs.Attr) { a.Nlink-- })
				fs.forget(next)
			}
			return nil
		}
		cur = next
	}
	return abi.ENOENT
}

// forget drops the directory records of in and its subdirectories.
func (fs *FS) forget(in *vfs.Inode) {
	if d := fs.dirs[in]; d != nil {
		for _, c := range d.children {
			fs.forget(c)
		}
		delete(fs.dirs, in)
	}
}

// AddGen adds a read-only file whose contents gen makes at each open (an
// attribute that changes, such as a block device's ro).
func (fs *FS) AddGen(path string, gen func() string) error {
	if err := fs.Add(Entry{Path: path, Kind: File}); err != nil {
		return err
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if in := fs.lookupLocked(path); in != nil {
		if n, ok := in.Ops.(*fileNode); ok {
			n.gen = gen
		}
	}
	return nil
}

func (fs *FS) lookupLocked(path string) *vfs.Inode {
	cur := fs.root
	for _, name := range strings.Split(strings.Trim(path, "/"), "/") {
		d := fs.dirs[cur]
		if d == nil {
			return nil
		}
		if cur = d.children[name]; cur == nil {
			return nil
		}
	}
	return cur
}
