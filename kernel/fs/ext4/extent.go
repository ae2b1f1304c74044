package ext4

import (
	"sort"

	"aramid/kernel/fs/ext4/layout"
)

// Extent lists. A file's extent tree is read whole into a sorted list
// (loadExtents); writes change the list and storeExtents writes a new
// tree, reusing the old tree's blocks. FS.mu is held.

// maxLogical is the first logical block number extents cannot address.
const maxLogical = 1 << 32

// loadExtents reads ip's block map into ip.ext (extent trees, or the
// block map of ext2/3 files).
func (fs *FS) loadExtents(ip *inode) error {
	if ip.extLoaded {
		return nil
	}
	ip.ext, ip.nodes = nil, nil
	var err error
	if ip.disk.Flags&layout.FlagExtents != 0 {
		err = fs.walkExtents(ip, ip.disk.Block[:], -1, 0, maxLogical)
	} else {
		err = fs.walkBlockMap(ip)
	}
	if err != nil {
		ip.ext, ip.nodes = nil, nil
		return err
	}
	ip.extLoaded = true
	return nil
}

// walkExtents adds the extents of one tree node; parentDepth is -1 for
// the root; [lo, hi) is the logical range the parent gave the node.
func (fs *FS) walkExtents(ip *inode, node []byte, parentDepth int, lo, hi uint64) error {
	h, err := layout.DecodeExtentHeader(node)
	if err != nil {
		return errCorrupt
	}
	if parentDepth >= 0 && int(h.Depth) != parentDepth-1 {
		return errCorrupt
	}
	if len(ip.nodes) > int(fs.sb.BlocksCount) {
		return errCorrupt
	}
	seed := fs.sb.InodeCsumSeed(ip.ino, ip.disk.Generation)
	for i := 0; i < int(h.Entries); i++ {
		if h.Depth == 0 {
			x := layout.DecodeExtent(node, i)
			end := uint64(x.Block) + uint64(x.Len)
			if x.Len == 0 || uint64(x.Block) < lo || end > hi || x.Start < uint64(fs.sb.FirstDataBlock)+1 ||
				x.Start+uint64(x.Len) > fs.sb.BlocksCount {
				return errCorrupt
			}
			if n := len(ip.ext); n > 0 {
				p := ip.ext[n-1]
				if uint64(p.Block)+uint64(p.Len) > uint64(x.Block) {
					return errCorrupt // overlapping or unsorted
				}
			}
			ip.ext = append(ip.ext, x)
			continue
		}
		x := layout.DecodeExtentIndex(node, i)
		next := hi
		if i+1 < int(h.Entries) {
			next = uint64(layout.DecodeExtentIndex(node, i+1).Block)
		}
		if uint64(x.Block) < lo || uint64(x.Block) >= next || x.Leaf < uint64(fs.sb.FirstDataBlock)+1 || x.Leaf >= fs.sb.BlocksCount {
			return errCorrupt
		}
		b, err := fs.readMeta(x.Leaf)
		if err != nil {
			return err
		}
		if fs.sb.HasMetadataCsum() && !layout.VerifyExtentBlockChecksum(seed, b) {
			return errCorrupt
		}
		ip.nodes = append(ip.nodes, x.Leaf)
		if err := fs.walkExtents(ip, b, int(h.Depth), uint64(x.Block), next); err != nil {
			return err
		}
	}
	return nil
}

