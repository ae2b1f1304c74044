package ext4

import (
	"sort"

	"aramid/kernel/abi"
	"aramid/kernel/fs/ext4/layout"
)

// Insertion into hashed (htree) directories. The index has a root block
// (logical block 0) and at most one level of interior nodes (large_dir is
// not supported); leaves are ordinary directory blocks holding the names
// whose hashes fall in their range.

// dxReserve is the free blocks an htree split (or conversion) needs at
// most: a leaf, two index blocks, extent tree blocks for them.
const dxReserve = 8

// dxLevel is one index block on the path from the root to a leaf.
type dxLevel struct {
	lblk  uint32
	phys  uint64
	b     []byte
	off   int // where count/limit and the entries start
	ents  []layout.DxEntry
	limit uint16
	at    int // the entry followed
}

func dxFind(ents []layout.DxEntry, hash uint32) int {
	// The last entry whose hash (with its continuation bit, as Linux's
	// dx_probe compares) is <= hash; entry 0 covers from 0.
	i := sort.Search(len(ents), func(i int) bool { return i > 0 && ents[i].Hash > hash })
	return i - 1
}

func (fs *FS) dxHash(dp *inode, root []byte, name string) (uint32, error) {
	info, _, _, err := layout.DecodeDxRoot(root)
	if err != nil {
		return 0, errCorrupt
	}
	h, _, ok := layout.DirHash([]byte(name), fs.sb.HashVersion(info.HashVersion), fs.sb.HashSeed)
	if !ok {
		return 0, errCorrupt
	}
	return h, nil
}

// dxPath reads the index blocks from the root to the leaf for hash.
func (fs *FS) dxPath(dp *inode, hash uint32) ([]*dxLevel, error) {
	b, phys, err := fs.dirBlock(dp, 0)
	if err != nil {
		return nil, err
	}
	info, ents, limit, err := layout.DecodeDxRoot(b)
	if err != nil || info.IndirectLevels > 1 {
		return nil, errCorrupt
	}
	nblocks, err := fs.dirBlocks(dp)
	if err != nil {
		return nil, err
	}
	lv := &dxLevel{lblk: 0, phys: phys, b: b, off: layout.DxRootEntries, ents: ents, limit: limit}
	lv.at = dxFind(ents, hash)
	path := []*dxLevel{lv}
	if info.IndirectLevels == 1 {
		l := ents[lv.at].Block
		if l == 0 || l >= nblocks {
			return nil, errCorrupt
		}
		nb, nphys, err := fs.dirBlock(dp, l)
		if err != nil {
			return nil, err
		}
		if !fs.isDxNode(nb) {
			return nil, errCorrupt
		}
		nents, nlimit, err := layout.DecodeDxEntries(nb, layout.DxNodeEntries)
		if err != nil {
			return nil, errCorrupt
		}
		n := &dxLevel{lblk: l, phys: nphys, b: nb, off: layout.DxNodeEntries, ents: nents, limit: nlimit}
		n.at = dxFind(nents, hash)
		path = append(path, n)
	}
	last := path[len(path)-1]
	if l := last.ents[last.at].Block; l == 0 || l >= nblocks {
		return nil, errCorrupt
	}
	return path, nil
}

// writeDx stores a level's entries and seals the block.
func (fs *FS) writeDx(dp *inode, lv *dxLevel) error {
	layout.EncodeDxEntries(lv.b, lv.off, lv.ents, lv.limit)
	return fs.sealDirBlock(dp, lv.lblk, lv.phys, lv.b)
}

type dxName struct {
	name string
	ino  uint32
	ft   uint8
	hash uint32
}

