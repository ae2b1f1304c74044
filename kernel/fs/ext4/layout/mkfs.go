package layout

import "fmt"

// Making a filesystem: the geometry and superblock that bookworm's
// `mke2fs -t ext4` (e2fsprogs 1.47, /etc/mke2fs.conf's "default" usage
// type) gives a device of a given size with 4 KiB blocks, so an image
// writer and the kernel agree with mke2fs and with each other on where
// every group's metadata lives.

// mke2fs defaults for ext4 (mke2fs.conf [defaults] and [fs_types] ext4).
const (
	MkfsBlockSize        = 4096
	MkfsInodeSize        = 256
	MkfsInodeRatio       = 16384 // bytes per inode
	MkfsExtraIsize       = 32
	MkfsLogGroupsPerFlex = 4
	MkfsReservedPercent  = 5
	MkfsDescSize         = 64

	MkfsCompat   = CompatHasJournal | CompatExtAttr | CompatResizeInode | CompatDirIndex
	MkfsIncompat = IncompatFiletype | IncompatExtents | Incompat64bit | IncompatFlexBG
	MkfsRoCompat = RoCompatSparseSuper | RoCompatLargeFile | RoCompatHugeFile | RoCompatDirNlink |
		RoCompatExtraIsize | RoCompatMetadataCsum

	// Default mount options (s_default_mount_opts): user_xattr, acl.
	DefmXattrUser = 0x4
	DefmACL       = 0x8

	// JnlBackupBlocks says s_jnl_blocks holds a copy of the journal
	// inode's i_block and size.
	JnlBackupBlocks = 1

	// ErrorsContinue is s_errors' "continue" behaviour.
	ErrorsContinue = 1
)

// MkfsParams is what a new filesystem is made from.
type MkfsParams struct {
	Blocks    uint64 // size in MkfsBlockSize blocks
	MinInodes uint32 // at least this many inodes (0: one per MkfsInodeRatio bytes only)
	UUID      [16]byte
	HashSeed  [16]byte
	Label     string
	Time      int64 // creation, write and check time (seconds)
}

// DefaultJournalBlocks is the journal length mke2fs gives a filesystem of
// the given number of blocks (ext2fs_default_journal_size), 0 for one too
// small to hold a journal.
func DefaultJournalBlocks(blocks uint64) uint32 {
	switch {
	case blocks < 2048:
		return 0
	case blocks < 32768:
		return 1024
	case blocks < 256*1024:
		return 4096
	case blocks < 512*1024:
		return 8192
	case blocks < 4096*1024:
		return 16384
	case blocks < 8192*1024:
		return 32768
	case blocks < 16384*1024:
		return 65536
	case blocks < 32768*1024:
		return 131072
	}
	return 262144
}

// reservedGdtBlocks is how many descriptor blocks mke2fs reserves for
// online growth: enough for 1024 times the size (at most 2^32 blocks),
// capped at one block of addresses.
func reservedGdtBlocks(blocks uint64, bpg, bs, descSize uint32, descBlocks uint64) uint64 {
	maxBlocks := uint64(0xFFFFFFFF)
	if blocks < maxBlocks/1024 {
		maxBlocks = blocks * 1024
	}
	groups := (maxBlocks + uint64(bpg) - 1) / uint64(bpg)
	perBlock := uint64(bs / descSize)
	n := (groups+perBlock-1)/perBlock - descBlocks
	if n > uint64(bs/4) {
		n = uint64(bs / 4)
	}
	return n
}

// MkfsMinBlocks is the smallest size Mkfs accepts: room for a journal and
// one group's metadata.
const MkfsMinBlocks = 4096