// walkBlockMap converts an ext2/3 block map (12 direct, then single,
// double and triple indirect blocks) into extents.
func (fs *FS) walkBlockMap(ip *inode) error {
	per := uint64(fs.bs / 4)
	// Only blocks below the file's size are data; a damaged map cannot
	// make the walk visit more.
	limit := (ip.disk.Size + uint64(fs.bs) - 1) / uint64(fs.bs)
	add := func(lb, pb uint64) error {
		if lb >= limit {
			return nil
		}
		if pb >= fs.sb.BlocksCount || pb <= uint64(fs.sb.FirstDataBlock) {
			return errCorrupt
		}
		if n := len(ip.ext); n > 0 {
			p := &ip.ext[n-1]
			if uint64(p.Block)+uint64(p.Len) == lb && p.Start+uint64(p.Len) == pb && p.Len < layout.MaxInitLen {
				p.Len++
				return nil
			}
		}
		ip.ext = append(ip.ext, layout.Extent{Block: uint32(lb), Len: 1, Start: pb})
		return nil
	}
	var walk func(blk uint64, level int, base uint64) error
	walk = func(blk uint64, level int, base uint64) error {
		if base >= limit {
			return nil
		}
		if len(ip.nodes) > int(fs.sb.BlocksCount) {
			return errCorrupt
		}
		if blk >= fs.sb.BlocksCount || blk <= uint64(fs.sb.FirstDataBlock) {
			return errCorrupt
		}
		b, err := fs.readMeta(blk)
		if err != nil {
			return err
		}
		ip.nodes = append(ip.nodes, blk)
		span := uint64(1)
		for i := 1; i < level; i++ {
			span *= per
		}
		for i := uint64(0); i < per; i++ {
			p := uint64(le32(b[4*i:]))
			if p == 0 {
				continue
			}
			if level == 1 {
				if err := add(base+i, p); err != nil {
					return err
				}
			} else if err := walk(p, level-1, base+i*span); err != nil {
				return err
			}
		}
		return nil
	}
	blk := ip.disk.Block[:]
	for i := 0; i < 12; i++ {
		if p := uint64(le32(blk[4*i:])); p != 0 {
			if err := add(uint64(i), p); err != nil {
				return err
			}
		}
	}
	base := uint64(12)
	span := per
	for level := 1; level <= 3; level++ {
		if p := uint64(le32(blk[4*(11+level):])); p != 0 {
			if err := walk(p, level, base); err != nil {
				return err
			}
		}
		base += span
		span *= per
	}
	return nil
}

// mapBlock finds logical block lb: its physical block, how many blocks
// from it are contiguous in the same extent, and whether they are
// unwritten. ok is false in a hole; then n is the hole's length (up to
// the next extent, or 0 if none follows).
func (ip *inode) mapBlock(lb uint64) (phys uint64, n uint64, unwritten, ok bool) {
	i := sort.Search(len(ip.ext), func(i int) bool {
		return uint64(ip.ext[i].Block)+uint64(ip.ext[i].Len) > lb
	})
	if i == len(ip.ext) {
		return 0, 0, false, false
	}
	x := ip.ext[i]
	if lb < uint64(x.Block) {
		return 0, uint64(x.Block) - lb, false, false
	}
	d := lb - uint64(x.Block)
	return x.Start + d, uint64(x.Len) - d, x.Unwritten, true
}

// setRange replaces the mapping of logical blocks [lb, lb+n) with
// physical blocks from start (or a hole if start is 0), splitting
// extents at the edges. It returns the extents that were replaced, cut to
// the range, so their blocks can be freed.
func (ip *inode) setRange(lb, n, start uint64, unwritten bool) []layout.Extent {
	end := lb + n
	var out, removed []layout.Extent
	for _, x := range ip.ext {
		xs, xe := uint64(x.Block), uint64(x.Block)+uint64(x.Len)
		if xe <= lb || xs >= end {
			out = append(out, x)
			continue
		}
		if xs < lb {
			out = append(out, layout.Extent{Block: x.Block, Len: uint16(lb - xs), Start: x.Start, Unwritten: x.Unwritten})
		}
		cs, ce := max(xs, lb), min(xe, end)
		removed = append(removed, layout.Extent{Block: uint32(cs), Len: uint16(ce - cs), Start: x.Start + (cs - xs), Unwritten: x.Unwritten})
		if xe > end {
			out = append(out, layout.Extent{Block: uint32(end), Len: uint16(xe - end), Start: x.Start + (end - xs), Unwritten: x.Unwritten})
		}
	}
	if start != 0 {
		limit := uint64(layout.MaxInitLen)
		if unwritten {
			limit = layout.MaxUnwrittenLen
		}
		for off := uint64(0); off < n; {
			k := min(n-off, limit)
			out = append(out, layout.Extent{Block: uint32(lb + off), Len: uint16(k), Start: start + off, Unwritten: unwritten})
			off += k
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Block < out[j].Block })
	// Merge neighbours contiguous in both numberings.
	merged := out[:0]
	for _, x := range out {
		if m := len(merged); m > 0 {
			p := &merged[m-1]
			limit := uint64(layout.MaxInitLen)
			if p.Unwritten {
				limit = layout.MaxUnwrittenLen
			}
			if p.Unwritten == x.Unwritten && uint64(p.Block)+uint64(p.Len) == uint64(x.Block) &&
				p.Start+uint64(p.Len) == x.Start && uint64(p.Len)+uint64(x.Len) <= limit {
				p.Len += x.Len
				continue
			}
		}
		merged = append(merged, x)
	}
	ip.ext = merged
	return removed
}

