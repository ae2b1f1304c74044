// Package ext4 writes an ext4 filesystem image holding a tree.Tree, in one
// pass and deterministically: every timestamp is the given epoch, the UUID
// and directory-hash seed are given by the caller (derived from the recipe
// seed), inodes are numbered in sorted path order and blocks are allocated
// in that order too.
//
// The filesystem is the one bookworm's `mke2fs -t ext4` makes for the same
// size (4 KiB blocks, the "default" usage type): has_journal (a clean jbd2
// journal in inode 8, sized as mke2fs sizes it), ext_attr, resize_inode,
// dir_index, filetype, extent, 64bit, flex_bg, sparse_super, large_file,
// huge_file, dir_nlink, extra_isize (256-byte inodes) and metadata_csum,
// one inode per 16 KiB and 5% of the blocks reserved for root. Every
// on-disk structure, checksum, hash and the block-group geometry come from
// kernel/fs/ext4/layout, the package the kernel's ext4 reads and writes
// them with, so the two agree by construction. Directories that outgrow
// one block are hashed (htree) directories.
//
// go-diskfs's ext4 writer is not used: it draws the directory-hash seed and
// other UUIDs from crypto/rand and stamps superblock and inode times with
// time.Now in code paths its Params cannot reach, so its images differ on
// every run.
package ext4

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"aramid/imagebuild/tree"
	"aramid/kernel/fs/ext4/layout"
)

const (
	blockSize    = layout.MkfsBlockSize
	inodeSize    = layout.MkfsInodeSize
	lostFoundIno = 11
	firstIno     = 12 // the first tree inode after lost+found
	lostFoundLen = 4  // blocks: mke2fs makes lost+found 16 KiB
	mib          = 1 << 20
)

// Options fix everything about the image that is not in the tree.
type Options struct {
	UUID     [16]byte
	HashSeed [16]byte
	Time     time.Time
	Label    string
	// Size is the filesystem's size in bytes, rounded down to whole 4 KiB
	// blocks (and, as mke2fs does, without a last block group too small
	// to hold its own metadata). 0 means DefaultSize(tree).
	Size int64
}

// Limits of the on-disk fields as this writer lays them out, exported so a
// recipe can be checked against them before a build starts.
const (
	MaxNameLen    = layout.NameMax // bytes of one directory entry's name
	MaxSymlinkLen = blockSize - 1  // bytes of a symlink target (Linux's own limit for 4 KiB blocks)
	MaxLinks      = 65000          // links to one file (EXT4_LINK_MAX)
	// MaxDevMajor and MaxDevMinor bound device numbers: the inode's 32-bit
	// encoding holds a 12-bit major and a 20-bit minor, as Linux's dev_t.
	MaxDevMajor = layout.MaxDevMajor
	MaxDevMinor = layout.MaxDevMinor
)

// ErrTooBig is returned when a tree does not fit the filesystem size, or a
// value does not fit ext4's on-disk fields.
var ErrTooBig = errors.New("ext4: tree too large for this writer")

// Stats describe a written filesystem, for build logs.
type Stats struct {
	Size          int64 // bytes
	Blocks        uint64
	FreeBlocks    uint64
	Inodes        uint32
	FreeInodes    uint32
	JournalBlocks uint32
	HashedDirs    int // directories written as htrees
}

func (s Stats) String() string {
	return fmt.Sprintf("%d MiB ext4, %d of %d blocks free, %d of %d inodes free, %d MiB journal, %d hashed directories",
		s.Size/mib, s.FreeBlocks, s.Blocks, s.FreeInodes, s.Inodes, uint64(s.JournalBlocks)*blockSize/mib, s.HashedDirs)
}

// Image is a laid-out filesystem: its metadata blocks and where the tree's
// file contents go.
type Image struct {
	Stats
	blocks map[uint64][]byte // metadata and directory blocks
	data   []chunk           // file contents (the tree's own bytes)
}

type chunk struct {
	block uint64
	data  []byte // at most one extent's worth
}

