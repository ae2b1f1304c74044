// Package ext4 writes an ext4 filesystem image holding a tree.Tree, in one
// pass and deterministically: every timestamp is the given epoch, the UUID
// and directory-hash seed are given by the caller (derived from the recipe
// seed), inodes are numbered in sorted path order and blocks are allocated
// in that order too.
//
// go-diskfs's ext4 writer is not used: it draws the directory-hash seed and
// other UUIDs from crypto/rand and stamps superblock and inode times with
// time.Now in code paths its Params cannot reach, so its images differ on
// every run. This writer produces a deliberately small feature set that
// e2fsck, Linux and GRUB all read: 4 KiB blocks, 256-byte inodes, extents,
// file types in directory entries, sparse superblock backups, large files,
// no journal, linear (unhashed) directories and no metadata checksums.
package ext4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"aramid/imagebuild/tree"
)

const (
	blockSize      = 4096
	inodeSize      = 256
	extraIsize     = 32
	blocksPerGroup = 8 * blockSize
	firstIno       = 11 // lost+found
	rootIno        = 2
	maxExtentLen   = 32768
	descSize       = 32

	incompatFiletype  = 0x2
	incompatExtents   = 0x40
	roCompatSparse    = 0x1
	roCompatLargeFile = 0x2
	roCompatExtraIsz  = 0x40

	extentsFlag = 0x80000
	extentMagic = 0xF30A
)

// Options fix everything about the image that is not in the tree.
type Options struct {
	UUID     [16]byte
	HashSeed [16]byte
	Time     time.Time
	Label    string
	// MinBlocks, if larger than what the tree needs, sets the block count.
	MinBlocks int64
}

// Limits of the on-disk fields as this writer lays them out, exported so a
// recipe can be checked against them before a build starts.
const (
	MaxNameLen    = 255           // bytes of one directory entry's name
	MaxSymlinkLen = blockSize - 1 // bytes of a symlink target (Linux's own limit for 4 KiB blocks)
	MaxLinks      = 65000         // links to one inode (EXT4_LINK_MAX)
	// MaxDevMajor and MaxDevMinor bound device numbers: the inode's 32-bit
	// encoding holds a 12-bit major and a 20-bit minor, as Linux's dev_t.
	MaxDevMajor = 1<<12 - 1
	MaxDevMinor = 1<<20 - 1
)

// ErrTooBig is returned when a value does not fit ext4's on-disk fields as
// this writer lays them out.
var ErrTooBig = errors.New("ext4: tree too large for this writer")

type inode struct {
	ino    uint32
	e      *tree.Entry // nil for lost+found
	mode   uint16
	links  uint16
	data   []byte // file data, directory blocks or long symlink text
	blocks []uint64
	leaf   uint64 // extent leaf block, when more than 4 extents
	isDir  bool
}

