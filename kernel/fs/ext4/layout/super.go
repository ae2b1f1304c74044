package layout

import (
	"fmt"
	"math/bits"
	"strings"
)

// Superblock constants.
const (
	SuperOffset = 1024 // byte offset of the primary superblock
	SuperSize   = 1024
	Magic       = 0xEF53

	StateValid  = 0x0001 // cleanly unmounted
	StateError  = 0x0002
	StateOrphan = 0x0004

	RootIno    = 2
	ResizeIno  = 7
	JournalIno = 8

	FlagSignedHash   = 0x1 // s_flags
	FlagUnsignedHash = 0x2

	ChecksumCrc32c = 1
)

// Compatible features (s_feature_compat).
const (
	CompatDirPrealloc  = 0x1
	CompatImagicInodes = 0x2
	CompatHasJournal   = 0x4
	CompatExtAttr      = 0x8
	CompatResizeInode  = 0x10
	CompatDirIndex     = 0x20
	CompatLazyBG       = 0x40
	CompatExcludeBmap  = 0x100
	CompatSparseSuper2 = 0x200
	CompatFastCommit   = 0x400
	CompatStableInodes = 0x800
	CompatOrphanFile   = 0x1000
)

// Incompatible features (s_feature_incompat).
const (
	IncompatCompression = 0x1
	IncompatFiletype    = 0x2
	IncompatRecover     = 0x4
	IncompatJournalDev  = 0x8
	IncompatMetaBG      = 0x10
	IncompatExtents     = 0x40
	Incompat64bit       = 0x80
	IncompatMMP         = 0x100
	IncompatFlexBG      = 0x200
	IncompatEAInode     = 0x400
	IncompatDirData     = 0x1000
	IncompatCsumSeed    = 0x2000
	IncompatLargeDir    = 0x4000
	IncompatInlineData  = 0x8000
	IncompatEncrypt     = 0x10000
	IncompatCasefold    = 0x20000
)

// Read-only compatible features (s_feature_ro_compat).
const (
	RoCompatSparseSuper   = 0x1
	RoCompatLargeFile     = 0x2
	RoCompatBtreeDir      = 0x4
	RoCompatHugeFile      = 0x8
	RoCompatGdtCsum       = 0x10
	RoCompatDirNlink      = 0x20
	RoCompatExtraIsize    = 0x40
	RoCompatHasSnapshot   = 0x80
	RoCompatQuota         = 0x100
	RoCompatBigalloc      = 0x200
	RoCompatMetadataCsum  = 0x400
	RoCompatReplica       = 0x800
	RoCompatReadonly      = 0x1000
	RoCompatProject       = 0x2000
	RoCompatSharedBlocks  = 0x4000
	RoCompatVerity        = 0x8000
	RoCompatOrphanPresent = 0x10000
)

var incompatNames = map[uint32]string{
	IncompatCompression: "compression", IncompatFiletype: "filetype", IncompatRecover: "needs_recovery",
	IncompatJournalDev: "journal_dev", IncompatMetaBG: "meta_bg", IncompatExtents: "extent",
	Incompat64bit: "64bit", IncompatMMP: "mmp", IncompatFlexBG: "flex_bg", IncompatEAInode: "ea_inode",
	IncompatDirData: "dirdata", IncompatCsumSeed: "metadata_csum_seed", IncompatLargeDir: "large_dir",
	IncompatInlineData: "inline_data", IncompatEncrypt: "encrypt", IncompatCasefold: "casefold",
}

var roCompatNames = map[uint32]string{
	RoCompatSparseSuper: "sparse_super", RoCompatLargeFile: "large_file", RoCompatBtreeDir: "btree_dir",
	RoCompatHugeFile: "huge_file", RoCompatGdtCsum: "uninit_bg", RoCompatDirNlink: "dir_nlink",
	RoCompatExtraIsize: "extra_isize", RoCompatHasSnapshot: "snapshot", RoCompatQuota: "quota",
	RoCompatBigalloc: "bigalloc", RoCompatMetadataCsum: "metadata_csum", RoCompatReplica: "replica",
	RoCompatReadonly: "read-only", RoCompatProject: "project", RoCompatSharedBlocks: "shared_blocks",
	RoCompatVerity: "verity", RoCompatOrphanPresent: "orphan_present",
}

// FeatureNames names the bits of mask, using incompat (true) or ro_compat
// (false) names; unknown bits print as FEATURE_I<n> / FEATURE_R<n> like
// e2fsprogs.
func FeatureNames(mask uint32, incompat bool) string {
	var out []string
	for mask != 0 {
		b := uint32(1) << bits.TrailingZeros32(mask)
		mask &^= b
		names, prefix := roCompatNames, "FEATURE_R"
		if incompat {
			names, prefix = incompatNames, "FEATURE_I"
		}
		if n, ok := names[b]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("%s%d", prefix, bits.TrailingZeros32(b)))
		}
	}
	return strings.Join(out, " ")
}

