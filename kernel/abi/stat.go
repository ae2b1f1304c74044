package abi

import "encoding/binary"

var le = binary.LittleEndian

// SizeofStat is sizeof(struct stat) on x86_64.
const SizeofStat = 144

// Stat is struct stat as the x86_64 stat(2), fstat(2), lstat(2) and
// newfstatat(2) return it (asm/stat.h).
type Stat struct {
	Dev     uint64
	Ino     uint64
	Nlink   uint64
	Mode    uint32
	UID     uint32
	GID     uint32
	_       uint32 // __pad0
	Rdev    uint64
	Size    int64
	Blksize int64
	Blocks  int64 // 512-byte units
	Atime   Timespec
	Mtime   Timespec
	Ctime   Timespec
	// __unused[3] follows.
}

// MarshalTo encodes s into dst[:SizeofStat]; dst must be at least that long.
func (s *Stat) MarshalTo(dst []byte) {
	_ = dst[SizeofStat-1]
	le.PutUint64(dst[0:], s.Dev)
	le.PutUint64(dst[8:], s.Ino)
	le.PutUint64(dst[16:], s.Nlink)
	le.PutUint32(dst[24:], s.Mode)
	le.PutUint32(dst[28:], s.UID)
	le.PutUint32(dst[32:], s.GID)
	le.PutUint32(dst[36:], 0)
	le.PutUint64(dst[40:], s.Rdev)
	le.PutUint64(dst[48:], uint64(s.Size))
	le.PutUint64(dst[56:], uint64(s.Blksize))
	le.PutUint64(dst[64:], uint64(s.Blocks))
	s.Atime.MarshalTo(dst[72:])
	s.Mtime.MarshalTo(dst[88:])
	s.Ctime.MarshalTo(dst[104:])
	clear(dst[120:SizeofStat])
}

// Marshal returns the SizeofStat-byte encoding of s.
func (s *Stat) Marshal() []byte {
	b := make([]byte, SizeofStat)
	s.MarshalTo(b)
	return b
}

// Unmarshal decodes src[:SizeofStat] into s.
func (s *Stat) Unmarshal(src []byte) {
	_ = src[SizeofStat-1]
	s.Dev = le.Uint64(src[0:])
	s.Ino = le.Uint64(src[8:])
	s.Nlink = le.Uint64(src[16:])
	s.Mode = le.Uint32(src[24:])
	s.UID = le.Uint32(src[28:])
	s.GID = le.Uint32(src[32:])
	s.Rdev = le.Uint64(src[40:])
	s.Size = int64(le.Uint64(src[48:]))
	s.Blksize = int64(le.Uint64(src[56:]))
	s.Blocks = int64(le.Uint64(src[64:]))
	s.Atime.Unmarshal(src[72:])
	s.Mtime.Unmarshal(src[88:])
	s.Ctime.Unmarshal(src[104:])
}

// statx(2) request and result mask bits (linux/stat.h).
const (
	STATX_TYPE        = 0x1
	STATX_MODE        = 0x2
	STATX_NLINK       = 0x4
	STATX_UID         = 0x8
	STATX_GID         = 0x10
	STATX_ATIME       = 0x20
	STATX_MTIME       = 0x40
	STATX_CTIME       = 0x80
	STATX_INO         = 0x100
	STATX_SIZE        = 0x200
	STATX_BLOCKS      = 0x400
	STATX_BASIC_STATS = 0x7ff
	STATX_BTIME       = 0x800
	STATX_MNT_ID      = 0x1000
	STATX_DIOALIGN    = 0x2000
	STATX__RESERVED   = 0x80000000
)

// statx(2) attribute bits.
const (
	STATX_ATTR_COMPRESSED = 0x4
	STATX_ATTR_IMMUTABLE  = 0x10
	STATX_ATTR_APPEND     = 0x20
	STATX_ATTR_NODUMP     = 0x40
	STATX_ATTR_ENCRYPTED  = 0x800
	STATX_ATTR_AUTOMOUNT  = 0x1000
	STATX_ATTR_MOUNT_ROOT = 0x2000
	STATX_ATTR_VERITY     = 0x100000
	STATX_ATTR_DAX        = 0x200000
)

// SizeofStatx is sizeof(struct statx).
const SizeofStatx = 256

// StatxTimestamp is struct statx_timestamp.
type StatxTimestamp struct {
	Sec  int64
	Nsec uint32
	_    int32 // __reserved
}

// Statx is struct statx (linux/stat.h).
type Statx struct {
	Mask           uint32
	Blksize        uint32
	Attributes     uint64
	Nlink          uint32
	UID            uint32
	GID            uint32
	Mode           uint16
	_              uint16 // __spare0
	Ino            uint64
	Size           uint64
	Blocks         uint64
	AttributesMask uint64
	Atime          StatxTimestamp
	Btime          StatxTimestamp
	Ctime          StatxTimestamp
	Mtime          StatxTimestamp
	RdevMajor      uint32
	RdevMinor      uint32
	DevMajor       uint32
	DevMinor       uint32
	MntID          uint64
	DioMemAlign    uint32
	DioOffsetAlign uint32
	// __spare3[12] follows.
}

func (t *StatxTimestamp) marshalTo(dst []byte) {
	le.PutUint64(dst[0:], uint64(t.Sec))
	le.PutUint32(dst[8:], t.Nsec)
	le.PutUint32(dst[12:], 0)
}