// storeExtents writes ip.ext as an extent tree: in the inode if it fits
// (4 entries), else in tree blocks, reusing the old ones; it updates
// i_blocks and writes the inode.
func (fs *FS) storeExtents(ip *inode) error {
	need := layout.ExtentTreeBlocks(len(ip.ext), uint32(fs.bs))
	blocks := ip.nodes
	var extra []uint64
	if len(blocks) > need {
		extra = blocks[need:]
		blocks = blocks[:need]
	}
	blocks = append([]uint64(nil), blocks...)
	goal := uint64(0)
	if len(ip.ext) > 0 {
		goal = ip.ext[0].Start
	}
	floor := fs.reserveFloor
	fs.reserveFloor = 0 // tree blocks may use the root reserve, as Linux's metadata
	defer func() { fs.reserveFloor = floor }()
	for len(blocks) < need {
		b, _, err := fs.allocBlocks(goal, 1)
		if err != nil {
			// Give back what this call took; the old tree is intact.
			for _, nb := range blocks[len(ip.nodes):] {
				fs.freeBlocks(nb, 1)
			}
			return err
		}
		blocks = append(blocks, b)
	}
	seed := fs.sb.InodeCsumSeed(ip.ino, ip.disk.Generation)
	for i, b := range layout.EncodeExtentTree(ip.disk.Block[:], ip.ext, blocks, uint32(fs.bs), seed) {
		if err := fs.writeMeta(blocks[i], b); err != nil {
			return err
		}
	}
	ip.nodes = blocks
	for _, b := range extra {
		if err := fs.freeBlocks(b, 1); err != nil {
			return err
		}
	}
	fs.setBlocks(ip, ip.countBlocks())
	return fs.writeInode(ip)
}

// truncateBlocks frees every block at or past logical block from and
// rewrites the tree (not the size).
func (fs *FS) truncateBlocks(ip *inode, from uint64) error {
	if err := fs.loadExtents(ip); err != nil {
		return err
	}
	if from >= maxLogical {
		return nil
	}
	return fs.unmapRange(ip, from, maxLogical-from)
}

// unmapRange makes logical blocks [lb, lb+n) a hole: the new tree is
// written first, then the blocks are freed, so a failure (no block for a
// split's tree) leaves the file as it was.
func (fs *FS) unmapRange(ip *inode, lb, n uint64) error {
	old := append([]layout.Extent(nil), ip.ext...)
	removed := ip.setRange(lb, n, 0, false)
	if len(removed) == 0 {
		return nil
	}
	if err := fs.storeExtents(ip); err != nil {
		ip.ext = old
		return err
	}
	for _, x := range removed {
		if err := fs.freeBlocks(x.Start, uint64(x.Len)); err != nil {
			return err
		}
	}
	fs.setBlocks(ip, ip.countBlocks())
	return fs.writeInode(ip)
}
