package layout

import "strings"

// Extended attribute constants.
const (
	XattrMagic      = 0xEA020000
	XattrHeaderSize = 32 // block header
	xattrEntrySize  = 16
)

var xattrPrefixes = map[uint8]string{
	1: "user.", 2: "system.posix_acl_access", 3: "system.posix_acl_default",
	4: "trusted.", 6: "security.", 7: "system.", 8: "system.richacl",
}

// XattrName joins a name index and suffix into the full attribute name.
func XattrName(index uint8, suffix string) (string, bool) {
	p, ok := xattrPrefixes[index]
	return p + suffix, ok
}

// XattrSplit finds the name index and suffix of a full name (the longest
// matching prefix).
func XattrSplit(name string) (uint8, string, bool) {
	best, bestLen := uint8(0), -1
	for i, p := range xattrPrefixes {
		if strings.HasPrefix(name, p) && len(p) > bestLen && (i == 2 || i == 3 || i == 8 || len(name) > len(p)) {
			best, bestLen = i, len(p)
		}
	}
	if bestLen < 0 {
		return 0, "", false
	}
	return best, name[bestLen:], true
}

// Xattr is one decoded attribute.
type Xattr struct {
	Name  string
	Value []byte
}

// DecodeXattrs parses the entries starting at entries in b; value
// offsets count from base. A value in another inode (ea_inode) is an
// error.
func DecodeXattrs(b []byte, entries, base int) ([]Xattr, error) {
	var out []Xattr
	off := entries
	for n := 0; ; n++ {
		if off+4 > len(b) {
			return nil, corrupt("xattr: entries run off the end")
		}
		if le.Uint32(b[off:]) == 0 {
			return out, nil
		}
		if off+xattrEntrySize > len(b) || n > len(b)/xattrEntrySize {
			return nil, corrupt("xattr: entry at %d", off)
		}
		nameLen, idx := int(b[off]), b[off+1]
		voff, inum, vsize := int(le.Uint16(b[off+2:])), le.Uint32(b[off+4:]), int(le.Uint32(b[off+8:]))
		if off+xattrEntrySize+nameLen > len(b) {
			return nil, corrupt("xattr: name at %d", off)
		}
		if inum != 0 {
			return nil, corrupt("xattr: value in inode %d (ea_inode)", inum)
		}
		if vsize < 0 || base+voff+vsize > len(b) || base+voff < 0 {
			return nil, corrupt("xattr: value %d+%d", voff, vsize)
		}
		name, ok := XattrName(idx, string(b[off+xattrEntrySize:off+xattrEntrySize+nameLen]))
		if !ok {
			name = string(b[off+xattrEntrySize : off+xattrEntrySize+nameLen])
		}
		out = append(out, Xattr{Name: name, Value: append([]byte(nil), b[base+voff:base+voff+vsize]...)})
		off += (xattrEntrySize + nameLen + 3) &^ 3
	}
}

// DecodeInodeXattrs parses the attributes stored in an inode after its
// extra fields (raw is the whole inode).
func DecodeInodeXattrs(raw []byte) ([]Xattr, error) {
	if len(raw) <= GoodOldInodeSize+2 {
		return nil, nil
	}
	start := GoodOldInodeSize + int(le.Uint16(raw[0x80:]))
	if start+4 > len(raw) || le.Uint32(raw[start:]) != XattrMagic {
		return nil, nil
	}
	return DecodeXattrs(raw, start+4, start+4)
}

// DecodeXattrBlock parses an xattr block.
func DecodeXattrBlock(b []byte) ([]Xattr, error) {
	if len(b) < XattrHeaderSize || le.Uint32(b) != XattrMagic {
		return nil, corrupt("xattr block: bad magic")
	}
	if le.Uint32(b[8:]) != 1 {
		return nil, corrupt("xattr block: h_blocks %d", le.Uint32(b[8:]))
	}
	return DecodeXattrs(b, XattrHeaderSize, 0)
}

// XattrBlockChecksum is the crc32c of xattr block b at physical block nr.
func (s *Superblock) XattrBlockChecksum(nr uint64, b []byte) uint32 {
	var n [8]byte
	le.PutUint64(n[:], nr)
	c := Crc32c(s.CsumSeed(), n[:])
	c = Crc32c(c, b[:0x10])
	c = Crc32c(c, []byte{0, 0, 0, 0})
	return Crc32c(c, b[0x14:])
}

// VerifyXattrBlock checks an xattr block's checksum.
func (s *Superblock) VerifyXattrBlock(nr uint64, b []byte) bool {
	return !s.HasMetadataCsum() || len(b) < XattrHeaderSize || le.Uint32(b[0x10:]) == s.XattrBlockChecksum(nr, b)
}
