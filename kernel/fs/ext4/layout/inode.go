package layout

// Inode flags (i_flags).
const (
	FlagSecrm      = 0x1
	FlagImmutable  = 0x10
	FlagAppend     = 0x20
	FlagIndex      = 0x1000   // hashed (htree) directory
	FlagHugeFile   = 0x40000  // i_blocks in filesystem blocks
	FlagExtents    = 0x80000  // i_block holds an extent tree
	FlagEAInode    = 0x200000 // inode holds a large xattr value
	FlagInlineData = 0x10000000
)

// File types in i_mode.
const (
	ModeFmt  = 0xF000
	ModeFIFO = 0x1000
	ModeChr  = 0x2000
	ModeDir  = 0x4000
	ModeBlk  = 0x6000
	ModeReg  = 0x8000
	ModeLnk  = 0xA000
	ModeSock = 0xC000
)

// GoodOldInodeSize is the size of the original inode; the extra fields
// follow it when the inode size is larger.
const GoodOldInodeSize = 128

// Timestamp is an inode time: seconds since the epoch (34 bits with the
// extra field) and nanoseconds.
type Timestamp struct {
	Sec  int64
	Nsec uint32
}

// Inode is a decoded on-disk inode. Raw holds the whole inode (the size
// from the superblock), so unnamed fields survive Encode.
type Inode struct {
	Raw []byte

	Mode       uint16
	UID, GID   uint32
	Size       uint64
	Atime      Timestamp
	Ctime      Timestamp
	Mtime      Timestamp
	Crtime     Timestamp
	Dtime      uint32
	LinksCount uint16
	Blocks     uint64 // raw i_blocks (48 bits): see BlocksIn512
	Flags      uint32
	Block      [60]byte // i_block: extent root, block map or symlink text
	Generation uint32
	FileACL    uint64 // xattr block
	ExtraIsize uint16
}

func decodeTime(lo uint32, extra uint32, hasExtra bool) Timestamp {
	t := Timestamp{Sec: int64(int32(lo))}
	if hasExtra {
		t.Sec += int64(extra&3) << 32
		t.Nsec = extra >> 2
		if t.Nsec >= 1e9 {
			t.Nsec = 0
		}
	}
	return t
}

func encodeTime(t Timestamp) (lo, extra uint32) {
	lo = uint32(t.Sec)
	epoch := uint32((t.Sec-int64(int32(lo)))>>32) & 3
	return lo, epoch | t.Nsec<<2
}

// hasField reports whether the extra area (i_extra_isize bytes after 128)
// holds the field ending at byte end.
func (in *Inode) hasField(end int) bool {
	return GoodOldInodeSize+int(in.ExtraIsize) >= end && len(in.Raw) >= end
}

// DecodeInode parses an inode of the given on-disk size (b may be
// longer; only size bytes are used and kept).
func DecodeInode(b []byte, size int) (*Inode, error) {
	if size < GoodOldInodeSize || len(b) < size {
		return nil, corrupt("inode: %d of %d bytes", len(b), size)
	}
	r := append([]byte(nil), b[:size]...)
	in := &Inode{Raw: r}
	in.Mode = le.Uint16(r[0x0:])
	in.UID = uint32(le.Uint16(r[0x2:])) | uint32(le.Uint16(r[0x78:]))<<16
	in.GID = uint32(le.Uint16(r[0x18:])) | uint32(le.Uint16(r[0x7A:]))<<16
	in.Size = uint64(le.Uint32(r[0x4:])) | uint64(le.Uint32(r[0x6C:]))<<32
	in.Dtime = le.Uint32(r[0x14:])
	in.LinksCount = le.Uint16(r[0x1A:])
	in.Blocks = uint64(le.Uint32(r[0x1C:])) | uint64(le.Uint16(r[0x74:]))<<32
	in.Flags = le.Uint32(r[0x20:])
	copy(in.Block[:], r[0x28:0x64])
	in.Generation = le.Uint32(r[0x64:])
	in.FileACL = uint64(le.Uint32(r[0x68:])) | uint64(le.Uint16(r[0x76:]))<<32
	if size > GoodOldInodeSize {
		in.ExtraIsize = le.Uint16(r[0x80:])
		if GoodOldInodeSize+int(in.ExtraIsize) > size || in.ExtraIsize&3 != 0 {
			return nil, corrupt("inode: extra size %d in a %d-byte inode", in.ExtraIsize, size)
		}
	}
	x := func(off int) (uint32, bool) {
		if in.hasField(off + 4) {
			return le.Uint32(r[off:]), true
		}
		return 0, false
	}
	e, ok := x(0x84)
	in.Ctime = decodeTime(le.Uint32(r[0xC:]), e, ok)
	e, ok = x(0x88)
	in.Mtime = decodeTime(le.Uint32(r[0x10:]), e, ok)
	e, ok = x(0x8C)
	in.Atime = decodeTime(le.Uint32(r[0x8:]), e, ok)
	if cr, ok := x(0x90); ok {
		e, ok = x(0x94)
		in.Crtime = decodeTime(cr, e, ok)
	}
	return in, nil
}

