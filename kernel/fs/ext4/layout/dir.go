package layout

// Directory entry file types (with the filetype feature).
const (
	FtUnknown = 0
	FtReg     = 1
	FtDir     = 2
	FtChr     = 3
	FtBlk     = 4
	FtFIFO    = 5
	FtSock    = 6
	FtLnk     = 7
	// FtDirCsum marks the checksum tail of a directory block.
	FtDirCsum = 0xDE
)

// Directory geometry.
const (
	DirentHeaderSize = 8
	DirTailSize      = 12
	NameMax          = 255
)

// FileTypeOfMode maps i_mode's type bits to a directory entry type.
func FileTypeOfMode(mode uint16) uint8 {
	switch mode & ModeFmt {
	case ModeReg:
		return FtReg
	case ModeDir:
		return FtDir
	case ModeChr:
		return FtChr
	case ModeBlk:
		return FtBlk
	case ModeFIFO:
		return FtFIFO
	case ModeSock:
		return FtSock
	case ModeLnk:
		return FtLnk
	}
	return FtUnknown
}

// Dirent is one directory entry as found in a block.
type Dirent struct {
	Off      int // byte offset in the block
	Inode    uint32
	RecLen   int
	NameLen  int
	FileType uint8
	Name     []byte // aliases the block
}

// DirentSize is the minimum record length of a name of n bytes.
func DirentSize(n int) int { return (DirentHeaderSize + n + 3) &^ 3 }

// RecLenFromDisk decodes rec_len (65536-byte blocks store 0 or 65535 for
// a whole block).
func RecLenFromDisk(v uint16, blockSize int) int {
	if blockSize < 65536 || (v != 65535 && v != 0) {
		return int(v)
	}
	return blockSize
}

// RecLenToDisk encodes rec_len.
func RecLenToDisk(n, blockSize int) uint16 {
	if blockSize == 65536 && n == 65536 {
		return 65535
	}
	return uint16(n)
}

// DecodeDirent parses the entry at off of block b and validates it: the
// record fits in the block, is 4-byte aligned, and holds its name.
func DecodeDirent(b []byte, off int) (Dirent, error) {
	if off < 0 || off+DirentHeaderSize > len(b) || off&3 != 0 {
		return Dirent{}, corrupt("directory entry at %d of %d", off, len(b))
	}
	d := Dirent{Off: off, Inode: le.Uint32(b[off:]), RecLen: RecLenFromDisk(le.Uint16(b[off+4:]), len(b)),
		NameLen: int(b[off+6]), FileType: b[off+7]}
	if d.RecLen < DirentHeaderSize || d.RecLen&3 != 0 || off+d.RecLen > len(b) || DirentHeaderSize+d.NameLen > d.RecLen {
		return Dirent{}, corrupt("directory entry at %d: rec_len %d name_len %d", off, d.RecLen, d.NameLen)
	}
	d.Name = b[off+DirentHeaderSize : off+DirentHeaderSize+d.NameLen]
	return d, nil
}

// EncodeDirent writes an entry at off of block b (rec_len recLen).
func EncodeDirent(b []byte, off int, ino uint32, recLen int, name []byte, ft uint8) {
	le.PutUint32(b[off:], ino)
	le.PutUint16(b[off+4:], RecLenToDisk(recLen, len(b)))
	b[off+6] = uint8(len(name))
	b[off+7] = ft
	copy(b[off+DirentHeaderSize:], name)
}

// HasDirTail reports whether block b ends with a checksum tail.
func HasDirTail(b []byte) bool {
	if len(b) < DirTailSize {
		return false
	}
	t := b[len(b)-DirTailSize:]
	return le.Uint32(t) == 0 && le.Uint16(t[4:]) == DirTailSize && t[6] == 0 && t[7] == FtDirCsum
}

// SetDirTail writes the checksum tail (header and crc32c) at the end of
// block b; seed is the directory's InodeCsumSeed.
func SetDirTail(seed uint32, b []byte) {
	t := b[len(b)-DirTailSize:]
	le.PutUint32(t, 0)
	le.PutUint16(t[4:], DirTailSize)
	t[6], t[7] = 0, FtDirCsum
	le.PutUint32(t[8:], Crc32c(seed, b[:len(b)-DirTailSize]))
}

// VerifyDirTail checks a directory block's tail checksum.
func VerifyDirTail(seed uint32, b []byte) bool {
	return HasDirTail(b) && le.Uint32(b[len(b)-4:]) == Crc32c(seed, b[:len(b)-DirTailSize])
}

// Htree (dx) index blocks.
const (
	DxRootInfoOff = 0x18 // dx_root_info after the "." and ".." entries
	DxRootEntries = 0x20 // count/limit then entries in dx_root
	DxNodeEntries = 0x8  // count/limit then entries in dx_node
	DxEntrySize   = 8
	DxTailSize    = 8
)

// DxRootInfo is the dx_root_info of an htree root block.
type DxRootInfo struct {
	HashVersion    uint8
	InfoLength     uint8
	IndirectLevels uint8
}

// DxEntry maps hashes from Hash up to the next entry's to Block (a
// logical block of the directory). Entry 0's Hash is the count/limit.
type DxEntry struct {
	Hash  uint32
	Block uint32
}

