package layout

import "encoding/binary"

var be = binary.BigEndian

// jbd2 constants (all jbd2 structures are big-endian).
const (
	JournalMagic = 0xC03B3998

	JBlockDescriptor = 1
	JBlockCommit     = 2
	JBlockSuperV1    = 3
	JBlockSuperV2    = 4
	JBlockRevoke     = 5

	JCompatChecksum      = 0x1
	JIncompatRevoke      = 0x1
	JIncompat64bit       = 0x2
	JIncompatAsyncCommit = 0x4
	JIncompatCsumV2      = 0x8
	JIncompatCsumV3      = 0x10
	JIncompatFastCommit  = 0x20

	JTagEscape   = 0x1
	JTagSameUUID = 0x2
	JTagDeleted  = 0x4
	JTagLast     = 0x8

	JournalHeaderSize = 12
)

// JournalHeader starts every journal metadata block.
type JournalHeader struct {
	Magic, BlockType, Sequence uint32
}

// DecodeJournalHeader parses a block header.
func DecodeJournalHeader(b []byte) (JournalHeader, bool) {
	if len(b) < JournalHeaderSize {
		return JournalHeader{}, false
	}
	h := JournalHeader{be.Uint32(b), be.Uint32(b[4:]), be.Uint32(b[8:])}
	return h, h.Magic == JournalMagic
}

// JournalSuper is the jbd2 superblock (the first block of the journal).
type JournalSuper struct {
	Raw             [1024]byte
	BlockType       uint32
	BlockSize       uint32
	MaxLen          uint32
	First           uint32
	Sequence        uint32
	Start           uint32
	Errno           int32
	FeatureCompat   uint32
	FeatureIncompat uint32
	FeatureRoCompat uint32
	UUID            [16]byte
	ChecksumType    uint8
	Checksum        uint32
}

// DecodeJournalSuper parses the journal superblock.
func DecodeJournalSuper(b []byte) (*JournalSuper, error) {
	if len(b) < 1024 {
		return nil, corrupt("journal superblock: %d bytes", len(b))
	}
	j := &JournalSuper{}
	copy(j.Raw[:], b)
	h, ok := DecodeJournalHeader(b)
	if !ok || (h.BlockType != JBlockSuperV1 && h.BlockType != JBlockSuperV2) {
		return nil, corrupt("journal superblock: magic %#x type %d", h.Magic, h.BlockType)
	}
	r := j.Raw[:]
	j.BlockType = h.BlockType
	j.BlockSize = be.Uint32(r[0xC:])
	j.MaxLen = be.Uint32(r[0x10:])
	j.First = be.Uint32(r[0x14:])
	j.Sequence = be.Uint32(r[0x18:])
	j.Start = be.Uint32(r[0x1C:])
	j.Errno = int32(be.Uint32(r[0x20:]))
	if h.BlockType == JBlockSuperV2 {
		j.FeatureCompat = be.Uint32(r[0x24:])
		j.FeatureIncompat = be.Uint32(r[0x28:])
		j.FeatureRoCompat = be.Uint32(r[0x2C:])
	}
	copy(j.UUID[:], r[0x30:])
	j.ChecksumType = r[0x50]
	j.Checksum = be.Uint32(r[0xFC:])
	if j.BlockSize < 1024 || j.BlockSize > 65536 || j.BlockSize&(j.BlockSize-1) != 0 {
		return nil, corrupt("journal superblock: block size %d", j.BlockSize)
	}
	if j.First == 0 || j.First >= j.MaxLen {
		return nil, corrupt("journal superblock: first %d, length %d", j.First, j.MaxLen)
	}
	if j.Start != 0 && (j.Start < j.First || j.Start >= j.MaxLen) {
		return nil, corrupt("journal superblock: start %d outside %d..%d", j.Start, j.First, j.MaxLen)
	}
	return j, nil
}

// Encode writes the fields that change (sequence, start, errno, checksum)
// back into Raw, computing the checksum with csum v2/v3.
func (j *JournalSuper) Encode() []byte {
	r := j.Raw[:]
	be.PutUint32(r[0x18:], j.Sequence)
	be.PutUint32(r[0x1C:], j.Start)
	be.PutUint32(r[0x20:], uint32(j.Errno))
	if j.HasCsum() {
		be.PutUint32(r[0xFC:], 0)
		j.Checksum = Crc32c(^uint32(0), r)
		be.PutUint32(r[0xFC:], j.Checksum)
	}
	return r
}

// HasCsum reports journal checksums v2 or v3.
func (j *JournalSuper) HasCsum() bool {
	return j.FeatureIncompat&(JIncompatCsumV2|JIncompatCsumV3) != 0
}