// dxAdd inserts name into an htree directory.
func (fs *FS) dxAdd(dp *inode, name string, ino uint32, ft uint8) error {
	root, _, err := fs.dirBlock(dp, 0)
	if err != nil {
		return err
	}
	hash, err := fs.dxHash(dp, root, name)
	if err != nil {
		return err
	}
	path, err := fs.dxPath(dp, hash)
	if err != nil {
		return err
	}
	parent := path[len(path)-1]
	leafL := parent.ents[parent.at].Block
	leaf, leafPhys, err := fs.dirBlock(dp, leafL)
	if err != nil {
		return err
	}
	if off, ok := fs.insertInBlock(leaf, name, ino, ft); ok {
		if err := fs.sealDirBlock(dp, leafL, leafPhys, leaf); err != nil {
			return err
		}
		dp.names[name] = dirLoc{leafL, off, ino, ft}
		return nil
	}
	// The leaf is full: split it. Make sure the index can take the new
	// entry first (a full node under a full root is ENOSPC, as on Linux
	// without large_dir).
	if len(path) == 2 && len(parent.ents) >= int(parent.limit) && len(path[0].ents) >= int(path[0].limit) {
		return abi.ENOSPC
	}
	// A split takes a leaf, up to two index blocks and extent tree
	// blocks; without room for all, it does not start.
	if fs.sb.FreeBlocksCount < dxReserve {
		return abi.ENOSPC
	}
	info, _, _, err := layout.DecodeDxRoot(root)
	if err != nil {
		return errCorrupt
	}
	hv := fs.sb.HashVersion(info.HashVersion)
	var names []dxName
	err = fs.entries(leaf, func(d layout.Dirent) bool {
		h, _, _ := layout.DirHash(d.Name, hv, fs.sb.HashSeed)
		names = append(names, dxName{string(d.Name), d.Inode, d.FileType, h})
		return true
	})
	if err != nil {
		return err
	}
	if len(names) < 2 {
		return errCorrupt
	}
	sort.SliceStable(names, func(i, j int) bool { return names[i].hash < names[j].hash })
	// Split by size: the first half keeps about half the bytes.
	total := 0
	for _, n := range names {
		total += layout.DirentSize(len(n.name))
	}
	split, acc := 0, 0
	for split < len(names)-1 && acc+layout.DirentSize(len(names[split].name)) <= total/2 {
		acc += layout.DirentSize(len(names[split].name))
		split++
	}
	split = max(split, 1)
	hash2 := names[split].hash
	if names[split-1].hash == hash2 {
		hash2 |= 1 // the hash continues from the previous leaf
	}
	newL, newPhys, nb, err := fs.appendDirBlock(dp)
	if err != nil {
		return err
	}
	fill := func(b []byte, part []dxName, l uint32) {
		fs.emptyDirBlock(b)
		for _, n := range part {
			off, _ := fs.insertInBlock(b, n.name, n.ino, n.ft)
			dp.names[n.name] = dirLoc{l, off, n.ino, n.ft}
		}
	}
	fill(leaf, names[:split], leafL)
	fill(nb, names[split:], newL)
	target, tl := leaf, leafL
	if hash >= hash2 {
		target, tl = nb, newL
	}
	off, ok := fs.insertInBlock(target, name, ino, ft)
	if !ok {
		return errCorrupt
	}
	dp.names[name] = dirLoc{tl, off, ino, ft}
	if err := fs.sealDirBlock(dp, leafL, leafPhys, leaf); err != nil {
		return err
	}
	if err := fs.sealDirBlock(dp, newL, newPhys, nb); err != nil {
		return err
	}
	return fs.dxInsert(dp, path, len(path)-1, layout.DxEntry{Hash: hash2, Block: newL})
}

// dxInsert adds entry e after path[i].at, splitting or growing the index
// when the block is full.
func (fs *FS) dxInsert(dp *inode, path []*dxLevel, i int, e layout.DxEntry) error {
	lv := path[i]
	ents := make([]layout.DxEntry, 0, len(lv.ents)+1)
	ents = append(ents, lv.ents[:lv.at+1]...)
	ents = append(ents, e)
	ents = append(ents, lv.ents[lv.at+1:]...)
	if len(ents) <= int(lv.limit) {
		lv.ents = ents
		return fs.writeDx(dp, lv)
	}
	nodeLimit := layout.DxLimit(fs.bs, layout.DxNodeEntries, fs.csum())
	newNode := func(part []layout.DxEntry) (uint32, error) {
		l, phys, b, err := fs.appendDirBlock(dp)
		if err != nil {
			return 0, err
		}
		layout.EncodeDxNode(b, part, nodeLimit)
		n := &dxLevel{lblk: l, phys: phys, b: b, off: layout.DxNodeEntries, ents: part, limit: nodeLimit}
		return l, fs.writeDx(dp, n)
	}
	if i == 0 {
		// The root is full: its entries move to a new node under it.
		if len(path) > 1 {
			return abi.ENOSPC
		}
		ents[0].Hash = 0
		if len(ents) > int(nodeLimit) {
			return abi.ENOSPC
		}
		l, err := newNode(ents)
		if err != nil {
			return err
		}
		lv.ents = []layout.DxEntry{{Hash: 0, Block: l}}
		lv.b[layout.DxRootInfoOff+6] = 1 // indirect_levels
		return fs.writeDx(dp, lv)
	}
	// Split an interior node in two; the upper half's first hash goes to
	// the root.
	half := len(ents) / 2
	upper := append([]layout.DxEntry(nil), ents[half:]...)
	up := upper[0]
	upper[0].Hash = 0
	l, err := newNode(upper)
	if err != nil {
		return err
	}
	lv.ents = ents[:half]
	if err := fs.writeDx(dp, lv); err != nil {
		return err
	}
	return fs.dxInsert(dp, path, i-1, layout.DxEntry{Hash: up.Hash, Block: l})
}