// Build returns the filesystem image as bytes.
func Build(t *tree.Tree, o Options) ([]byte, error) {
	im, err := Make(t, o)
	if err != nil {
		return nil, err
	}
	return im.Bytes(), nil
}

// Bytes returns the whole image.
func (im *Image) Bytes() []byte {
	b := make([]byte, im.Size)
	im.WriteTo(sliceWriter(b))
	return b
}

type sliceWriter []byte

func (s sliceWriter) WriteAt(p []byte, off int64) (int, error) { return copy(s[off:], p), nil }

// WriteTo writes the image's non-zero blocks to w, which must read as
// zeros over the image's Size bytes (a new file truncated to the size), so
// the free space costs nothing to write. Blocks are written in ascending
// order.
func (im *Image) WriteTo(w io.WriterAt) error {
	nums := make([]uint64, 0, len(im.blocks))
	for n := range im.blocks {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	ci := 0
	put := func(n uint64, b []byte) error {
		if _, err := w.WriteAt(b, int64(n)*blockSize); err != nil {
			return fmt.Errorf("ext4: writing block %d: %w", n, err)
		}
		return nil
	}
	for _, n := range nums {
		for ; ci < len(im.data) && im.data[ci].block < n; ci++ {
			if err := put(im.data[ci].block, im.data[ci].data); err != nil {
				return err
			}
		}
		if err := put(n, im.blocks[n]); err != nil {
			return err
		}
	}
	for ; ci < len(im.data); ci++ {
		if err := put(im.data[ci].block, im.data[ci].data); err != nil {
			return err
		}
	}
	return nil
}

// inode is one inode to write.
type inode struct {
	ino    uint32
	e      *tree.Entry // nil for lost+found
	mode   uint16
	links  uint16
	flags  uint32
	size   uint64
	ents   []layout.DirEntry // a directory's names (without . and ..)
	parent uint32
	// nblocks is the data (and directory) blocks the inode needs.
	nblocks uint64
	exts    []layout.Extent
	nodes   []uint64 // extent tree blocks
	iblock  [60]byte
}

// plan numbers the tree's inodes and sizes their contents.
func plan(t *tree.Tree) ([]*inode, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	entries := t.Sorted()
	links := t.Links()
	byPath := map[string]*inode{}
	var inodes []*inode
	next := uint32(firstIno)
	for _, e := range entries {
		if e.Type == tree.Hardlink {
			continue
		}
		in := &inode{e: e, links: 1, ino: next}
		if e.Path == "" {
			in.ino = layout.RootIno
		} else {
			next++
		}
		if n := links[e.Path]; n > 1 {
			if n > MaxLinks {
				return nil, fmt.Errorf("%w: /%s has %d links (at most %d)", ErrTooBig, e.Path, n, MaxLinks)
			}
			in.links = uint16(n)
		}
		byPath[e.Path] = in
		inodes = append(inodes, in)
	}
	lf := &inode{ino: lostFoundIno, mode: layout.ModeDir | 0o700, links: 2, parent: layout.RootIno,
		nblocks: lostFoundLen, size: lostFoundLen * blockSize, flags: layout.FlagExtents}
	inodes = append(inodes, lf)
	sort.Slice(inodes, func(i, j int) bool { return inodes[i].ino < inodes[j].ino })
	children := t.Children()
	for _, in := range inodes {
		e := in.e
		if e == nil {
			continue
		}
		switch e.Type {
		case tree.Regular:
			in.mode, in.flags, in.size = layout.ModeReg, layout.FlagExtents, uint64(len(e.Data))
			in.nblocks = ceilDiv(in.size, blockSize)
		case tree.Symlink:
			in.mode, in.size = layout.ModeLnk, uint64(len(e.Target))
			if len(e.Target) > MaxSymlinkLen {
				return nil, fmt.Errorf("%w: /%s: symlink target of %d bytes", ErrTooBig, e.Path, len(e.Target))
			}
			if len(e.Target) >= 60 {
				in.flags, in.nblocks = layout.FlagExtents, 1
			} else {
				copy(in.iblock[:], e.Target)
			}
		case tree.CharDev, tree.BlockDev:
			in.mode = layout.ModeChr
			if e.Type == tree.BlockDev {
				in.mode = layout.ModeBlk
			}
			if e.Major > MaxDevMajor || e.Minor > MaxDevMinor {
				return nil, fmt.Errorf("%w: /%s: device %d:%d (major at most %d, minor at most %d)",
					ErrTooBig, e.Path, e.Major, e.Minor, MaxDevMajor, MaxDevMinor)
			}
			layout.EncodeDev(in.iblock[:], e.Major, e.Minor)
		case tree.Fifo:
			in.mode = layout.ModeFIFO
		case tree.Dir:
			in.mode, in.flags = layout.ModeDir, layout.FlagExtents
			in.parent = layout.RootIno
			if e.Path != "" {
				in.parent = byPath[tree.Parent(e.Path)].ino
			}
			subdirs := 0
			if e.Path == "" {
				in.ents = append(in.ents, layout.DirEntry{Name: []byte("lost+found"), Inode: lostFoundIno, FileType: layout.FtDir})
				subdirs++
			}
			for _, c := range children[e.Path] {
				name := c.Path[strings.LastIndex(c.Path, "/")+1:]
				if len(name) > MaxNameLen {
					return nil, fmt.Errorf("%w: /%s: name longer than %d bytes", ErrTooBig, c.Path, MaxNameLen)
				}
				target := c
				if c.Type == tree.Hardlink {
					target, _ = t.Get(c.Target)
				}
				in.ents = append(in.ents, layout.DirEntry{Name: []byte(name), Inode: byPath[target.Path].ino, FileType: fileType(target.Type)})
				if c.Type == tree.Dir {
					subdirs++
				}
			}
			in.links = uint16(2 + subdirs)
			if 2+subdirs >= MaxLinks {
				in.links = 1 // dir_nlink: "many"
			}
			if len(in.ents) > maxDirEntries {
				return nil, fmt.Errorf("%w: /%s has %d names (at most %d)", ErrTooBig, e.Path, len(in.ents), maxDirEntries)
			}
		}
		in.mode |= uint16(e.Mode & 0o7777)
	}
	return inodes, nil
}

// maxDirEntries bounds one directory's names well below what an htree of
// two levels holds (507*510 leaves), so a directory never runs out of
// index room.
const maxDirEntries = 1 << 20

func fileType(t tree.Type) uint8 {
	switch t {
	case tree.Regular, tree.Hardlink:
		return layout.FtReg
	case tree.Dir:
		return layout.FtDir
	case tree.CharDev:
		return layout.FtChr
	case tree.BlockDev:
		return layout.FtBlk
	case tree.Fifo:
		return layout.FtFIFO
	case tree.Symlink:
		return layout.FtLnk
	}
	return layout.FtUnknown
}

// dirEnd is the entry area of a directory block (the rest is the
// checksum tail).
const dirEnd = blockSize - layout.DirTailSize

// linearDirFits reports whether a directory's names fit one block.
func linearDirFits(ents []layout.DirEntry) bool {
	return 24+dirSize(ents) <= dirEnd // "." and ".." take 12 bytes each
}

func dirSize(ents []layout.DirEntry) int {
	n := 0
	for _, e := range ents {
		n += layout.DirentSize(len(e.Name))
	}
	return n
}

// treeBlocks estimates the blocks the tree's contents take (an upper
// bound for directories, which pack at least half full).
func treeBlocks(inodes []*inode) uint64 {
	var n uint64
	for _, in := range inodes {
		n += in.nblocks + in.nblocks/300 // extent tree blocks
		if in.e != nil && in.e.Type == tree.Dir {
			n += 2 + 2*ceilDiv(uint64(dirSize(in.ents)), dirEnd)
		}
	}
	return n
}

// DefaultSize is the size Make gives a tree when Options.Size is 0: twice
// what the tree takes, in bytes and in inodes (at mke2fs's 16 KiB per
// inode), and at least 256 MiB, so a system booted from it can write logs,
// journals and packages. It is a whole number of MiB.
func DefaultSize(t *tree.Tree) (int64, error) {
	inodes, err := plan(t)
	if err != nil {
		return 0, err
	}
	return defaultSize(inodes), nil
}

func defaultSize(inodes []*inode) int64 {
	size := max(256*mib, 2*int64(treeBlocks(inodes))*blockSize, 2*int64(len(inodes)+firstIno)*layout.MkfsInodeRatio)
	return (size + mib - 1) / mib * mib
}

// Make lays out the filesystem.
func Make(t *tree.Tree, o Options) (*Image, error) {
	inodes, err := plan(t)
	if err != nil {
		return nil, err
	}
	size := o.Size
	if size == 0 {
		size = defaultSize(inodes)
	}
	sb, err := layout.Mkfs(layout.MkfsParams{Blocks: uint64(size / blockSize), MinInodes: uint32(len(inodes) + firstIno),
		UUID: o.UUID, HashSeed: o.HashSeed, Label: o.Label, Time: o.Time.Unix()})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTooBig, err)
	}
	if uint64(len(inodes)+firstIno) > uint64(sb.InodesCount) {
		return nil, fmt.Errorf("%w: %d inodes, the filesystem has %d", ErrTooBig, len(inodes)+firstIno, sb.InodesCount)
	}
	w := &writer{sb: sb, o: o, im: &Image{blocks: map[uint64][]byte{}}, ts: layout.Timestamp{Sec: o.Time.Unix()}}
	if err := w.write(inodes); err != nil {
		return nil, err
	}
	return w.im, nil
}