// Superblock is the decoded ext4 superblock. Raw keeps all 1024 bytes so
// fields this package does not name survive Encode.
type Superblock struct {
	Raw [SuperSize]byte

	InodesCount       uint32
	BlocksCount       uint64
	RBlocksCount      uint64
	FreeBlocksCount   uint64
	FreeInodesCount   uint32
	FirstDataBlock    uint32
	LogBlockSize      uint32
	LogClusterSize    uint32
	BlocksPerGroup    uint32
	ClustersPerGroup  uint32
	InodesPerGroup    uint32
	Mtime, Wtime      uint32
	MntCount          uint16
	MaxMntCount       uint16
	Magic             uint16
	State             uint16
	Errors            uint16
	RevLevel          uint32
	FirstIno          uint32
	InodeSize         uint16
	FeatureCompat     uint32
	FeatureIncompat   uint32
	FeatureRoCompat   uint32
	UUID              [16]byte
	VolumeName        [16]byte
	ReservedGdtBlocks uint16
	JournalUUID       [16]byte
	JournalInum       uint32
	JournalDev        uint32
	LastOrphan        uint32
	HashSeed          [4]uint32
	DefHashVersion    uint8
	DescSize          uint16
	FirstMetaBG       uint32
	MinExtraIsize     uint16
	WantExtraIsize    uint16
	Flags             uint32
	LogGroupsPerFlex  uint8
	ChecksumType      uint8
	KbytesWritten     uint64
	ChecksumSeed      uint32
	Checksum          uint32
}

// DecodeSuperblock parses the 1024 bytes of a superblock. It checks the
// magic and that the geometry is usable (sizes in range, no division by
// zero later); it does not check features or the checksum.
func DecodeSuperblock(b []byte) (*Superblock, error) {
	if len(b) < SuperSize {
		return nil, corrupt("superblock: %d bytes", len(b))
	}
	s := &Superblock{}
	copy(s.Raw[:], b)
	r := s.Raw[:]
	s.InodesCount = le.Uint32(r[0x0:])
	s.BlocksCount = uint64(le.Uint32(r[0x4:]))
	s.RBlocksCount = uint64(le.Uint32(r[0x8:]))
	s.FreeBlocksCount = uint64(le.Uint32(r[0xC:]))
	s.FreeInodesCount = le.Uint32(r[0x10:])
	s.FirstDataBlock = le.Uint32(r[0x14:])
	s.LogBlockSize = le.Uint32(r[0x18:])
	s.LogClusterSize = le.Uint32(r[0x1C:])
	s.BlocksPerGroup = le.Uint32(r[0x20:])
	s.ClustersPerGroup = le.Uint32(r[0x24:])
	s.InodesPerGroup = le.Uint32(r[0x28:])
	s.Mtime = le.Uint32(r[0x2C:])
	s.Wtime = le.Uint32(r[0x30:])
	s.MntCount = le.Uint16(r[0x34:])
	s.MaxMntCount = le.Uint16(r[0x36:])
	s.Magic = le.Uint16(r[0x38:])
	s.State = le.Uint16(r[0x3A:])
	s.Errors = le.Uint16(r[0x3C:])
	s.RevLevel = le.Uint32(r[0x4C:])
	s.FirstIno = le.Uint32(r[0x54:])
	s.InodeSize = le.Uint16(r[0x58:])
	s.FeatureCompat = le.Uint32(r[0x5C:])
	s.FeatureIncompat = le.Uint32(r[0x60:])
	s.FeatureRoCompat = le.Uint32(r[0x64:])
	copy(s.UUID[:], r[0x68:])
	copy(s.VolumeName[:], r[0x78:])
	s.ReservedGdtBlocks = le.Uint16(r[0xCE:])
	copy(s.JournalUUID[:], r[0xD0:])
	s.JournalInum = le.Uint32(r[0xE0:])
	s.JournalDev = le.Uint32(r[0xE4:])
	s.LastOrphan = le.Uint32(r[0xE8:])
	for i := range s.HashSeed {
		s.HashSeed[i] = le.Uint32(r[0xEC+4*i:])
	}
	s.DefHashVersion = r[0xFC]
	s.DescSize = le.Uint16(r[0xFE:])
	s.FirstMetaBG = le.Uint32(r[0x104:])
	s.MinExtraIsize = le.Uint16(r[0x15C:])
	s.WantExtraIsize = le.Uint16(r[0x15E:])
	s.Flags = le.Uint32(r[0x160:])
	s.LogGroupsPerFlex = r[0x174]
	s.ChecksumType = r[0x175]
	s.KbytesWritten = le.Uint64(r[0x178:])
	s.ChecksumSeed = le.Uint32(r[0x270:])
	s.Checksum = le.Uint32(r[0x3FC:])
	if s.Is64() {
		s.BlocksCount |= uint64(le.Uint32(r[0x150:])) << 32
		s.RBlocksCount |= uint64(le.Uint32(r[0x154:])) << 32
		s.FreeBlocksCount |= uint64(le.Uint32(r[0x158:])) << 32
	}
	if s.Magic != Magic {
		return nil, corrupt("superblock: bad magic %#x", s.Magic)
	}
	if s.LogBlockSize > 6 { // 1 KiB .. 64 KiB
		return nil, corrupt("superblock: block size 2^%d KiB", s.LogBlockSize)
	}
	bs := s.BlockSize()
	if s.BlocksPerGroup == 0 || s.BlocksPerGroup > 8*bs {
		return nil, corrupt("superblock: %d blocks per group", s.BlocksPerGroup)
	}
	if s.InodesPerGroup == 0 || s.InodesPerGroup > 8*bs {
		return nil, corrupt("superblock: %d inodes per group", s.InodesPerGroup)
	}
	if s.RevLevel == 0 {
		s.InodeSize = 128
		s.FirstIno = 11
	}
	if s.InodeSize < 128 || uint32(s.InodeSize) > bs || s.InodeSize&(s.InodeSize-1) != 0 {
		return nil, corrupt("superblock: inode size %d", s.InodeSize)
	}
	if s.BlocksCount <= uint64(s.FirstDataBlock) {
		return nil, corrupt("superblock: %d blocks, first data block %d", s.BlocksCount, s.FirstDataBlock)
	}
	if (bs == 1024) != (s.FirstDataBlock == 1) {
		return nil, corrupt("superblock: first data block %d with %d-byte blocks", s.FirstDataBlock, bs)
	}
	if s.Is64() && (s.DescSize < 64 || s.DescSize > 1024 || s.DescSize&(s.DescSize-1) != 0) {
		return nil, corrupt("superblock: descriptor size %d", s.DescSize)
	}
	groups := s.GroupCount()
	if uint64(s.InodesPerGroup)*groups != uint64(s.InodesCount) {
		return nil, corrupt("superblock: %d inodes != %d groups * %d", s.InodesCount, groups, s.InodesPerGroup)
	}
	if s.FirstIno < 11 || s.FirstIno >= s.InodesCount {
		return nil, corrupt("superblock: first inode %d", s.FirstIno)
	}
	return s, nil
}