// Encode writes the named fields into Raw and returns it. The checksum
// is not updated: call SetChecksum.
func (in *Inode) Encode() []byte {
	r := in.Raw
	le.PutUint16(r[0x0:], in.Mode)
	le.PutUint16(r[0x2:], uint16(in.UID))
	le.PutUint16(r[0x78:], uint16(in.UID>>16))
	le.PutUint16(r[0x18:], uint16(in.GID))
	le.PutUint16(r[0x7A:], uint16(in.GID>>16))
	le.PutUint32(r[0x4:], uint32(in.Size))
	le.PutUint32(r[0x6C:], uint32(in.Size>>32))
	le.PutUint32(r[0x14:], in.Dtime)
	le.PutUint16(r[0x1A:], in.LinksCount)
	le.PutUint32(r[0x1C:], uint32(in.Blocks))
	le.PutUint16(r[0x74:], uint16(in.Blocks>>32))
	le.PutUint32(r[0x20:], in.Flags)
	copy(r[0x28:0x64], in.Block[:])
	le.PutUint32(r[0x64:], in.Generation)
	le.PutUint32(r[0x68:], uint32(in.FileACL))
	le.PutUint16(r[0x76:], uint16(in.FileACL>>32))
	if len(r) > GoodOldInodeSize {
		le.PutUint16(r[0x80:], in.ExtraIsize)
	}
	put := func(loOff, extraOff int, t Timestamp) {
		lo, extra := encodeTime(t)
		le.PutUint32(r[loOff:], lo)
		if in.hasField(extraOff + 4) {
			le.PutUint32(r[extraOff:], extra)
		}
	}
	put(0xC, 0x84, in.Ctime)
	put(0x10, 0x88, in.Mtime)
	put(0x8, 0x8C, in.Atime)
	if in.hasField(0x94) {
		lo, extra := encodeTime(in.Crtime)
		le.PutUint32(r[0x90:], lo)
		if in.hasField(0x98) {
			le.PutUint32(r[0x94:], extra)
		}
	}
	return r
}

// BlocksIn512 converts i_blocks to 512-byte units (huge files count in
// filesystem blocks).
func (in *Inode) BlocksIn512(s *Superblock) uint64 {
	if s.FeatureRoCompat&RoCompatHugeFile != 0 && in.Flags&FlagHugeFile != 0 {
		return in.Blocks * uint64(s.BlockSize()/512)
	}
	return in.Blocks
}

// InodeCsumSeed is the per-inode checksum seed (of inodes, extent blocks
// and directory blocks): crc32c of the inode number and generation.
func (s *Superblock) InodeCsumSeed(ino, gen uint32) uint32 {
	return crc32cU32(crc32cU32(s.CsumSeed(), ino), gen)
}

// InodeChecksum computes the crc32c of an encoded inode raw (all inode
// bytes) with its checksum fields taken as zero.
func (s *Superblock) InodeChecksum(ino uint32, raw []byte) uint32 {
	gen := le.Uint32(raw[0x64:])
	c := s.InodeCsumSeed(ino, gen)
	c = Crc32c(c, raw[:0x7C])
	c = Crc32c(c, []byte{0, 0})
	c = Crc32c(c, raw[0x7E:GoodOldInodeSize])
	if len(raw) > GoodOldInodeSize {
		extra := int(le.Uint16(raw[0x80:]))
		c = Crc32c(c, raw[GoodOldInodeSize:0x82])
		if GoodOldInodeSize+extra >= 0x84 {
			c = Crc32c(c, []byte{0, 0})
			c = Crc32c(c, raw[0x84:])
		} else {
			c = Crc32c(c, raw[0x82:])
		}
	}
	return c
}

func inodeHasCsumHi(raw []byte) bool {
	return len(raw) > GoodOldInodeSize && GoodOldInodeSize+int(le.Uint16(raw[0x80:])) >= 0x84
}

// SetInodeChecksum stores the checksum in an encoded inode.
func (s *Superblock) SetInodeChecksum(ino uint32, raw []byte) {
	if !s.HasMetadataCsum() {
		return
	}
	c := s.InodeChecksum(ino, raw)
	le.PutUint16(raw[0x7C:], uint16(c))
	if inodeHasCsumHi(raw) {
		le.PutUint16(raw[0x82:], uint16(c>>16))
	}
}

// VerifyInodeChecksum checks an encoded inode's checksum (true without
// metadata_csum).
func (s *Superblock) VerifyInodeChecksum(ino uint32, raw []byte) bool {
	if !s.HasMetadataCsum() || len(raw) < GoodOldInodeSize {
		return true
	}
	c := s.InodeChecksum(ino, raw)
	if uint16(c) != le.Uint16(raw[0x7C:]) {
		return false
	}
	return !inodeHasCsumHi(raw) || uint16(c>>16) == le.Uint16(raw[0x82:])
}

// InodeLocation returns the group of inode ino and its index there.
func (s *Superblock) InodeLocation(ino uint32) (group uint64, index uint32) {
	return uint64(ino-1) / uint64(s.InodesPerGroup), (ino - 1) % s.InodesPerGroup
}

// EncodeDev stores a device number in i_block as Linux does: the old
// 16-bit encoding in word 0 when major and minor fit in 8 bits, else the
// new encoding (12-bit major, 20-bit minor) in word 1.
func EncodeDev(b []byte, major, minor uint32) {
	clear(b[:12])
	if major < 256 && minor < 256 {
		le.PutUint32(b, major<<8|minor)
		return
	}
	le.PutUint32(b[4:], minor&0xFF|major<<8|(minor&^0xFF)<<12)
}

// DecodeDev reads a device number from i_block (either encoding).
func DecodeDev(b []byte) (major, minor uint32) {
	if old := le.Uint32(b); old != 0 {
		return old >> 8 & 0xFF, old & 0xFF
	}
	w := le.Uint32(b[4:])
	return w >> 8 & 0xFFF, w&0xFF | w>>12&0xFFF00
}

// Device numbers the new encoding holds.
const (
	MaxDevMajor = 1<<12 - 1
	MaxDevMinor = 1<<20 - 1
)