type writer struct {
	sb     *layout.Superblock
	o      Options
	im     *Image
	ts     layout.Timestamp
	used   []byte // block bitmap of the whole filesystem
	cursor uint64 // next-fit allocation point
	descs  []layout.GroupDesc
}

func (w *writer) block(n uint64) []byte {
	b, ok := w.im.blocks[n]
	if !ok {
		b = make([]byte, blockSize)
		w.im.blocks[n] = b
	}
	return b
}

func (w *writer) mark(n uint64) { layout.SetBit(w.used, n) }

// take allocates n blocks from the cursor on, as runs of at most one
// extent each.
func (w *writer) take(n uint64) ([]layout.Extent, error) {
	var out []layout.Extent
	var logical uint32
	for n > 0 {
		for w.cursor < w.sb.BlocksCount && layout.TestBit(w.used, w.cursor) {
			w.cursor++
		}
		if w.cursor >= w.sb.BlocksCount {
			return nil, fmt.Errorf("%w: the tree needs more than the %d blocks of a %d MiB filesystem (set a larger size)",
				ErrTooBig, w.sb.BlocksCount, w.sb.BlocksCount*blockSize/mib)
		}
		start := w.cursor
		for w.cursor < w.sb.BlocksCount && !layout.TestBit(w.used, w.cursor) && w.cursor-start < min(n, layout.MaxInitLen) {
			w.mark(w.cursor)
			w.cursor++
		}
		l := w.cursor - start
		out = append(out, layout.Extent{Block: logical, Len: uint16(l), Start: start})
		logical += uint32(l)
		n -= l
	}
	return out, nil
}

