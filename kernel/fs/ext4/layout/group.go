package layout

// Group descriptor flags (bg_flags).
const (
	BGInodeUninit  = 0x1 // inode table and bitmap not initialised
	BGBlockUninit  = 0x2 // block bitmap not initialised
	BGItableZeroed = 0x4
)

// GroupDesc is one decoded block group descriptor.
type GroupDesc struct {
	BlockBitmap     uint64
	InodeBitmap     uint64
	InodeTable      uint64
	FreeBlocks      uint32
	FreeInodes      uint32
	UsedDirs        uint32
	Flags           uint16
	ExcludeBitmap   uint64
	BlockBitmapCsum uint32
	InodeBitmapCsum uint32
	ItableUnused    uint32
	Checksum        uint16
}

// DecodeGroupDesc parses a descriptor of size 32 or at least 64 bytes
// (size is the superblock's DescriptorSize).
func DecodeGroupDesc(b []byte, size uint32) (GroupDesc, error) {
	if size < 32 || uint32(len(b)) < size {
		return GroupDesc{}, corrupt("group descriptor: %d of %d bytes", len(b), size)
	}
	d := GroupDesc{
		BlockBitmap:     uint64(le.Uint32(b[0x0:])),
		InodeBitmap:     uint64(le.Uint32(b[0x4:])),
		InodeTable:      uint64(le.Uint32(b[0x8:])),
		FreeBlocks:      uint32(le.Uint16(b[0xC:])),
		FreeInodes:      uint32(le.Uint16(b[0xE:])),
		UsedDirs:        uint32(le.Uint16(b[0x10:])),
		Flags:           le.Uint16(b[0x12:]),
		ExcludeBitmap:   uint64(le.Uint32(b[0x14:])),
		BlockBitmapCsum: uint32(le.Uint16(b[0x18:])),
		InodeBitmapCsum: uint32(le.Uint16(b[0x1A:])),
		ItableUnused:    uint32(le.Uint16(b[0x1C:])),
		Checksum:        le.Uint16(b[0x1E:]),
	}
	if size >= 64 {
		d.BlockBitmap |= uint64(le.Uint32(b[0x20:])) << 32
		d.InodeBitmap |= uint64(le.Uint32(b[0x24:])) << 32
		d.InodeTable |= uint64(le.Uint32(b[0x28:])) << 32
		d.FreeBlocks |= uint32(le.Uint16(b[0x2C:])) << 16
		d.FreeInodes |= uint32(le.Uint16(b[0x2E:])) << 16
		d.UsedDirs |= uint32(le.Uint16(b[0x30:])) << 16
		d.ItableUnused |= uint32(le.Uint16(b[0x32:])) << 16
		d.ExcludeBitmap |= uint64(le.Uint32(b[0x34:])) << 32
		d.BlockBitmapCsum |= uint32(le.Uint16(b[0x38:])) << 16
		d.InodeBitmapCsum |= uint32(le.Uint16(b[0x3A:])) << 16
	}
	return d, nil
}

// Encode writes d into b (size bytes; bytes past the named fields keep
// their value).
func (d *GroupDesc) Encode(b []byte, size uint32) {
	le.PutUint32(b[0x0:], uint32(d.BlockBitmap))
	le.PutUint32(b[0x4:], uint32(d.InodeBitmap))
	le.PutUint32(b[0x8:], uint32(d.InodeTable))
	le.PutUint16(b[0xC:], uint16(d.FreeBlocks))
	le.PutUint16(b[0xE:], uint16(d.FreeInodes))
	le.PutUint16(b[0x10:], uint16(d.UsedDirs))
	le.PutUint16(b[0x12:], d.Flags)
	le.PutUint32(b[0x14:], uint32(d.ExcludeBitmap))
	le.PutUint16(b[0x18:], uint16(d.BlockBitmapCsum))
	le.PutUint16(b[0x1A:], uint16(d.InodeBitmapCsum))
	le.PutUint16(b[0x1C:], uint16(d.ItableUnused))
	le.PutUint16(b[0x1E:], d.Checksum)
	if size >= 64 {
		le.PutUint32(b[0x20:], uint32(d.BlockBitmap>>32))
		le.PutUint32(b[0x24:], uint32(d.InodeBitmap>>32))
		le.PutUint32(b[0x28:], uint32(d.InodeTable>>32))
		le.PutUint16(b[0x2C:], uint16(d.FreeBlocks>>16))
		le.PutUint16(b[0x2E:], uint16(d.FreeInodes>>16))
		le.PutUint16(b[0x30:], uint16(d.UsedDirs>>16))
		le.PutUint16(b[0x32:], uint16(d.ItableUnused>>16))
		le.PutUint32(b[0x34:], uint32(d.ExcludeBitmap>>32))
		le.PutUint16(b[0x38:], uint16(d.BlockBitmapCsum>>16))
		le.PutUint16(b[0x3A:], uint16(d.InodeBitmapCsum>>16))
	}
}