// Encode writes the named fields back into Raw and returns it (the
// checksum is not recomputed: call SetChecksum).
func (s *Superblock) Encode() []byte {
	r := s.Raw[:]
	le.PutUint32(r[0x0:], s.InodesCount)
	le.PutUint32(r[0x4:], uint32(s.BlocksCount))
	le.PutUint32(r[0x8:], uint32(s.RBlocksCount))
	le.PutUint32(r[0xC:], uint32(s.FreeBlocksCount))
	le.PutUint32(r[0x10:], s.FreeInodesCount)
	le.PutUint32(r[0x2C:], s.Mtime)
	le.PutUint32(r[0x30:], s.Wtime)
	le.PutUint16(r[0x34:], s.MntCount)
	le.PutUint16(r[0x3A:], s.State)
	le.PutUint32(r[0x5C:], s.FeatureCompat)
	le.PutUint32(r[0x60:], s.FeatureIncompat)
	le.PutUint32(r[0x64:], s.FeatureRoCompat)
	le.PutUint32(r[0xE8:], s.LastOrphan)
	le.PutUint64(r[0x178:], s.KbytesWritten)
	if s.Is64() {
		le.PutUint32(r[0x150:], uint32(s.BlocksCount>>32))
		le.PutUint32(r[0x154:], uint32(s.RBlocksCount>>32))
		le.PutUint32(r[0x158:], uint32(s.FreeBlocksCount>>32))
	}
	le.PutUint32(r[0x3FC:], s.Checksum)
	return r
}

// Is64 reports the 64bit feature.
func (s *Superblock) Is64() bool { return s.FeatureIncompat&Incompat64bit != 0 }

// HasMetadataCsum reports the metadata_csum feature.
func (s *Superblock) HasMetadataCsum() bool { return s.FeatureRoCompat&RoCompatMetadataCsum != 0 }

// HasGdtCsum reports the older uninit_bg (crc16 descriptors) feature
// without metadata_csum.
func (s *Superblock) HasGdtCsum() bool {
	return s.FeatureRoCompat&RoCompatGdtCsum != 0 && !s.HasMetadataCsum()
}