// allocate gives in its data blocks and extent tree blocks.
func (w *writer) allocate(in *inode) error {
	if in.nblocks == 0 {
		return nil
	}
	if in.nblocks > 1<<32-1 {
		return fmt.Errorf("%w: inode %d: %d blocks", ErrTooBig, in.ino, in.nblocks)
	}
	exts, err := w.take(in.nblocks)
	if err != nil {
		return err
	}
	in.exts = exts
	need := layout.ExtentTreeBlocks(len(exts), blockSize)
	if need > 0 {
		nodes, err := w.take(uint64(need))
		if err != nil {
			return err
		}
		for _, x := range nodes {
			for i := uint64(0); i < uint64(x.Len); i++ {
				in.nodes = append(in.nodes, x.Start+i)
			}
		}
	}
	return nil
}

// physical returns the physical block of logical block l of in.
func (in *inode) physical(l uint64) uint64 {
	for _, x := range in.exts {
		if l >= uint64(x.Block) && l < uint64(x.Block)+uint64(x.Len) {
			return x.Start + l - uint64(x.Block)
		}
	}
	panic("ext4: logical block outside the inode's extents") // allocate gave every block
}

func (w *writer) write(inodes []*inode) error {
	sb := w.sb
	groups := sb.GroupCount()
	w.used = make([]byte, (sb.BlocksCount+7)/8)
	w.descs = make([]layout.GroupDesc, groups)
	itb := sb.InodeTableBlocks()
	for g := uint64(0); g < groups; g++ {
		first := sb.GroupFirstBlock(g)
		for i := uint64(0); i < sb.BaseMetaBlocks(g); i++ {
			w.mark(first + i)
		}
		d := &w.descs[g]
		d.BlockBitmap, d.InodeBitmap, d.InodeTable = sb.MkfsTables(g)
		w.mark(d.BlockBitmap)
		w.mark(d.InodeBitmap)
		for i := uint64(0); i < itb; i++ {
			w.mark(d.InodeTable + i)
		}
	}

	// The journal first, in the middle of the filesystem as mke2fs puts
	// it (the first group of the middle flex group).
	jblocks := layout.DefaultJournalBlocks(sb.BlocksCount)
	journal := &inode{ino: layout.JournalIno, mode: layout.ModeReg | 0o600, links: 1, flags: layout.FlagExtents,
		nblocks: uint64(jblocks), size: uint64(jblocks) * blockSize}
	mid := sb.BlocksCount / 2 / uint64(sb.BlocksPerGroup)
	if flex := sb.FlexGroups(); mid > flex {
		mid &^= flex - 1
	}
	w.cursor = sb.GroupFirstBlock(mid)
	if err := w.allocate(journal); err != nil {
		return err
	}
	w.cursor = 0
	js := layout.NewJournalSuper(blockSize, jblocks, sb.UUID)
	copy(w.block(journal.physical(0)), js.Raw[:])

	// The tree, in inode order; the resize inode's block after the root
	// directory and lost+found, as mke2fs.
	for _, in := range inodes {
		if in.e != nil && in.e.Type == tree.Dir {
			in.nblocks = w.dirBlocks(in)
		}
	}
	var resize *inode
	for _, in := range inodes {
		if err := w.allocate(in); err != nil {
			return err
		}
		if in.ino == lostFoundIno {
			dind, err := w.take(1)
			if err != nil {
				return err
			}
			resize = w.resizeInode(dind[0].Start)
		}
	}
	for _, in := range inodes {
		if err := w.contents(in); err != nil {
			return err
		}
	}

	// Inodes: the reserved ones as mke2fs leaves them, then ours.
	all := append([]*inode{journal, resize}, inodes...)
	sort.Slice(all, func(i, j int) bool { return all[i].ino < all[j].ino })
	usedIno := map[uint32]bool{}
	for ino := uint32(1); ino < lostFoundIno; ino++ {
		usedIno[ino] = true
		if ino == layout.RootIno || ino == layout.ResizeIno || ino == layout.JournalIno {
			continue
		}
		d := &layout.Inode{Raw: make([]byte, inodeSize)}
		if ino == 1 { // the bad-blocks inode carries times
			d.Atime, d.Ctime, d.Mtime = w.ts, w.ts, w.ts
		}
		w.putInode(ino, d)
	}
	dirs := make([]uint32, sb.GroupCount())
	for _, in := range all {
		usedIno[in.ino] = true
		d := w.diskInode(in)
		w.putInode(in.ino, d)
		if in.ino == layout.JournalIno {
			sb.SetJournalBackup(d.Block, d.Size)
		}
		if in.mode&layout.ModeFmt == layout.ModeDir {
			g, _ := sb.InodeLocation(in.ino)
			dirs[g]++
		}
	}
	return w.finish(usedIno, dirs, uint64(jblocks))
}

