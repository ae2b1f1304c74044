package vfs

// AttrWriter is implemented by the InodeOps of filesystems that keep
// attributes on a disk (ext4): after chmod, chown or utimens changed an
// inode's Attr, the VFS calls WriteAttr so the filesystem stores them. An
// error (EIO) is the system call's result; the in-memory change stays, as
// Linux keeps a dirty inode it failed to write.
type AttrWriter interface {
	WriteAttr(in *Inode) error
}

// attrChanged hands changed attributes to the filesystem, if it stores
// them.
func attrChanged(in *Inode) error {
	if w, ok := in.Ops.(AttrWriter); ok {
		return w.WriteAttr(in)
	}
	return nil
}
