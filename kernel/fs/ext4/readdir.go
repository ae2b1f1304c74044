package ext4

import (
	"sort"

	"aramid/kernel/fs/ext4/layout"
)

// Readdir order of hashed directories. Linux lists a directory that is
// an htree, or of one block, in hash order (ext4_dx_readdir): "." and
// "..", then every name sorted by (hash, minor hash), each at position
// (hash>>1)<<32 | minor. This package does the same, so programs see the
// same order on both kernels; multi-block linear directories list in
// block order.

// hashEnt is one name of a hashed directory with its position.
type hashEnt struct {
	pos  int64
	name string
	ino  uint32
	ft   uint8
}

// hashOrdered reports whether dp lists in hash order.
func (fs *FS) hashOrdered(dp *inode, nblocks uint32) bool {
	return fs.sb.FeatureCompat&layout.CompatDirIndex != 0 && (dp.indexed() || nblocks == 1)
}

// hashVersion is the hash of dp's names: its dx_root's, or the
// filesystem's default for a one-block directory.
func (fs *FS) hashVersion(dp *inode) (uint8, error) {
	if !dp.indexed() {
		return fs.sb.HashVersion(fs.sb.DefHashVersion), nil
	}
	b, _, err := fs.dirBlock(dp, 0)
	if err != nil {
		return 0, err
	}
	info, _, _, err := layout.DecodeDxRoot(b)
	if err != nil {
		return 0, errCorrupt
	}
	return fs.sb.HashVersion(info.HashVersion), nil
}

// hashOrder returns dp's names in hash order (cached until an entry
// changes).
func (fs *FS) hashOrder(dp *inode) ([]hashEnt, error) {
	if dp.order != nil {
		return dp.order, nil
	}
	if err := fs.loadNames(dp); err != nil {
		return nil, err
	}
	hv, err := fs.hashVersion(dp)
	if err != nil {
		return nil, err
	}
	out := make([]hashEnt, 0, len(dp.names))
	for name, loc := range dp.names {
		major, minor, ok := layout.DirHash([]byte(name), hv, fs.sb.HashSeed)
		if !ok {
			return nil, errCorrupt
		}
		out = append(out, hashEnt{pos: int64(major>>1)<<32 | int64(minor), name: name, ino: loc.ino, ft: loc.ft})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].pos != out[j].pos {
			return out[i].pos < out[j].pos
		}
		return out[i].name < out[j].name
	})
	dp.order = out
	return out, nil
}

// iterHashed emits "." (position 0), ".." (1) and then the names at or
// after off; each entry's next position is the following entry's (the
// end is Linux's 64-bit htree EOF).
func (fs *FS) iterHashed(dp *inode, ents []hashEnt, off int64, emit func(string, uint32, uint8, int64)) error {
	const eof = 1<<63 - 1
	b0, _, err := fs.dirBlock(dp, 0)
	if err != nil {
		return err
	}
	_, dotdot, err := dotEntries(b0)
	if err != nil {
		return err
	}
	i := sort.Search(len(ents), func(i int) bool { return ents[i].pos >= max(off, 2) })
	next := func(i int) int64 {
		if i < len(ents) {
			return ents[i].pos
		}
		return eof
	}
	if off == 0 {
		emit(".", dp.ino, layout.FtDir, 1)
	}
	if off <= 1 {
		emit("..", dotdot.Inode, layout.FtDir, next(i))
	}
	for n := 0; i < len(ents) && n < 512; i, n = i+1, n+1 {
		e := ents[i]
		emit(e.name, e.ino, e.ft, next(i+1))
	}
	return nil
}

// makeIndexed turns a full one-block directory into an htree: its names
// move to a new block 1, and block 0 becomes the dx_root (".", ".." and
// the index, one entry pointing at block 1), as Linux's make_indexed_dir.
func (fs *FS) makeIndexed(dp *inode) error {
	b0, phys0, err := fs.dirBlock(dp, 0)
	if err != nil {
		return err
	}
	dot, dotdot, err := dotEntries(b0)
	if err != nil {
		return err
	}
	type moved struct {
		name string
		ino  uint32
		ft   uint8
	}
	var names []moved
	err = fs.entries(b0, func(d layout.Dirent) bool {
		if d.Off > dotdot.Off {
			names = append(names, moved{string(d.Name), d.Inode, d.FileType})
		}
		return true
	})
	if err != nil {
		return err
	}
	parent, dotIno := dotdot.Inode, dot.Inode
	l1, phys1, b1, err := fs.appendDirBlock(dp)
	if err != nil {
		return err
	}
	fs.emptyDirBlock(b1)
	for _, m := range names {
		off, ok := fs.insertInBlock(b1, m.name, m.ino, m.ft)
		if !ok {
			return errCorrupt
		}
		dp.names[m.name] = dirLoc{l1, off, m.ino, m.ft}
	}
	if err := fs.sealDirBlock(dp, l1, phys1, b1); err != nil {
		return err
	}
	root := make([]byte, fs.bs)
	layout.EncodeDxRoot(root, dotIno, parent, fs.fileType(0o040000), fs.sb.DefHashVersion, 0,
		[]layout.DxEntry{{Hash: 0, Block: l1}}, layout.DxLimit(fs.bs, layout.DxRootEntries, fs.csum()))
	dp.disk.Flags |= layout.FlagIndex
	if err := fs.sealDirBlock(dp, 0, phys0, root); err != nil {
		return err
	}
	dp.dirHint = 0
	return fs.writeInode(dp)
}

// dotEntries decodes the "." and ".." entries that open a directory's
// block 0 (errCorrupt if they are not there).
func dotEntries(b0 []byte) (dot, dotdot layout.Dirent, err error) {
	if dot, err = layout.DecodeDirent(b0, 0); err != nil {
		return dot, dotdot, errCorrupt
	}
	dotdot, err = layout.DecodeDirent(b0, dot.RecLen)
	if err != nil || string(dotdot.Name) != ".." {
		return dot, dotdot, errCorrupt
	}
	return dot, dotdot, nil
}