// diskInode encodes in.
func (w *writer) diskInode(in *inode) *layout.Inode {
	d := &layout.Inode{Raw: make([]byte, inodeSize), Mode: in.mode, Size: in.size, LinksCount: in.links,
		Flags: in.flags, ExtraIsize: layout.MkfsExtraIsize,
		Atime: w.ts, Ctime: w.ts, Mtime: w.ts, Crtime: w.ts}
	if in.e != nil {
		d.UID, d.GID = in.e.UID, in.e.GID
	}
	d.Block = in.iblock
	if in.flags&layout.FlagExtents != 0 {
		seed := w.sb.InodeCsumSeed(in.ino, 0)
		for i, b := range layout.EncodeExtentTree(d.Block[:], in.exts, in.nodes, blockSize, seed) {
			copy(w.block(in.nodes[i]), b)
		}
	}
	owned := in.nblocks + uint64(len(in.nodes))
	if in.ino == layout.ResizeIno {
		owned = in.nblocks
	}
	d.Blocks = owned * (blockSize / 512)
	return d
}

func (w *writer) putInode(ino uint32, d *layout.Inode) {
	g, idx := w.sb.InodeLocation(ino)
	off := uint64(idx) * inodeSize
	raw := d.Encode()
	w.sb.SetInodeChecksum(ino, raw)
	blk := w.block(w.descs[g].InodeTable + off/blockSize)
	copy(blk[off%blockSize:], raw)
}