// Mkfs returns the superblock mke2fs -t ext4 writes for p: block and inode
// counts, groups, flex_bg, reserved GDT blocks, features, 5% reserved
// blocks, the journal inode, hash and checksum settings. Free counts are
// the caller's to fill (they depend on what it stores). A last group too
// small to hold its metadata and 50 blocks is dropped, as mke2fs does.
func Mkfs(p MkfsParams) (*Superblock, error) {
	if p.Blocks < MkfsMinBlocks || p.Blocks > 1<<48 {
		return nil, fmt.Errorf("ext4: mkfs: %d blocks (want %d to 2^48)", p.Blocks, MkfsMinBlocks)
	}
	if len(p.Label) > 16 {
		return nil, fmt.Errorf("ext4: mkfs: label %q longer than 16 bytes", p.Label)
	}
	s := &Superblock{
		BlocksCount: p.Blocks, LogBlockSize: 2, LogClusterSize: 2,
		BlocksPerGroup: 8 * MkfsBlockSize, ClustersPerGroup: 8 * MkfsBlockSize,
		Wtime: uint32(p.Time), MaxMntCount: 0xFFFF, Magic: Magic, State: StateValid,
		Errors: ErrorsContinue, RevLevel: 1, FirstIno: 11, InodeSize: MkfsInodeSize,
		FeatureCompat: MkfsCompat, FeatureIncompat: MkfsIncompat, FeatureRoCompat: MkfsRoCompat,
		UUID: p.UUID, JournalInum: JournalIno, DefHashVersion: HashHalfMD4, DescSize: MkfsDescSize,
		MinExtraIsize: MkfsExtraIsize, WantExtraIsize: MkfsExtraIsize, Flags: FlagSignedHash,
		LogGroupsPerFlex: MkfsLogGroupsPerFlex, ChecksumType: ChecksumCrc32c,
	}
	copy(s.VolumeName[:], p.Label)
	for i := range s.HashSeed {
		s.HashSeed[i] = le.Uint32(p.HashSeed[4*i:])
	}
	bs := uint64(MkfsBlockSize)
	for {
		groups := s.GroupCount()
		inodes := max(s.BlocksCount*bs/MkfsInodeRatio, uint64(p.MinInodes))
		ipg := (inodes + groups - 1) / groups
		ipg = min(max(ipg, 16), 8*bs)
		// Whole inode-table blocks, then a multiple of 8 (as mke2fs).
		itb := (ipg*MkfsInodeSize + bs - 1) / bs
		ipg = itb * bs / MkfsInodeSize &^ 7
		if ipg*groups > 0xFFFFFFFF {
			return nil, fmt.Errorf("ext4: mkfs: %d inodes do not fit in 32 bits", ipg*groups)
		}
		s.InodesPerGroup = uint32(ipg)
		s.InodesCount = uint32(ipg * groups)
		descBlocks := (groups + bs/MkfsDescSize - 1) / (bs / MkfsDescSize)
		s.ReservedGdtBlocks = uint16(reservedGdtBlocks(s.BlocksCount, s.BlocksPerGroup, MkfsBlockSize, MkfsDescSize, descBlocks))
		last := groups - 1
		rem := s.GroupBlocks(last)
		overhead := s.BaseMetaBlocks(last) + 2 + itb
		if groups > 1 && uint64(rem) < overhead+50 {
			s.BlocksCount -= uint64(rem)
			continue
		}
		break
	}
	s.RBlocksCount = s.BlocksCount * MkfsReservedPercent / 100
	s.Raw = [SuperSize]byte{}
	r := s.Raw[:]
	s.Encode()
	le.PutUint32(r[0x14:], s.FirstDataBlock)
	le.PutUint32(r[0x18:], s.LogBlockSize)
	le.PutUint32(r[0x1C:], s.LogClusterSize)
	le.PutUint32(r[0x20:], s.BlocksPerGroup)
	le.PutUint32(r[0x24:], s.ClustersPerGroup)
	le.PutUint32(r[0x28:], s.InodesPerGroup)
	le.PutUint16(r[0x36:], s.MaxMntCount)
	le.PutUint16(r[0x38:], s.Magic)
	le.PutUint16(r[0x3C:], s.Errors)
	le.PutUint32(r[0x40:], uint32(p.Time)) // last check
	le.PutUint32(r[0x4C:], s.RevLevel)
	le.PutUint32(r[0x54:], s.FirstIno)
	le.PutUint16(r[0x58:], s.InodeSize)
	copy(r[0x68:], s.UUID[:])
	copy(r[0x78:], s.VolumeName[:])
	le.PutUint16(r[0xCE:], s.ReservedGdtBlocks)
	le.PutUint32(r[0xE0:], s.JournalInum)
	copy(r[0xEC:], p.HashSeed[:])
	r[0xFC] = s.DefHashVersion
	le.PutUint16(r[0xFE:], s.DescSize)
	le.PutUint32(r[0x100:], DefmXattrUser|DefmACL)
	le.PutUint32(r[0x108:], uint32(p.Time)) // mkfs time
	le.PutUint16(r[0x15C:], s.MinExtraIsize)
	le.PutUint16(r[0x15E:], s.WantExtraIsize)
	le.PutUint32(r[0x160:], s.Flags)
	r[0x174] = s.LogGroupsPerFlex
	r[0x175] = s.ChecksumType
	return s, nil
}

// InodeTableBlocks is the number of blocks of one group's inode table.
func (s *Superblock) InodeTableBlocks() uint64 {
	bs := uint64(s.BlockSize())
	return (uint64(s.InodesPerGroup)*uint64(s.InodeSize) + bs - 1) / bs
}

// MkfsTables returns where mke2fs puts group g's block bitmap, inode
// bitmap and inode table with flex_bg: each flex group's bitmaps and
// tables are packed at the start of its first group, after that group's
// superblock backup and descriptor blocks: the block bitmaps, then the
// inode bitmaps, then the inode tables, each in group order. Each kind
// takes as many slots as the flex group has groups, except that a flex
// group of one group still spaces them a whole flex group apart
// (ext2fs_allocate_group_table's table_offset).
func (s *Superblock) MkfsTables(g uint64) (blockBitmap, inodeBitmap, inodeTable uint64) {
	flex := s.FlexGroups()
	lead := g &^ (flex - 1)
	n := min(flex, s.GroupCount()-lead)
	step := n
	if n == 1 {
		step = flex
	}
	start := s.GroupFirstBlock(lead) + s.BaseMetaBlocks(lead)
	i := g - lead
	return start + i, start + step + i, start + 2*step + i*s.InodeTableBlocks()
}

