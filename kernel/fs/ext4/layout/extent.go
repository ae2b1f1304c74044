package layout

// Extent tree constants.
const (
	ExtentMagic      = 0xF30A
	ExtentHeaderSize = 12
	ExtentEntrySize  = 12
	// MaxInitLen is the longest initialised extent; an ee_len above it
	// marks an unwritten extent of ee_len-MaxInitLen blocks.
	MaxInitLen      = 32768
	MaxUnwrittenLen = 32767
	// MaxExtentDepth bounds the tree (Linux refuses deeper trees).
	MaxExtentDepth = 5
)

// ExtentHeader starts every node of an extent tree.
type ExtentHeader struct {
	Entries, Max, Depth uint16
	Generation          uint32
}

// Extent is a leaf entry: Len blocks from logical Block map to physical
// Start; Unwritten extents read as zeros.
type Extent struct {
	Block     uint32
	Len       uint16 // 1..32768
	Start     uint64
	Unwritten bool
}

// ExtentIndex is an interior entry: the subtree for logical blocks from
// Block lives at physical block Leaf.
type ExtentIndex struct {
	Block uint32
	Leaf  uint64
}

// DecodeExtentHeader parses and sanity-checks a node header; b is the
// whole node (60 bytes in the inode, a block otherwise).
func DecodeExtentHeader(b []byte) (ExtentHeader, error) {
	if len(b) < ExtentHeaderSize {
		return ExtentHeader{}, corrupt("extent header: %d bytes", len(b))
	}
	if m := le.Uint16(b); m != ExtentMagic {
		return ExtentHeader{}, corrupt("extent header: bad magic %#x", m)
	}
	h := ExtentHeader{Entries: le.Uint16(b[2:]), Max: le.Uint16(b[4:]), Depth: le.Uint16(b[6:]), Generation: le.Uint32(b[8:])}
	room := (len(b) - ExtentHeaderSize) / ExtentEntrySize
	if int(h.Max) > room || h.Entries > h.Max || h.Depth > MaxExtentDepth {
		return ExtentHeader{}, corrupt("extent header: %d entries, max %d, depth %d in %d bytes", h.Entries, h.Max, h.Depth, len(b))
	}
	return h, nil
}

// Encode writes h at the start of b.
func (h ExtentHeader) Encode(b []byte) {
	le.PutUint16(b, ExtentMagic)
	le.PutUint16(b[2:], h.Entries)
	le.PutUint16(b[4:], h.Max)
	le.PutUint16(b[6:], h.Depth)
	le.PutUint32(b[8:], h.Generation)
}

// DecodeExtent parses leaf entry i of node b (the header already checked).
func DecodeExtent(b []byte, i int) Extent {
	e := b[ExtentHeaderSize+i*ExtentEntrySize:]
	x := Extent{Block: le.Uint32(e), Len: le.Uint16(e[4:])}
	x.Start = uint64(le.Uint16(e[6:]))<<32 | uint64(le.Uint32(e[8:]))
	if x.Len > MaxInitLen {
		x.Len -= MaxInitLen
		x.Unwritten = true
	}
	return x
}

// EncodeExtent writes leaf entry i of node b.
func EncodeExtent(b []byte, i int, x Extent) {
	e := b[ExtentHeaderSize+i*ExtentEntrySize:]
	l := x.Len
	if x.Unwritten {
		l += MaxInitLen
	}
	le.PutUint32(e, x.Block)
	le.PutUint16(e[4:], l)
	le.PutUint16(e[6:], uint16(x.Start>>32))
	le.PutUint32(e[8:], uint32(x.Start))
}

// DecodeExtentIndex parses index entry i of node b.
func DecodeExtentIndex(b []byte, i int) ExtentIndex {
	e := b[ExtentHeaderSize+i*ExtentEntrySize:]
	return ExtentIndex{Block: le.Uint32(e), Leaf: uint64(le.Uint32(e[4:])) | uint64(le.Uint16(e[8:]))<<32}
}

// EncodeExtentIndex writes index entry i of node b.
func EncodeExtentIndex(b []byte, i int, x ExtentIndex) {
	e := b[ExtentHeaderSize+i*ExtentEntrySize:]
	le.PutUint32(e, x.Block)
	le.PutUint32(e[4:], uint32(x.Leaf))
	le.PutUint16(e[8:], uint16(x.Leaf>>32))
	le.PutUint16(e[10:], 0)
}

