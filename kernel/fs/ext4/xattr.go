package ext4

import (
	"aramid/kernel/fs/ext4/layout"
	"aramid/kernel/vfs"
)

// Xattrs returns the extended attributes of an inode of fs: those stored
// in the inode after its extra fields, then those of its xattr block.
// Checksums are verified (EUCLEAN on a mismatch or malformed entries).
func (fs *FS) Xattrs(in *vfs.Inode) ([]layout.Xattr, error) {
	ip, ok := in.Ops.(*inode)
	if !ok || ip.fs != fs {
		return nil, errCorrupt
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	out, err := layout.DecodeInodeXattrs(ip.disk.Raw)
	if err != nil {
		return nil, errCorrupt
	}
	if blk := ip.disk.FileACL; blk != 0 {
		if blk <= uint64(fs.sb.FirstDataBlock) || blk >= fs.sb.BlocksCount {
			return nil, errCorrupt
		}
		b, err := fs.readMeta(blk)
		if err != nil {
			return nil, err
		}
		if !fs.sb.VerifyXattrBlock(blk, b) {
			return nil, errCorrupt
		}
		xs, err := layout.DecodeXattrBlock(b)
		if err != nil {
			return nil, errCorrupt
		}
		out = append(out, xs...)
	}
	return out, nil
}