// GroupDescChecksum computes bg_checksum of the encoded descriptor b
// (size bytes) of group g: crc32c (low 16 bits) with metadata_csum, crc16
// with uninit_bg, 0 otherwise.
func (s *Superblock) GroupDescChecksum(g uint64, b []byte) uint16 {
	size := s.DescriptorSize()
	if uint32(len(b)) < size {
		return 0
	}
	b = b[:size]
	switch {
	case s.HasMetadataCsum():
		c := crc32cU32(s.CsumSeed(), uint32(g))
		c = Crc32c(c, b[:0x1E])
		c = Crc32c(c, []byte{0, 0})
		c = Crc32c(c, b[0x20:])
		return uint16(c)
	case s.HasGdtCsum():
		var gb [4]byte
		le.PutUint32(gb[:], uint32(g))
		c := Crc16(0xFFFF, s.UUID[:])
		c = Crc16(c, gb[:])
		c = Crc16(c, b[:0x1E])
		if size > 0x20 {
			c = Crc16(c, b[0x20:])
		}
		return c
	}
	return 0
}

// BlockBitmapChecksum is the crc32c of a block bitmap (the bits of one
// group's clusters).
func (s *Superblock) BlockBitmapChecksum(bitmap []byte) uint32 {
	n := s.ClustersPerGroup / 8
	if n > uint32(len(bitmap)) {
		n = uint32(len(bitmap))
	}
	return Crc32c(s.CsumSeed(), bitmap[:n])
}

// InodeBitmapChecksum is the crc32c of an inode bitmap.
func (s *Superblock) InodeBitmapChecksum(bitmap []byte) uint32 {
	n := s.InodesPerGroup / 8
	if n > uint32(len(bitmap)) {
		n = uint32(len(bitmap))
	}
	return Crc32c(s.CsumSeed(), bitmap[:n])
}

// SetBitmapChecksums stores the bitmap checksums in d, keeping only the
// low 16 bits when the descriptor has no room for the high ones.
func (s *Superblock) SetBitmapChecksums(d *GroupDesc, blockBitmap, inodeBitmap []byte) {
	if !s.HasMetadataCsum() {
		return
	}
	mask := uint32(0xFFFF)
	if s.DescriptorSize() >= 64 {
		mask = 0xFFFFFFFF
	}
	if blockBitmap != nil {
		d.BlockBitmapCsum = s.BlockBitmapChecksum(blockBitmap) & mask
	}
	if inodeBitmap != nil {
		d.InodeBitmapCsum = s.InodeBitmapChecksum(inodeBitmap) & mask
	}
}

// VerifyBitmapChecksums checks what SetBitmapChecksums stores; a nil
// bitmap is not checked.
func (s *Superblock) VerifyBitmapChecksums(d *GroupDesc, blockBitmap, inodeBitmap []byte) (blockOK, inodeOK bool) {
	if !s.HasMetadataCsum() {
		return true, true
	}
	mask := uint32(0xFFFF)
	if s.DescriptorSize() >= 64 {
		mask = 0xFFFFFFFF
	}
	blockOK = blockBitmap == nil || s.BlockBitmapChecksum(blockBitmap)&mask == d.BlockBitmapCsum
	inodeOK = inodeBitmap == nil || s.InodeBitmapChecksum(inodeBitmap)&mask == d.InodeBitmapCsum
	return
}