// Build returns the filesystem image.
func Build(t *tree.Tree, o Options) ([]byte, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	if len(o.Label) > 16 {
		return nil, fmt.Errorf("ext4: label %q longer than 16 bytes", o.Label)
	}
	entries := t.Sorted()
	links := t.Links()
	byPath := map[string]*inode{}
	var inodes []*inode
	next := uint32(firstIno + 1)
	for _, e := range entries {
		if e.Type == tree.Hardlink {
			continue
		}
		in := &inode{e: e, links: 1}
		switch e.Path {
		case "":
			in.ino = rootIno
		default:
			in.ino = next
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
	lf := &inode{ino: firstIno, mode: 0o40700, isDir: true, links: 2}
	inodes = append(inodes, lf)
	sort.Slice(inodes, func(i, j int) bool { return inodes[i].ino < inodes[j].ino })
	children := t.Children()

	for _, in := range inodes {
		if in.e == nil {
			in.data = dirBlocks([]dirent{{".", firstIno, 2}, {"..", rootIno, 2}})
			continue
		}
		e := in.e
		switch e.Type {
		case tree.Regular:
			in.mode, in.data = 0o100000, e.Data
		case tree.Symlink:
			in.mode = 0o120000
			if len(e.Target) >= 60 {
				in.data = []byte(e.Target)
			}
			if len(e.Target) > MaxSymlinkLen {
				return nil, fmt.Errorf("%w: /%s: symlink target of %d bytes", ErrTooBig, e.Path, len(e.Target))
			}
		case tree.CharDev, tree.BlockDev:
			in.mode = 0o020000
			if e.Type == tree.BlockDev {
				in.mode = 0o060000
			}
			if e.Major > MaxDevMajor || e.Minor > MaxDevMinor {
				return nil, fmt.Errorf("%w: /%s: device %d:%d (major at most %d, minor at most %d)",
					ErrTooBig, e.Path, e.Major, e.Minor, MaxDevMajor, MaxDevMinor)
			}
		case tree.Fifo:
			in.mode = 0o010000
		case tree.Dir:
			in.mode, in.isDir = 0o040000, true
			parent := rootIno
			if e.Path != "" {
				parent = int(byPath[tree.Parent(e.Path)].ino)
			}
			ents := []dirent{{".", in.ino, 2}, {"..", uint32(parent), 2}}
			subdirs := 0
			if e.Path == "" {
				ents = append(ents, dirent{"lost+found", firstIno, 2})
				subdirs++
			}
			for _, c := range children[e.Path] {
				name := c.Path[strings.LastIndex(c.Path, "/")+1:]
				if len(name) > MaxNameLen {
					return nil, fmt.Errorf("%w: /%s: name longer than 255 bytes", ErrTooBig, c.Path)
				}
				target := c
				if c.Type == tree.Hardlink {
					target, _ = t.Get(c.Target)
				}
				ti := byPath[target.Path]
				ents = append(ents, dirent{name, ti.ino, fileType(target.Type)})
				if c.Type == tree.Dir {
					subdirs++
				}
			}
			in.data = dirBlocks(ents)
			in.links = uint16(2 + subdirs)
			if 2+subdirs > MaxLinks {
				return nil, fmt.Errorf("%w: /%s has too many subdirectories", ErrTooBig, e.Path)
			}
		}
		in.mode |= uint16(e.Mode & 0o7777)
	}

	// Geometry.
	var dataBlocks int64
	for _, in := range inodes {
		dataBlocks += int64(ceilDiv(len(in.data), blockSize))
	}
	ninodes := int64(len(inodes)) + firstIno + 64
	g := &geometry{}
	for groups := int64(1); ; groups++ {
		ipg := roundUp(ceilDiv64(ninodes, groups), blockSize/inodeSize)
		if ipg > blocksPerGroup {
			continue
		}
		g = newGeometry(groups, ipg)
		need := g.overhead() + dataBlocks + dataBlocks/16 + 256
		need = max(need, o.MinBlocks)
		if need <= groups*blocksPerGroup {
			g.blocks = need
			// the last group must at least hold its own metadata and some data
			if last := need - (groups-1)*blocksPerGroup; last < g.groupOverhead(groups-1)+64 {
				g.blocks = (groups-1)*blocksPerGroup + g.groupOverhead(groups-1) + 64
			}
			break
		}
		if groups > 1<<16 {
			return nil, ErrTooBig
		}
	}
	if g.blocks > 1<<32-1 {
		return nil, ErrTooBig
	}

	// Allocation: sequential over the free blocks, in inode order.
	used := make([]bool, g.blocks)
	for grp := int64(0); grp < g.groups; grp++ {
		start := grp * blocksPerGroup
		for b := start; b < start+g.groupOverhead(grp); b++ {
			used[b] = true
		}
	}
	cursor := int64(0)
	alloc := func() (uint64, error) {
		for ; cursor < g.blocks; cursor++ {
			if !used[cursor] {
				used[cursor] = true
				cursor++
				return uint64(cursor - 1), nil
			}
		}
		return 0, fmt.Errorf("%w: out of blocks", ErrTooBig)
	}
	for _, in := range inodes {
		n := ceilDiv(len(in.data), blockSize)
		for i := 0; i < n; i++ {
			b, err := alloc()
			if err != nil {
				return nil, err
			}
			in.blocks = append(in.blocks, b)
		}
		if len(extents(in.blocks)) > 4 {
			b, err := alloc()
			if err != nil {
				return nil, err
			}
			in.leaf = b
			if len(extents(in.blocks)) > (blockSize-12)/12 {
				return nil, fmt.Errorf("%w: /%s is too fragmented", ErrTooBig, in.e.Path)
			}
		}
	}

	img := make([]byte, g.blocks*blockSize)
	blk := func(b uint64) []byte { return img[b*blockSize : (b+1)*blockSize] }
	for _, in := range inodes {
		for i, b := range in.blocks {
			copy(blk(b), in.data[i*blockSize:min(len(in.data), (i+1)*blockSize)])
		}
	}

	// Inode table and bitmaps.
	ts := uint32(o.Time.Unix())
	usedInodes := map[uint32]bool{}
	dirsPerGroup := make([]int, g.groups)
	for i := uint32(1); i <= firstIno; i++ {
		usedInodes[i] = true
	}
	for _, in := range inodes {
		usedInodes[in.ino] = true
		if in.isDir {
			dirsPerGroup[(in.ino-1)/uint32(g.ipg)]++
		}
		grp := int64(in.ino-1) / g.ipg
		idx := int64(in.ino-1) % g.ipg
		off := g.itable(grp)*blockSize + idx*inodeSize
		writeInode(img[off:off+inodeSize], in, ts, blk)
	}
	var freeBlocks, freeInodes int64
	gd := make([]byte, g.gdtBlocks()*blockSize)
	for grp := int64(0); grp < g.groups; grp++ {
		bb := blk(uint64(g.blockBitmap(grp)))
		start := grp * blocksPerGroup
		free := 0
		for i := int64(0); i < blocksPerGroup; i++ {
			b := start + i
			if b >= g.blocks || used[b] {
				bb[i/8] |= 1 << (i % 8)
			} else {
				free++
			}
		}
		ib := blk(uint64(g.inodeBitmap(grp)))
		ifree := 0
		for i := int64(0); i < blockSize*8; i++ {
			ino := uint32(grp*g.ipg + i + 1)
			if i >= g.ipg || usedInodes[ino] {
				ib[i/8] |= 1 << (i % 8)
			} else {
				ifree++
			}
		}
		d := gd[grp*descSize:]
		le := binary.LittleEndian
		le.PutUint32(d[0:], uint32(g.blockBitmap(grp)))
		le.PutUint32(d[4:], uint32(g.inodeBitmap(grp)))
		le.PutUint32(d[8:], uint32(g.itable(grp)))
		le.PutUint16(d[12:], uint16(free))
		le.PutUint16(d[14:], uint16(ifree))
		le.PutUint16(d[16:], uint16(dirsPerGroup[grp]))
		freeBlocks += int64(free)
		freeInodes += int64(ifree)
	}
	for grp := int64(0); grp < g.groups; grp++ {
		if !hasSuper(grp) {
			continue
		}
		start := grp * blocksPerGroup
		sb := img[start*blockSize : start*blockSize+blockSize]
		if grp == 0 {
			sb = img[1024 : 1024+1024]
		}
		writeSuper(sb, g, o, ts, uint16(grp), freeBlocks, freeInodes)
		copy(img[(start+1)*blockSize:], gd)
	}
	return img, nil
}

type dirent struct {
	name  string
	ino   uint32
	ftype uint8
}

func fileType(t tree.Type) uint8 {
	switch t {
	case tree.Regular, tree.Hardlink:
		return 1
	case tree.Dir:
		return 2
	case tree.CharDev:
		return 3
	case tree.BlockDev:
		return 4
	case tree.Fifo:
		return 5
	case tree.Symlink:
		return 7
	}
	return 0
}

// dirBlocks packs entries into linear directory blocks; the last entry of
// each block stretches to the block's end.
func dirBlocks(ents []dirent) []byte {
	var out []byte
	block := make([]byte, 0, blockSize)
	lastOff := -1
	flush := func() {
		if lastOff >= 0 {
			binary.LittleEndian.PutUint16(block[lastOff+4:], uint16(blockSize-lastOff))
		}
		block = block[:blockSize]
		out = append(out, block...)
		block = make([]byte, 0, blockSize)
		lastOff = -1
	}
	for _, d := range ents {
		rec := 8 + roundUp(int64(len(d.name)), 4)
		if int64(len(block))+rec > blockSize {
			flush()
		}
		lastOff = len(block)
		var h [8]byte
		binary.LittleEndian.PutUint32(h[0:], d.ino)
		binary.LittleEndian.PutUint16(h[4:], uint16(rec))
		h[6], h[7] = uint8(len(d.name)), d.ftype
		block = append(block, h[:]...)
		block = append(block, d.name...)
		for int64(len(block))%4 != 0 {
			block = append(block, 0)
		}
	}
	flush()
	return out
}

type extent struct {
	logical uint32
	start   uint64
	length  uint16
}

func extents(blocks []uint64) []extent {
	var out []extent
	for i, b := range blocks {
		if n := len(out); n > 0 && out[n-1].start+uint64(out[n-1].length) == b && out[n-1].length < maxExtentLen {
			out[n-1].length++
			continue
		}
		out = append(out, extent{logical: uint32(i), start: b, length: 1})
	}
	return out
}

func putExtentHeader(b []byte, entries, maxEntries, depth int) {
	le := binary.LittleEndian
	le.PutUint16(b[0:], extentMagic)
	le.PutUint16(b[2:], uint16(entries))
	le.PutUint16(b[4:], uint16(maxEntries))
	le.PutUint16(b[6:], uint16(depth))
}

func putExtent(b []byte, x extent) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], x.logical)
	le.PutUint16(b[4:], x.length)
	le.PutUint16(b[6:], uint16(x.start>>32))
	le.PutUint32(b[8:], uint32(x.start))
}