// resizeInode lays out inode 7 with its doubly-indirect block at dind.
func (w *writer) resizeInode(dind uint64) *inode {
	w.mark(dind)
	iblock, size, owned, blocks := w.sb.ResizeInode(dind)
	for n, b := range blocks {
		copy(w.block(n), b)
	}
	return &inode{ino: layout.ResizeIno, mode: layout.ModeReg | 0o600, links: 1, size: size, nblocks: owned, iblock: iblock}
}

// dirBlocks is the number of blocks directory in takes: one when its
// names fit, else an htree's root, index nodes and leaves.
func (w *writer) dirBlocks(in *inode) uint64 {
	if linearDirFits(in.ents) {
		return 1
	}
	leaves := len(w.leaves(in))
	rootLimit := int(layout.DxLimit(blockSize, layout.DxRootEntries, true))
	if leaves <= rootLimit {
		return uint64(1 + leaves)
	}
	nodeLimit := int(layout.DxLimit(blockSize, layout.DxNodeEntries, true))
	return uint64(1 + (leaves+nodeLimit-1)/nodeLimit + leaves)
}

// leaf is one htree leaf: names in hash order and the hash it starts at.
type leaf struct {
	hash uint32
	ents []layout.DirEntry
}

// leaves sorts a directory's names by hash and packs them into leaves.
// A leaf that starts inside a run of equal hashes is indexed with the
// continuation bit, as Linux splits leaves.
func (w *writer) leaves(in *inode) []leaf {
	type hashed struct {
		h uint32
		e layout.DirEntry
	}
	hv := w.sb.HashVersion(w.sb.DefHashVersion)
	hs := make([]hashed, len(in.ents))
	for i, e := range in.ents {
		h, _, _ := layout.DirHash(e.Name, hv, w.sb.HashSeed)
		hs[i] = hashed{h, e}
	}
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].h < hs[j].h })
	var out []leaf
	used := dirEnd + 1
	for i, x := range hs {
		size := layout.DirentSize(len(x.e.Name))
		if used+size > dirEnd {
			h := x.h
			if i > 0 && hs[i-1].h == h {
				h |= 1
			}
			out = append(out, leaf{hash: h})
			used = 0
		}
		l := &out[len(out)-1]
		l.ents = append(l.ents, x.e)
		used += size
	}
	return out
}

