package vfs

// DetachedMount returns a mount of fs that is in no namespace tree (as
// Linux's kern_mount): files of pseudo filesystems reached through magic
// links, such as /proc/<pid>/ns/*, are opened on it. It never appears in
// /proc/mounts and cannot be unmounted.
func (v *VFS) DetachedMount(fs Filesystem) *Mount {
	v.mu.Lock()
	defer v.mu.Unlock()
	m := &Mount{ID: v.nextID, FS: fs, Root: fs.Root(), Source: fs.Type(), RootPath: "/"}
	v.nextID++
	return m
}