func writeInode(b []byte, in *inode, ts uint32, blk func(uint64) []byte) {
	le := binary.LittleEndian
	var uid, gid uint32
	var size uint64
	if in.e != nil {
		uid, gid = in.e.UID, in.e.GID
	}
	le.PutUint16(b[0x00:], in.mode)
	le.PutUint16(b[0x02:], uint16(uid))
	le.PutUint16(b[0x78:], uint16(uid>>16))
	le.PutUint16(b[0x18:], uint16(gid))
	le.PutUint16(b[0x7A:], uint16(gid>>16))
	for _, off := range []int{0x08, 0x0C, 0x10, 0x90} {
		le.PutUint32(b[off:], ts)
	}
	le.PutUint16(b[0x1A:], in.links)
	le.PutUint16(b[0x80:], extraIsize)
	iblock := b[0x28 : 0x28+60]
	nblocks := uint64(len(in.blocks))
	switch {
	case in.e != nil && (in.e.Type == tree.CharDev || in.e.Type == tree.BlockDev):
		maj, mnr := in.e.Major, in.e.Minor
		if maj < 256 && mnr < 256 {
			le.PutUint32(iblock[0:], maj<<8|mnr)
		} else {
			le.PutUint32(iblock[4:], mnr&0xff|maj<<8|(mnr&^0xff)<<12)
		}
	case in.e != nil && in.e.Type == tree.Fifo:
	case in.e != nil && in.e.Type == tree.Symlink && len(in.e.Target) < 60:
		copy(iblock, in.e.Target)
		size = uint64(len(in.e.Target))
	default:
		le.PutUint32(b[0x20:], extentsFlag)
		xs := extents(in.blocks)
		if in.leaf == 0 {
			putExtentHeader(iblock, len(xs), 4, 0)
			for i, x := range xs {
				putExtent(iblock[12+12*i:], x)
			}
		} else {
			putExtentHeader(iblock, 1, 4, 1)
			le.PutUint32(iblock[12:], 0)
			le.PutUint32(iblock[16:], uint32(in.leaf))
			le.PutUint16(iblock[20:], uint16(in.leaf>>32))
			leaf := blk(in.leaf)
			putExtentHeader(leaf, len(xs), (blockSize-12)/12, 0)
			for i, x := range xs {
				putExtent(leaf[12+12*i:], x)
			}
			nblocks++
		}
		size = uint64(len(in.data))
		if in.e != nil && in.e.Type == tree.Symlink {
			size = uint64(len(in.e.Target))
		}
	}
	le.PutUint32(b[0x04:], uint32(size))
	le.PutUint32(b[0x6C:], uint32(size>>32))
	le.PutUint32(b[0x1C:], uint32(nblocks*blockSize/512))
}

