package abi

// Directory entry types (d_type).
const (
	DT_UNKNOWN = 0
	DT_FIFO    = 1
	DT_CHR     = 2
	DT_DIR     = 4
	DT_BLK     = 6
	DT_REG     = 8
	DT_LNK     = 10
	DT_SOCK    = 12
	DT_WHT     = 14
)

// direntHeader is the fixed part of struct linux_dirent64: d_ino (8),
// d_off (8), d_reclen (2), d_type (1).
const direntHeader = 19

// Dirent64Size returns d_reclen for a linux_dirent64 carrying a name of
// nameLen bytes: the header, the name, a NUL, rounded up to 8.
func Dirent64Size(nameLen int) int {
	return (direntHeader + nameLen + 1 + 7) &^ 7
}

// AppendDirent64 appends one struct linux_dirent64 record (linux/dirent.h)
// to buf if it fits within limit bytes in total, and reports whether it did.
// off is the value a later lseek(2) to this position would take (d_off is
// the offset of the next entry).
func AppendDirent64(buf []byte, limit int, ino uint64, off int64, typ uint8, name string) ([]byte, bool) {
	n := Dirent64Size(len(name))
	if len(buf)+n > limit {
		return buf, false
	}
	start := len(buf)
	buf = append(buf, make([]byte, n)...)
	rec := buf[start:]
	le.PutUint64(rec[0:], ino)
	le.PutUint64(rec[8:], uint64(off))
	le.PutUint16(rec[16:], uint16(n))
	rec[18] = typ
	copy(rec[direntHeader:], name)
	return buf, true
}

// ModeToDT returns the d_type for a mode's file-type bits.
func ModeToDT(mode uint32) uint8 {
	return uint8((mode & S_IFMT) >> 12)
}