func (t *StatxTimestamp) unmarshal(src []byte) {
	t.Sec = int64(le.Uint64(src[0:]))
	t.Nsec = le.Uint32(src[8:])
}

// MarshalTo encodes s into dst[:SizeofStatx]; dst must be at least that long.
func (s *Statx) MarshalTo(dst []byte) {
	_ = dst[SizeofStatx-1]
	le.PutUint32(dst[0:], s.Mask)
	le.PutUint32(dst[4:], s.Blksize)
	le.PutUint64(dst[8:], s.Attributes)
	le.PutUint32(dst[16:], s.Nlink)
	le.PutUint32(dst[20:], s.UID)
	le.PutUint32(dst[24:], s.GID)
	le.PutUint16(dst[28:], s.Mode)
	le.PutUint16(dst[30:], 0)
	le.PutUint64(dst[32:], s.Ino)
	le.PutUint64(dst[40:], s.Size)
	le.PutUint64(dst[48:], s.Blocks)
	le.PutUint64(dst[56:], s.AttributesMask)
	s.Atime.marshalTo(dst[64:])
	s.Btime.marshalTo(dst[80:])
	s.Ctime.marshalTo(dst[96:])
	s.Mtime.marshalTo(dst[112:])
	le.PutUint32(dst[128:], s.RdevMajor)
	le.PutUint32(dst[132:], s.RdevMinor)
	le.PutUint32(dst[136:], s.DevMajor)
	le.PutUint32(dst[140:], s.DevMinor)
	le.PutUint64(dst[144:], s.MntID)
	le.PutUint32(dst[152:], s.DioMemAlign)
	le.PutUint32(dst[156:], s.DioOffsetAlign)
	clear(dst[160:SizeofStatx])
}

// Marshal returns the SizeofStatx-byte encoding of s.
func (s *Statx) Marshal() []byte {
	b := make([]byte, SizeofStatx)
	s.MarshalTo(b)
	return b
}

// Unmarshal decodes src[:SizeofStatx] into s.
func (s *Statx) Unmarshal(src []byte) {
	_ = src[SizeofStatx-1]
	s.Mask = le.Uint32(src[0:])
	s.Blksize = le.Uint32(src[4:])
	s.Attributes = le.Uint64(src[8:])
	s.Nlink = le.Uint32(src[16:])
	s.UID = le.Uint32(src[20:])
	s.GID = le.Uint32(src[24:])
	s.Mode = le.Uint16(src[28:])
	s.Ino = le.Uint64(src[32:])
	s.Size = le.Uint64(src[40:])
	s.Blocks = le.Uint64(src[48:])
	s.AttributesMask = le.Uint64(src[56:])
	s.Atime.unmarshal(src[64:])
	s.Btime.unmarshal(src[80:])
	s.Ctime.unmarshal(src[96:])
	s.Mtime.unmarshal(src[112:])
	s.RdevMajor = le.Uint32(src[128:])
	s.RdevMinor = le.Uint32(src[132:])
	s.DevMajor = le.Uint32(src[136:])
	s.DevMinor = le.Uint32(src[140:])
	s.MntID = le.Uint64(src[144:])
	s.DioMemAlign = le.Uint32(src[152:])
	s.DioOffsetAlign = le.Uint32(src[156:])
}

// SizeofStatfs is sizeof(struct statfs) on x86_64.
const SizeofStatfs = 120

// Statfs is struct statfs as statfs(2) and fstatfs(2) return it
// (asm-generic/statfs.h, 64-bit words on x86_64).
type Statfs struct {
	Type    int64
	Bsize   int64
	Blocks  uint64
	Bfree   uint64
	Bavail  uint64
	Files   uint64
	Ffree   uint64
	Fsid    [2]int32
	Namelen int64
	Frsize  int64
	Flags   int64
	// f_spare[4] follows.
}

// ST_* flags reported in Statfs.Flags.
const (
	ST_RDONLY      = 0x1
	ST_NOSUID      = 0x2
	ST_NODEV       = 0x4
	ST_NOEXEC      = 0x8
	ST_SYNCHRONOUS = 0x10
	ST_VALID       = 0x20
	ST_MANDLOCK    = 0x40
	ST_NOATIME     = 0x400
	ST_NODIRATIME  = 0x800
	ST_RELATIME    = 0x1000
	ST_NOSYMFOLLOW = 0x2000
)

// MarshalTo encodes s into dst[:SizeofStatfs].
func (s *Statfs) MarshalTo(dst []byte) {
	_ = dst[SizeofStatfs-1]
	le.PutUint64(dst[0:], uint64(s.Type))
	le.PutUint64(dst[8:], uint64(s.Bsize))
	le.PutUint64(dst[16:], s.Blocks)
	le.PutUint64(dst[24:], s.Bfree)
	le.PutUint64(dst[32:], s.Bavail)
	le.PutUint64(dst[40:], s.Files)
	le.PutUint64(dst[48:], s.Ffree)
	le.PutUint32(dst[56:], uint32(s.Fsid[0]))
	le.PutUint32(dst[60:], uint32(s.Fsid[1]))
	le.PutUint64(dst[64:], uint64(s.Namelen))
	le.PutUint64(dst[72:], uint64(s.Frsize))
	le.PutUint64(dst[80:], uint64(s.Flags))
	clear(dst[88:SizeofStatfs])
}

// Marshal returns the SizeofStatfs-byte encoding of s.
func (s *Statfs) Marshal() []byte {
	b := make([]byte, SizeofStatfs)
	s.MarshalTo(b)
	return b
}