// contents writes an inode's blocks: directory blocks, a slow symlink's
// text, a file's data (as chunks of the tree's own bytes).
func (w *writer) contents(in *inode) error {
	if in.e == nil && in.ino == lostFoundIno {
		seed := w.sb.InodeCsumSeed(in.ino, 0)
		for l := uint64(0); l < lostFoundLen; l++ {
			b := w.block(in.physical(l))
			if l == 0 {
				layout.EncodeDotEntries(b, in.ino, in.parent, layout.FtDir, dirEnd)
			} else {
				layout.FillDirBlock(b, dirEnd, nil)
			}
			layout.SetDirTail(seed, b)
		}
		return nil
	}
	switch in.e.Type {
	case tree.Regular:
		data := in.e.Data
		for _, x := range in.exts {
			from := uint64(x.Block) * blockSize
			to := min(uint64(len(data)), from+uint64(x.Len)*blockSize)
			w.im.data = append(w.im.data, chunk{block: x.Start, data: data[from:to]})
		}
	case tree.Symlink:
		if in.nblocks > 0 {
			copy(w.block(in.physical(0)), in.e.Target)
		}
	case tree.Dir:
		w.dirContents(in)
	}
	return nil
}

func (w *writer) dirContents(in *inode) {
	seed := w.sb.InodeCsumSeed(in.ino, 0)
	in.size = in.nblocks * blockSize
	if in.nblocks == 1 {
		b := w.block(in.physical(0))
		layout.EncodeDotEntries(b, in.ino, in.parent, layout.FtDir, dirEnd)
		if len(in.ents) > 0 {
			// ".." ends where the names start.
			layout.EncodeDotEntries(b, in.ino, in.parent, layout.FtDir, 24)
			layout.FillDirBlock(b[24:dirEnd], dirEnd-24, in.ents)
		}
		layout.SetDirTail(seed, b)
		return
	}
	w.im.HashedDirs++
	in.flags |= layout.FlagIndex
	leaves := w.leaves(in)
	rootLimit := layout.DxLimit(blockSize, layout.DxRootEntries, true)
	nodeLimit := layout.DxLimit(blockSize, layout.DxNodeEntries, true)
	nodes := 0
	if len(leaves) > int(rootLimit) {
		nodes = (len(leaves) + int(nodeLimit) - 1) / int(nodeLimit)
	}
	first := uint32(1 + nodes) // logical block of the first leaf
	ents := make([]layout.DxEntry, len(leaves))
	for i, l := range leaves {
		ents[i] = layout.DxEntry{Hash: l.hash, Block: first + uint32(i)}
		b := w.block(in.physical(uint64(first) + uint64(i)))
		layout.FillDirBlock(b, dirEnd, l.ents)
		layout.SetDirTail(seed, b)
	}
	root := w.block(in.physical(0))
	if nodes == 0 {
		layout.EncodeDxRoot(root, in.ino, in.parent, layout.FtDir, w.sb.DefHashVersion, 0, ents, rootLimit)
	} else {
		var top []layout.DxEntry
		for n := 0; n < nodes; n++ {
			part := ents[n*int(nodeLimit) : min((n+1)*int(nodeLimit), len(ents))]
			top = append(top, layout.DxEntry{Hash: part[0].Hash, Block: uint32(1 + n)})
			b := w.block(in.physical(uint64(1 + n)))
			layout.EncodeDxNode(b, part, nodeLimit)
			layout.SetDxChecksum(seed, b, layout.DxNodeEntries)
		}
		layout.EncodeDxRoot(root, in.ino, in.parent, layout.FtDir, w.sb.DefHashVersion, 1, top, rootLimit)
	}
	layout.SetDxChecksum(seed, root, layout.DxRootEntries)
}