type geometry struct {
	groups, ipg, blocks int64
}

func newGeometry(groups, ipg int64) *geometry { return &geometry{groups: groups, ipg: ipg} }

func hasSuper(g int64) bool {
	if g <= 1 {
		return true
	}
	for _, p := range []int64{3, 5, 7} {
		n := p
		for n < g {
			n *= p
		}
		if n == g {
			return true
		}
	}
	return false
}

func (g *geometry) gdtBlocks() int64    { return ceilDiv64(g.groups*descSize, blockSize) }
func (g *geometry) itableBlocks() int64 { return g.ipg * inodeSize / blockSize }

func (g *geometry) groupOverhead(grp int64) int64 {
	n := 2 + g.itableBlocks()
	if hasSuper(grp) {
		n += 1 + g.gdtBlocks()
	}
	return n
}

func (g *geometry) overhead() int64 {
	var n int64
	for grp := int64(0); grp < g.groups; grp++ {
		n += g.groupOverhead(grp)
	}
	return n
}

func (g *geometry) base(grp int64) int64 {
	b := grp * blocksPerGroup
	if hasSuper(grp) {
		b += 1 + g.gdtBlocks()
	}
	return b
}
func (g *geometry) blockBitmap(grp int64) int64 { return g.base(grp) }
func (g *geometry) inodeBitmap(grp int64) int64 { return g.base(grp) + 1 }
func (g *geometry) itable(grp int64) int64      { return g.base(grp) + 2 }