// MetadataBlocks is the number of blocks of the base metadata of every
// group (superblock copies, descriptor tables, reserved descriptor
// blocks) plus all bitmaps and inode tables: s_overhead_clusters without
// the journal.
func (s *Superblock) MetadataBlocks() uint64 {
	n := uint64(s.FirstDataBlock)
	for g := uint64(0); g < s.GroupCount(); g++ {
		n += s.BaseMetaBlocks(g) + 2 + s.InodeTableBlocks()
	}
	return n
}

// SetOverhead stores s_overhead_clusters.
func (s *Superblock) SetOverhead(blocks uint64) { le.PutUint32(s.Raw[0x248:], uint32(blocks)) }

// Overhead is s_overhead_clusters (0 when the superblock does not record
// it).
func (s *Superblock) Overhead() uint64 { return uint64(le.Uint32(s.Raw[0x248:])) }

// SetJournalBackup stores the copy of the journal inode's i_block and size
// that s_jnl_blocks keeps (as mke2fs and e2fsck do).
func (s *Superblock) SetJournalBackup(iblock [60]byte, size uint64) {
	r := s.Raw[:]
	copy(r[0x10C:0x10C+60], iblock[:])
	le.PutUint32(r[0x10C+60:], uint32(size>>32))
	le.PutUint32(r[0x10C+64:], uint32(size))
	r[0xFD] = JnlBackupBlocks
}

// SetKbytesWritten stores s_kbytes_written.
func (s *Superblock) SetKbytesWritten(kb uint64) {
	s.KbytesWritten = kb
	le.PutUint64(s.Raw[0x178:], kb)
}

// InitBlockBitmap fills b (one block) with the block bitmap of group g as
// an uninitialised (BLOCK_UNINIT) group has it: its base metadata, the
// bitmaps and inode tables of any group (descs) that live in it, and the
// bits past the group's end.
func (s *Superblock) InitBlockBitmap(g uint64, descs []GroupDesc, b []byte) {
	clear(b)
	start := s.GroupFirstBlock(g)
	nblocks := uint64(s.GroupBlocks(g))
	for i := uint64(0); i < s.BaseMetaBlocks(g); i++ {
		SetBit(b, i)
	}
	mark := func(blk, n uint64) {
		for i := uint64(0); i < n; i++ {
			if x := blk + i; x >= start && x < start+nblocks {
				SetBit(b, x-start)
			}
		}
	}
	it := s.InodeTableBlocks()
	for h := range descs {
		d := &descs[h]
		mark(d.BlockBitmap, 1)
		mark(d.InodeBitmap, 1)
		mark(d.InodeTable, it)
	}
	for i := nblocks; i < uint64(len(b))*8; i++ {
		SetBit(b, i)
	}
}

// SetBit, ClearBit and TestBit address bit i of a bitmap (bit 0 is the
// low bit of byte 0, as ext4 bitmaps are laid out).
func SetBit(b []byte, i uint64)       { b[i/8] |= 1 << (i % 8) }
func ClearBit(b []byte, i uint64)     { b[i/8] &^= 1 << (i % 8) }
func TestBit(b []byte, i uint64) bool { return b[i/8]&(1<<(i%8)) != 0 }

// ResizeInode lays out the resize inode (inode 7) of a filesystem with
// reserved descriptor blocks, as mke2fs: i_block's doubly-indirect slot
// names block dind, whose entries name the primary reserved descriptor
// blocks; each of those is an indirect block naming its copies in the
// backup groups. It returns i_block, i_size, the number of blocks the
// inode owns, and the contents of dind and of each primary reserved
// block (keyed by block number). The blocks themselves are already
// counted in BaseMetaBlocks.
func (s *Superblock) ResizeInode(dind uint64) (iblock [60]byte, size uint64, owned uint64, blocks map[uint64][]byte) {
	bs := uint64(s.BlockSize())
	apb := bs / 4
	blocks = map[uint64][]byte{}
	d := make([]byte, bs)
	blocks[dind] = d
	le.PutUint32(iblock[13*4:], uint32(dind)) // EXT2_DIND_BLOCK
	owned = 1
	gdt := s.GdtBlocks()
	for j := uint64(0); j < uint64(s.ReservedGdtBlocks); j++ {
		pblk := uint64(s.FirstDataBlock) + 1 + gdt + j
		le.PutUint32(d[((gdt+j)%apb)*4:], uint32(pblk))
		owned++
		ind := make([]byte, bs)
		last := 0
		for g := uint64(1); g < s.GroupCount(); g++ {
			if !s.GroupHasSuper(g) {
				continue
			}
			le.PutUint32(ind[last*4:], uint32(pblk+g*uint64(s.BlocksPerGroup)))
			last++
			owned++
		}
		blocks[pblk] = ind
	}
	size = (apb*apb + apb + 12) * bs
	return iblock, size, owned, blocks
}