// ExtentBlockMax is eh_max of an extent block of blockSize bytes (room
// left for the checksum tail).
func ExtentBlockMax(blockSize uint32) uint16 {
	return uint16((blockSize - ExtentHeaderSize - 4) / ExtentEntrySize)
}

// extentTailOffset is where the checksum tail of an extent block sits.
func extentTailOffset(b []byte) (int, bool) {
	if len(b) < ExtentHeaderSize {
		return 0, false
	}
	off := ExtentHeaderSize + int(le.Uint16(b[4:]))*ExtentEntrySize
	return off, off+4 <= len(b)
}

// ExtentBlockChecksum is the crc32c of an extent block up to its tail;
// seed is the owning inode's InodeCsumSeed.
func ExtentBlockChecksum(seed uint32, b []byte) uint32 {
	off, ok := extentTailOffset(b)
	if !ok {
		return 0
	}
	return Crc32c(seed, b[:off])
}

// SetExtentBlockChecksum stores the tail checksum of an extent block.
func SetExtentBlockChecksum(seed uint32, b []byte) {
	if off, ok := extentTailOffset(b); ok {
		le.PutUint32(b[off:], ExtentBlockChecksum(seed, b))
	}
}

// VerifyExtentBlockChecksum checks the tail checksum of an extent block.
func VerifyExtentBlockChecksum(seed uint32, b []byte) bool {
	off, ok := extentTailOffset(b)
	return ok && le.Uint32(b[off:]) == ExtentBlockChecksum(seed, b)
}

// ExtentTreeBlocks is the number of tree blocks an extent tree of n
// extents needs outside the inode (0 when the four in-inode slots hold
// them) with blocks of blockSize bytes.
func ExtentTreeBlocks(n int, blockSize uint32) int {
	per := int(ExtentBlockMax(blockSize))
	need := 0
	for n > 4 {
		n = (n + per - 1) / per
		need += n
	}
	return need
}

// EncodeExtentTree writes exts as an extent tree: root is the inode's
// 60-byte i_block; nodes are the physical blocks for the tree blocks
// (ExtentTreeBlocks of them: leaves first, then each index level). It
// returns the contents of each node block, checksummed with seed (the
// inode's InodeCsumSeed).
func EncodeExtentTree(root []byte, exts []Extent, nodes []uint64, blockSize uint32, seed uint32) [][]byte {
	per := int(ExtentBlockMax(blockSize))
	clear(root[:60])
	if len(exts) <= 4 {
		ExtentHeader{Entries: uint16(len(exts)), Max: 4}.Encode(root)
		for i, x := range exts {
			EncodeExtent(root, i, x)
		}
		return nil
	}
	var out [][]byte
	next := 0
	var children []ExtentIndex
	for i := 0; i < len(exts); i += per {
		part := exts[i:min(i+per, len(exts))]
		b := make([]byte, blockSize)
		ExtentHeader{Entries: uint16(len(part)), Max: uint16(per)}.Encode(b)
		for j, x := range part {
			EncodeExtent(b, j, x)
		}
		SetExtentBlockChecksum(seed, b)
		out = append(out, b)
		children = append(children, ExtentIndex{Block: part[0].Block, Leaf: nodes[next]})
		next++
	}
	depth := uint16(0)
	for len(children) > 4 {
		depth++
		var up []ExtentIndex
		for i := 0; i < len(children); i += per {
			part := children[i:min(i+per, len(children))]
			b := make([]byte, blockSize)
			ExtentHeader{Entries: uint16(len(part)), Max: uint16(per), Depth: depth}.Encode(b)
			for j, c := range part {
				EncodeExtentIndex(b, j, c)
			}
			SetExtentBlockChecksum(seed, b)
			out = append(out, b)
			up = append(up, ExtentIndex{Block: part[0].Block, Leaf: nodes[next]})
			next++
		}
		children = up
	}
	ExtentHeader{Entries: uint16(len(children)), Max: 4, Depth: depth + 1}.Encode(root)
	for i, c := range children {
		EncodeExtentIndex(root, i, c)
	}
	return out
}