// VerifyChecksum checks the superblock's checksum (true without one).
func (j *JournalSuper) VerifyChecksum() bool {
	if !j.HasCsum() {
		return true
	}
	var r [1024]byte
	copy(r[:], j.Raw[:])
	be.PutUint32(r[0xFC:], 0)
	return Crc32c(^uint32(0), r[:]) == j.Checksum
}

// CsumSeed is the seed of the journal's block checksums.
func (j *JournalSuper) CsumSeed() uint32 { return Crc32c(^uint32(0), j.UUID[:]) }

// TagSize is the size of a descriptor block tag (without the UUID that
// follows a tag lacking JTagSameUUID).
func (j *JournalSuper) TagSize() int {
	if j.FeatureIncompat&JIncompatCsumV3 != 0 {
		return 16
	}
	sz := 12
	if j.FeatureIncompat&JIncompatCsumV2 != 0 {
		sz += 2
	}
	if j.FeatureIncompat&JIncompat64bit == 0 {
		sz -= 4
	}
	return sz
}

// JournalTag is one tag of a descriptor block: the filesystem block the
// next log block belongs to.
type JournalTag struct {
	Block    uint64
	Flags    uint32
	Checksum uint32
}

// DecodeJournalTags parses the tags of descriptor block b (a tail of 4
// bytes is left alone with checksums).
func (j *JournalSuper) DecodeJournalTags(b []byte) ([]JournalTag, error) {
	end := len(b)
	if j.HasCsum() {
		end -= 4
	}
	ts := j.TagSize()
	v3 := j.FeatureIncompat&JIncompatCsumV3 != 0
	var out []JournalTag
	for off := JournalHeaderSize; off+ts <= end; {
		t := b[off:]
		var tag JournalTag
		tag.Block = uint64(be.Uint32(t))
		if v3 {
			tag.Flags = be.Uint32(t[4:])
			if j.FeatureIncompat&JIncompat64bit != 0 {
				tag.Block |= uint64(be.Uint32(t[8:])) << 32
			}
			tag.Checksum = be.Uint32(t[12:])
		} else {
			tag.Checksum = uint32(be.Uint16(t[4:]))
			tag.Flags = uint32(be.Uint16(t[6:]))
			if j.FeatureIncompat&JIncompat64bit != 0 {
				tag.Block |= uint64(be.Uint32(t[8:])) << 32
			}
		}
		out = append(out, tag)
		off += ts
		if tag.Flags&JTagSameUUID == 0 {
			off += 16
		}
		if tag.Flags&JTagLast != 0 {
			return out, nil
		}
	}
	if len(out) == 0 {
		return nil, corrupt("journal descriptor: no tags")
	}
	return out, nil
}

// VerifyBlockTail checks the checksum tail of a descriptor or revoke
// block (true without checksums).
func (j *JournalSuper) VerifyBlockTail(b []byte) bool {
	if !j.HasCsum() || len(b) < JournalHeaderSize+4 {
		return true
	}
	n := len(b) - 4
	c := Crc32c(j.CsumSeed(), b[:n])
	c = Crc32c(c, []byte{0, 0, 0, 0})
	return be.Uint32(b[n:]) == c
}

// VerifyCommit checks a commit block's checksum (v2/v3).
func (j *JournalSuper) VerifyCommit(b []byte) bool {
	if !j.HasCsum() || len(b) < 0x14 {
		return true
	}
	c := Crc32c(j.CsumSeed(), b[:0x10])
	c = Crc32c(c, []byte{0, 0, 0, 0})
	c = Crc32c(c, b[0x14:])
	return be.Uint32(b[0x10:]) == c
}

// VerifyDataTag checks a journalled block's checksum against its tag.
func (j *JournalSuper) VerifyDataTag(tag JournalTag, seq uint32, data []byte) bool {
	if !j.HasCsum() {
		return true
	}
	var s [4]byte
	be.PutUint32(s[:], seq)
	c := Crc32c(Crc32c(j.CsumSeed(), s[:]), data)
	if j.FeatureIncompat&JIncompatCsumV3 != 0 {
		return c == tag.Checksum
	}
	return uint16(c) == uint16(tag.Checksum)
}

// DecodeRevoke parses the block numbers of revoke block b.
func (j *JournalSuper) DecodeRevoke(b []byte) ([]uint64, error) {
	if len(b) < 16 {
		return nil, corrupt("journal revoke: %d bytes", len(b))
	}
	count := int(be.Uint32(b[12:]))
	limit := len(b)
	if j.HasCsum() {
		limit -= 4
	}
	if count < 16 || count > limit {
		return nil, corrupt("journal revoke: r_count %d", count)
	}
	rs := 4
	if j.FeatureIncompat&JIncompat64bit != 0 {
		rs = 8
	}
	var out []uint64
	for off := 16; off+rs <= count; off += rs {
		if rs == 8 {
			out = append(out, be.Uint64(b[off:]))
		} else {
			out = append(out, uint64(be.Uint32(b[off:])))
		}
	}
	return out, nil
}