// BlockSize is the filesystem block size in bytes.
func (s *Superblock) BlockSize() uint32 { return 1024 << s.LogBlockSize }

// DescriptorSize is the size of one group descriptor.
func (s *Superblock) DescriptorSize() uint32 {
	if s.Is64() {
		return uint32(s.DescSize)
	}
	return 32
}

// GroupCount is the number of block groups.
func (s *Superblock) GroupCount() uint64 {
	n := s.BlocksCount - uint64(s.FirstDataBlock)
	return (n + uint64(s.BlocksPerGroup) - 1) / uint64(s.BlocksPerGroup)
}

// CsumSeed is the seed of every metadata checksum: crc32c of the UUID, or
// s_checksum_seed with the metadata_csum_seed feature.
func (s *Superblock) CsumSeed() uint32 {
	if s.FeatureIncompat&IncompatCsumSeed != 0 {
		return s.ChecksumSeed
	}
	return Crc32c(^uint32(0), s.UUID[:])
}

// ComputeChecksum returns the crc32c of the superblock as Encode would
// write it.
func (s *Superblock) ComputeChecksum() uint32 {
	r := s.Encode()
	return Crc32c(^uint32(0), r[:0x3FC])
}

// SetChecksum encodes the fields and stores the checksum.
func (s *Superblock) SetChecksum() {
	if s.HasMetadataCsum() {
		s.Checksum = s.ComputeChecksum()
	}
	s.Encode()
}

// VerifyChecksum reports whether the stored checksum matches (true
// without metadata_csum).
func (s *Superblock) VerifyChecksum() bool {
	if !s.HasMetadataCsum() {
		return true
	}
	return Crc32c(^uint32(0), s.Raw[:0x3FC]) == le.Uint32(s.Raw[0x3FC:])
}

// GroupHasSuper reports whether group g holds a superblock backup (and
// group descriptor copy): every group without sparse_super, else 0, 1 and
// powers of 3, 5 and 7.
func (s *Superblock) GroupHasSuper(g uint64) bool {
	if s.FeatureCompat&CompatSparseSuper2 != 0 {
		b0, b1 := le.Uint32(s.Raw[0x24C:]), le.Uint32(s.Raw[0x250:])
		return g == 0 || g == uint64(b0) || g == uint64(b1)
	}
	if g <= 1 || s.FeatureRoCompat&RoCompatSparseSuper == 0 {
		return true
	}
	if g&1 == 0 {
		return false
	}
	for _, p := range []uint64{3, 5, 7} {
		x := p
		for x < g {
			x *= p
		}
		if x == g {
			return true
		}
	}
	return false
}

// GroupFirstBlock is the first block of group g.
func (s *Superblock) GroupFirstBlock(g uint64) uint64 {
	return uint64(s.FirstDataBlock) + g*uint64(s.BlocksPerGroup)
}

// GroupBlocks is the number of blocks in group g (the last may be short).
func (s *Superblock) GroupBlocks(g uint64) uint32 {
	start := s.GroupFirstBlock(g)
	if start+uint64(s.BlocksPerGroup) > s.BlocksCount {
		return uint32(s.BlocksCount - start)
	}
	return s.BlocksPerGroup
}

// GdtBlocks is the number of blocks the group descriptor table occupies.
func (s *Superblock) GdtBlocks() uint64 {
	per := uint64(s.BlockSize() / s.DescriptorSize())
	return (s.GroupCount() + per - 1) / per
}

// GroupDescLocation returns the block and byte offset within it of group
// g's descriptor in the primary table (meta_bg not supported: callers
// refuse it).
func (s *Superblock) GroupDescLocation(g uint64) (block uint64, off uint32) {
	per := uint64(s.BlockSize() / s.DescriptorSize())
	return uint64(s.FirstDataBlock) + 1 + g/per, uint32(g%per) * s.DescriptorSize()
}

// BaseMetaBlocks is the number of blocks at the start of group g used by
// the superblock backup, the descriptor table and its reserved growth
// blocks (0 in groups without a backup).
func (s *Superblock) BaseMetaBlocks(g uint64) uint64 {
	if !s.GroupHasSuper(g) {
		return 0
	}
	n := 1 + s.GdtBlocks()
	if s.FeatureCompat&CompatResizeInode != 0 {
		n += uint64(s.ReservedGdtBlocks)
	}
	return n
}

// FlexGroups is the number of groups in a flex group (1 without flex_bg).
func (s *Superblock) FlexGroups() uint64 {
	if s.FeatureIncompat&IncompatFlexBG == 0 || s.LogGroupsPerFlex > 31 {
		return 1
	}
	return 1 << s.LogGroupsPerFlex
}