// finish writes bitmaps, group descriptors and the superblock with its
// backups.
func (w *writer) finish(usedIno map[uint32]bool, dirs []uint32, jblocks uint64) error {
	sb := w.sb
	groups := sb.GroupCount()
	ipg := uint64(sb.InodesPerGroup)
	dsz := sb.DescriptorSize()
	gdt := make([]byte, sb.GdtBlocks()*blockSize)
	var freeBlocks uint64
	var freeInodes uint32
	uninit := make([]byte, blockSize)
	for g := uint64(0); g < groups; g++ {
		d := &w.descs[g]
		d.Flags = layout.BGItableZeroed
		// Block bitmap.
		bb := make([]byte, blockSize)
		start := sb.GroupFirstBlock(g)
		n := uint64(sb.GroupBlocks(g))
		for i := uint64(0); i < blockSize*8; i++ {
			if i >= n || layout.TestBit(w.used, start+i) {
				layout.SetBit(bb, i)
			} else {
				d.FreeBlocks++
			}
		}
		// BLOCK_UNINIT when the group holds only its own metadata (as
		// Linux's ext4_init_block_bitmap and e2fsck rebuild it), never
		// for the last group (as mke2fs).
		sb.InitBlockBitmap(g, w.descs[g:g+1], uninit)
		var ib []byte
		if g != groups-1 && bytes.Equal(uninit, bb) {
			d.Flags |= layout.BGBlockUninit
			bb = nil
		} else {
			copy(w.block(d.BlockBitmap), bb)
		}
		// Inode bitmap.
		last := uint64(0)
		ibuf := make([]byte, blockSize)
		for i := uint64(0); i < ipg; i++ {
			ino := uint32(g*ipg + i + 1)
			if usedIno[ino] {
				layout.SetBit(ibuf, i)
				last = i + 1
			} else {
				d.FreeInodes++
			}
		}
		for i := ipg; i < blockSize*8; i++ {
			layout.SetBit(ibuf, i)
		}
		d.ItableUnused = uint32(ipg - last)
		if last == 0 {
			d.Flags |= layout.BGInodeUninit
		} else {
			ib = ibuf
			copy(w.block(d.InodeBitmap), ib)
		}
		d.UsedDirs = dirs[g]
		sb.SetBitmapChecksums(d, bb, ib)
		freeBlocks += uint64(d.FreeBlocks)
		freeInodes += d.FreeInodes
	}
	for g := uint64(0); g < groups; g++ {
		d := &w.descs[g]
		raw := gdt[g*uint64(dsz) : (g+1)*uint64(dsz)]
		d.Encode(raw, dsz)
		d.Checksum = sb.GroupDescChecksum(g, raw)
		d.Encode(raw, dsz)
	}
	sb.FreeBlocksCount, sb.FreeInodesCount = freeBlocks, freeInodes
	sb.SetOverhead(sb.MetadataBlocks() + jblocks)
	var written uint64
	for range w.im.blocks {
		written += blockSize
	}
	for _, c := range w.im.data {
		written += uint64(len(c.data))
	}
	sb.SetKbytesWritten(written / 1024)
	for g := uint64(0); g < groups; g++ {
		if !sb.GroupHasSuper(g) {
			continue
		}
		first := sb.GroupFirstBlock(g)
		le16(sb.Raw[0x5A:], uint16(g)) // s_block_group_nr
		sb.SetChecksum()
		if g == 0 {
			copy(w.block(0)[layout.SuperOffset:], sb.Raw[:])
		} else {
			copy(w.block(first), sb.Raw[:])
		}
		for i := uint64(0); i < sb.GdtBlocks(); i++ {
			copy(w.block(first+1+i), gdt[i*blockSize:(i+1)*blockSize])
		}
	}
	le16(sb.Raw[0x5A:], 0)
	sb.SetChecksum()
	w.im.Size = int64(sb.BlocksCount) * blockSize
	w.im.Blocks, w.im.FreeBlocks = sb.BlocksCount, freeBlocks
	w.im.Inodes, w.im.FreeInodes = sb.InodesCount, freeInodes
	w.im.JournalBlocks = uint32(jblocks)
	sort.Slice(w.im.data, func(i, j int) bool { return w.im.data[i].block < w.im.data[j].block })
	return nil
}

func le16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }

func ceilDiv(a, b uint64) uint64 { return (a + b - 1) / b }