// EncodeJournalHeader writes a block header.
func EncodeJournalHeader(b []byte, blockType, seq uint32) {
	be.PutUint32(b, JournalMagic)
	be.PutUint32(b[4:], blockType)
	be.PutUint32(b[8:], seq)
}

// DescriptorTags is how many tags fit in one descriptor block (the first
// carries the journal UUID).
func (j *JournalSuper) DescriptorTags() int {
	space := int(j.BlockSize) - JournalHeaderSize
	if j.HasCsum() {
		space -= 4
	}
	ts := j.TagSize()
	return 1 + (space-ts-16)/ts
}

// DataTagChecksum is the checksum a tag carries for journalled block
// data of transaction seq (v3: all 32 bits, v2: the low 16).
func (j *JournalSuper) DataTagChecksum(seq uint32, data []byte) uint32 {
	if !j.HasCsum() {
		return 0
	}
	var s [4]byte
	be.PutUint32(s[:], seq)
	return Crc32c(Crc32c(j.CsumSeed(), s[:]), data)
}

// EncodeJournalTags fills descriptor block b (header already written)
// with tags; the first carries the UUID, the last JTagLast. It sets the
// checksum tail.
func (j *JournalSuper) EncodeJournalTags(b []byte, tags []JournalTag) {
	ts := j.TagSize()
	v3 := j.FeatureIncompat&JIncompatCsumV3 != 0
	off := JournalHeaderSize
	for i, tag := range tags {
		flags := tag.Flags &^ (JTagSameUUID | JTagLast)
		if i > 0 {
			flags |= JTagSameUUID
		}
		if i == len(tags)-1 {
			flags |= JTagLast
		}
		t := b[off:]
		be.PutUint32(t, uint32(tag.Block))
		if v3 {
			be.PutUint32(t[4:], flags)
			be.PutUint32(t[8:], uint32(tag.Block>>32))
			be.PutUint32(t[12:], tag.Checksum)
		} else {
			be.PutUint16(t[4:], uint16(tag.Checksum))
			be.PutUint16(t[6:], uint16(flags))
			if j.FeatureIncompat&JIncompat64bit != 0 {
				be.PutUint32(t[8:], uint32(tag.Block>>32))
			}
		}
		off += ts
		if i == 0 {
			copy(b[off:], j.UUID[:])
			off += 16
		}
	}
	j.SetBlockTail(b)
}

// SetBlockTail stores the checksum tail of a descriptor or revoke block.
func (j *JournalSuper) SetBlockTail(b []byte) {
	if !j.HasCsum() {
		return
	}
	n := len(b) - 4
	be.PutUint32(b[n:], 0)
	c := Crc32c(j.CsumSeed(), b)
	be.PutUint32(b[n:], c)
}

// EncodeCommit writes a commit block for transaction seq at time
// sec.nsec, with its checksum (v2/v3).
func (j *JournalSuper) EncodeCommit(b []byte, seq uint32, sec uint64, nsec uint32) {
	clear(b)
	EncodeJournalHeader(b, JBlockCommit, seq)
	be.PutUint64(b[0x30:], sec)
	be.PutUint32(b[0x38:], nsec)
	if j.HasCsum() {
		be.PutUint32(b[0x10:], Crc32c(j.CsumSeed(), b))
	}
}

// NewJournalSuper returns the superblock mke2fs writes at the start of an
// internal journal of maxLen blocks: version 2, one user, the log starting
// at block 1, sequence 1, clean (s_start 0), no optional features (the
// kernel turns on checksums at mount), and the filesystem's UUID.
func NewJournalSuper(blockSize, maxLen uint32, uuid [16]byte) *JournalSuper {
	j := &JournalSuper{BlockType: JBlockSuperV2, BlockSize: blockSize, MaxLen: maxLen, First: 1, Sequence: 1, UUID: uuid}
	r := j.Raw[:]
	EncodeJournalHeader(r, JBlockSuperV2, 0)
	be.PutUint32(r[0xC:], blockSize)
	be.PutUint32(r[0x10:], maxLen)
	be.PutUint32(r[0x14:], j.First)
	copy(r[0x30:], uuid[:])
	be.PutUint32(r[0x40:], 1) // s_nr_users
	j.Encode()
	return j
}