func writeSuper(b []byte, g *geometry, o Options, ts uint32, grp uint16, freeBlocks, freeInodes int64) {
	le := binary.LittleEndian
	le.PutUint32(b[0x00:], uint32(g.groups*g.ipg))
	le.PutUint32(b[0x04:], uint32(g.blocks))
	le.PutUint32(b[0x0C:], uint32(freeBlocks))
	le.PutUint32(b[0x10:], uint32(freeInodes))
	le.PutUint32(b[0x14:], 0) // first data block (4 KiB blocks)
	le.PutUint32(b[0x18:], 2) // 1024 << 2
	le.PutUint32(b[0x1C:], 2)
	le.PutUint32(b[0x20:], blocksPerGroup)
	le.PutUint32(b[0x24:], blocksPerGroup)
	le.PutUint32(b[0x28:], uint32(g.ipg))
	le.PutUint32(b[0x30:], ts) // last write
	le.PutUint16(b[0x36:], 0xFFFF)
	le.PutUint16(b[0x38:], 0xEF53)
	le.PutUint16(b[0x3A:], 1) // clean
	le.PutUint16(b[0x3C:], 1) // continue on errors
	le.PutUint32(b[0x40:], ts)
	le.PutUint32(b[0x4C:], 1) // dynamic revision
	le.PutUint32(b[0x54:], firstIno)
	le.PutUint16(b[0x58:], inodeSize)
	le.PutUint16(b[0x5A:], grp)
	le.PutUint32(b[0x60:], incompatFiletype|incompatExtents)
	le.PutUint32(b[0x64:], roCompatSparse|roCompatLargeFile|roCompatExtraIsz)
	copy(b[0x68:0x78], o.UUID[:])
	copy(b[0x78:0x88], o.Label)
	copy(b[0xEC:0xFC], o.HashSeed[:])
	b[0xFC] = 1 // half_md4
	le.PutUint32(b[0x108:], ts)
	le.PutUint16(b[0x15C:], extraIsize)
	le.PutUint16(b[0x15E:], extraIsize)
	le.PutUint32(b[0x160:], 1) // signed directory hash
}

func ceilDiv(a, b int) int           { return (a + b - 1) / b }
func ceilDiv64(a, b int64) int64     { return (a + b - 1) / b }
func roundUp(a int64, m int64) int64 { return ceilDiv64(a, m) * m }