// DecodeDxRoot parses the root of an htree: the info and the entries at
// DxRootEntries.
func DecodeDxRoot(b []byte) (DxRootInfo, []DxEntry, uint16, error) {
	if len(b) < DxRootEntries+DxEntrySize {
		return DxRootInfo{}, nil, 0, corrupt("dx_root: %d bytes", len(b))
	}
	info := DxRootInfo{HashVersion: b[DxRootInfoOff+4], InfoLength: b[DxRootInfoOff+5], IndirectLevels: b[DxRootInfoOff+6]}
	if info.InfoLength != 8 {
		return DxRootInfo{}, nil, 0, corrupt("dx_root: info length %d", info.InfoLength)
	}
	ents, limit, err := DecodeDxEntries(b, DxRootEntries)
	return info, ents, limit, err
}

// DecodeDxEntries parses the count/limit header and entries at off.
func DecodeDxEntries(b []byte, off int) ([]DxEntry, uint16, error) {
	if off+DxEntrySize > len(b) {
		return nil, 0, corrupt("dx entries at %d of %d", off, len(b))
	}
	limit, count := le.Uint16(b[off:]), le.Uint16(b[off+2:])
	if count == 0 || count > limit || off+int(limit)*DxEntrySize > len(b) {
		return nil, 0, corrupt("dx entries: count %d limit %d", count, limit)
	}
	ents := make([]DxEntry, count)
	for i := range ents {
		e := b[off+i*DxEntrySize:]
		ents[i] = DxEntry{Hash: le.Uint32(e), Block: le.Uint32(e[4:])}
	}
	ents[0].Hash = 0
	return ents, limit, nil
}

// EncodeDxEntries writes count/limit and the entries at off.
func EncodeDxEntries(b []byte, off int, ents []DxEntry, limit uint16) {
	for i, x := range ents {
		e := b[off+i*DxEntrySize:]
		le.PutUint32(e, x.Hash)
		le.PutUint32(e[4:], x.Block)
	}
	le.PutUint16(b[off:], limit)
	le.PutUint16(b[off+2:], uint16(len(ents)))
}

// DxLimit is the number of entries that fit from off in a block of
// blockSize bytes (one fewer with a checksum tail).
func DxLimit(blockSize, off int, csum bool) uint16 {
	n := (blockSize - off) / DxEntrySize
	if csum {
		n--
	}
	return uint16(n)
}

// dxChecksum computes the htree tail checksum of block b whose entries
// start at off; it returns the tail's offset too.
func dxChecksum(seed uint32, b []byte, off int) (uint32, int, bool) {
	if off+4 > len(b) {
		return 0, 0, false
	}
	limit, count := int(le.Uint16(b[off:])), int(le.Uint16(b[off+2:]))
	tail := off + limit*DxEntrySize
	if tail+DxTailSize > len(b) || count > limit {
		return 0, 0, false
	}
	c := Crc32c(seed, b[:off+count*DxEntrySize])
	c = Crc32c(c, b[tail:tail+4])
	c = Crc32c(c, []byte{0, 0, 0, 0})
	return c, tail, true
}

// SetDxChecksum stores the tail checksum of an htree block (entries at
// off: DxRootEntries or DxNodeEntries).
func SetDxChecksum(seed uint32, b []byte, off int) {
	if c, tail, ok := dxChecksum(seed, b, off); ok {
		le.PutUint32(b[tail+4:], c)
	}
}

// VerifyDxChecksum checks an htree block's tail checksum.
func VerifyDxChecksum(seed uint32, b []byte, off int) bool {
	c, tail, ok := dxChecksum(seed, b, off)
	return ok && le.Uint32(b[tail+4:]) == c
}

// DirEntry is a name to store in a directory block.
type DirEntry struct {
	Name     []byte
	Inode    uint32
	FileType uint8
}

// FillDirBlock packs entries from the start of b into its entry area
// (b[:end]) and returns how many fit; the last one's record stretches to
// end. With no entries, one unused record spans the area.
func FillDirBlock(b []byte, end int, ents []DirEntry) int {
	off, last, n := 0, -1, 0
	for _, e := range ents {
		size := DirentSize(len(e.Name))
		if off+size > end {
			break
		}
		EncodeDirent(b, off, e.Inode, size, e.Name, e.FileType)
		last, off = off, off+size
		n++
	}
	if last < 0 {
		EncodeDirent(b, 0, 0, end, nil, 0)
		return 0
	}
	le.PutUint16(b[last+4:], RecLenToDisk(end-last, len(b)))
	return n
}

// EncodeDotEntries writes the "." (ino) and ".." (parent) entries that
// open a directory's block 0; ".." spans to end.
func EncodeDotEntries(b []byte, ino, parent uint32, ft uint8, end int) {
	EncodeDirent(b, 0, ino, 12, []byte("."), ft)
	EncodeDirent(b, 12, parent, end-12, []byte(".."), ft)
}

// EncodeDxRoot writes an htree root block: "." and ".." (spanning the
// block), the dx_root_info (hash version, indirect levels) and the
// entries with their limit. The checksum is the caller's (SetDxChecksum).
func EncodeDxRoot(b []byte, ino, parent uint32, ft, hashVersion, levels uint8, ents []DxEntry, limit uint16) {
	clear(b)
	EncodeDotEntries(b, ino, parent, ft, len(b))
	info := b[DxRootInfoOff:]
	info[4], info[5], info[6] = hashVersion, 8, levels
	EncodeDxEntries(b, DxRootEntries, ents, limit)
}

// EncodeDxNode writes an htree interior block: an unused entry spanning
// the block, then the entries with their limit.
func EncodeDxNode(b []byte, ents []DxEntry, limit uint16) {
	clear(b)
	EncodeDirent(b, 0, 0, len(b), nil, 0)
	EncodeDxEntries(b, DxNodeEntries, ents, limit)
}
