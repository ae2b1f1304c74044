package ext4

import (
	"aramid/kernel/abi"
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

// loadXattrs reads every attribute of ip: in-inode first, then block.
func (fs *FS) loadXattrs(ip *inode) (inIno, inBlock []layout.Xattr, err error) {
	inIno, err = layout.DecodeInodeXattrs(ip.disk.Raw)
	if err != nil {
		return nil, nil, errCorrupt
	}
	if blk := ip.disk.FileACL; blk != 0 {
		if blk <= uint64(fs.sb.FirstDataBlock) || blk >= fs.sb.BlocksCount {
			return nil, nil, errCorrupt
		}
		b, err := fs.readMeta(blk)
		if err != nil {
			return nil, nil, err
		}
		if !fs.sb.VerifyXattrBlock(blk, b) {
			return nil, nil, errCorrupt
		}
		if inBlock, err = layout.DecodeXattrBlock(b); err != nil {
			return nil, nil, errCorrupt
		}
	}
	return inIno, inBlock, nil
}

// GetXattr implements vfs.XattrOps.
func (ip *inode) GetXattr(in *vfs.Inode, name string) ([]byte, error) {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	a, b, err := fs.loadXattrs(ip)
	if err != nil {
		return nil, err
	}
	for _, x := range append(a, b...) {
		if x.Name == name {
			return x.Value, nil
		}
	}
	return nil, abi.ENODATA
}

// ListXattr implements vfs.XattrOps.
func (ip *inode) ListXattr(in *vfs.Inode) ([]string, error) {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	a, b, err := fs.loadXattrs(ip)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, x := range append(a, b...) {
		out = append(out, x.Name)
	}
	return out, nil
}

// SetXattr implements vfs.XattrOps.
func (ip *inode) SetXattr(in *vfs.Inode, name string, value []byte, flags int) error {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	if _, suffix, ok := layout.XattrSplit(name); !ok || len(suffix) > 255 {
		return abi.EOPNOTSUPP
	}
	a, b, err := fs.loadXattrs(ip)
	if err != nil {
		return err
	}
	all := append(a, b...)
	i := xattrIndex(all, name)
	switch {
	case i >= 0 && flags&vfs.XATTR_CREATE != 0:
		return abi.EEXIST
	case i < 0 && flags&vfs.XATTR_REPLACE != 0:
		return abi.ENODATA
	}
	x := layout.Xattr{Name: name, Value: append([]byte(nil), value...)}
	if i >= 0 {
		all[i] = x
	} else {
		all = append(all, x)
	}
	return fs.storeXattrs(ip, all)
}

// RemoveXattr implements vfs.XattrOps.
func (ip *inode) RemoveXattr(in *vfs.Inode, name string) error {
	fs := ip.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.endOp()
	if err := fs.writable(); err != nil {
		return err
	}
	a, b, err := fs.loadXattrs(ip)
	if err != nil {
		return err
	}
	all := append(a, b...)
	i := xattrIndex(all, name)
	if i < 0 {
		return abi.ENODATA
	}
	return fs.storeXattrs(ip, append(all[:i], all[i+1:]...))
}

func xattrIndex(xs []layout.Xattr, name string) int {
	for i, x := range xs {
		if x.Name == name {
			return i
		}
	}
	return -1
}

// storeXattrs writes ip's attributes: as many as fit in the inode (in
// order), the rest in an xattr block of its own (a block shared with
// other inodes is left to them). ENOSPC if they do not fit both.
func (fs *FS) storeXattrs(ip *inode, xs []layout.Xattr) error {
	raw := ip.disk.Raw
	start, end := len(raw), len(raw)
	if len(raw) > layout.GoodOldInodeSize {
		start = layout.GoodOldInodeSize + int(ip.disk.ExtraIsize)
	}
	var inIno, inBlock []layout.Xattr
	for _, x := range xs {
		if inBlock == nil && end-start > 8 && layout.XattrsFit(start+4, end, append(inIno, x)) {
			inIno = append(inIno, x)
		} else {
			inBlock = append(inBlock, x)
		}
	}
	var blk []byte
	if len(inBlock) > 0 {
		blk = make([]byte, fs.bs)
		if !layout.EncodeXattrBlock(blk, inBlock) {
			return abi.ENOSPC
		}
	}
	per := uint64(fs.bs / 512)
	blocks := ip.disk.BlocksIn512(fs.sb)
	// The old block goes (or loses this inode's reference) unless it is
	// this inode's alone and is rewritten in place.
	if old := ip.disk.FileACL; old != 0 {
		ob, err := fs.readMeta(old)
		if err != nil {
			return err
		}
		if blk == nil || le32(ob[4:]) != 1 {
			if err := fs.releaseXattrBlock(ip); err != nil {
				return err
			}
			blocks -= min(blocks, per)
		}
	}
	if blk != nil {
		if ip.disk.FileACL == 0 {
			g, _ := fs.sb.InodeLocation(ip.ino)
			n, _, err := fs.allocBlocks(fs.sb.GroupFirstBlock(g), 1)
			if err != nil {
				return err
			}
			ip.disk.FileACL = n
			blocks += per
		}
		if fs.sb.HasMetadataCsum() {
			putLe32(blk[0x10:], fs.sb.XattrBlockChecksum(ip.disk.FileACL, blk))
		}
		if err := fs.writeMeta(ip.disk.FileACL, blk); err != nil {
			return err
		}
	}
	if start < end {
		clear(raw[start:end])
		if len(inIno) > 0 {
			putLe32(raw[start:], layout.XattrMagic)
			layout.EncodeXattrs(raw, start+4, start+4, end, inIno)
		}
	}
	ip.disk.Blocks = blocks
	ip.disk.Flags &^= layout.FlagHugeFile
	now := fs.now()
	ip.v.Update(func(a *vfs.Attr) {
		a.Blocks = int64(blocks)
		a.Ctime = now
	})
	return fs.writeInode(ip)
}
