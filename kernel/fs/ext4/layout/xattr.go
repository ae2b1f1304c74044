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

// XattrEntrySize is the room an entry with a name suffix of n bytes takes.
func XattrEntrySize(n int) int { return (xattrEntrySize + n + 3) &^ 3 }

// XattrValueSize is the room a value of n bytes takes.
func XattrValueSize(n int) int { return (n + 3) &^ 3 }

// XattrEntryHash is an entry's e_hash (ext4_xattr_hash_entry): the name
// suffix, then the value as little-endian words (zero padded).
func XattrEntryHash(suffix string, value []byte) uint32 {
	var h uint32
	for i := 0; i < len(suffix); i++ {
		h = h<<5 ^ h>>27 ^ uint32(suffix[i])
	}
	for i := 0; i < len(value); i += 4 {
		var w [4]byte
		copy(w[:], value[i:])
		h = h<<16 ^ h>>16 ^ le.Uint32(w[:])
	}
	return h
}

// EncodeXattrs writes xs as entries from b[entries:] (ending with a zero
// word) and their values packed down from valueEnd, with offsets counted
// from base. It reports false if they do not fit.
func EncodeXattrs(b []byte, entries, base, valueEnd int, xs []Xattr) bool {
	off, vend := entries, valueEnd
	for _, x := range xs {
		idx, suffix, ok := XattrSplit(x.Name)
		if !ok || len(suffix) > 255 {
			return false
		}
		es, vs := XattrEntrySize(len(suffix)), XattrValueSize(len(x.Value))
		if off+es+4 > vend-vs {
			return false
		}
		vend -= vs
		clear(b[vend : vend+vs])
		copy(b[vend:], x.Value)
		e := b[off:]
		clear(e[:es])
		e[0], e[1] = byte(len(suffix)), idx
		le.PutUint16(e[2:], uint16(vend-base))
		le.PutUint32(e[4:], 0)
		le.PutUint32(e[8:], uint32(len(x.Value)))
		le.PutUint32(e[12:], XattrEntryHash(suffix, x.Value))
		copy(e[xattrEntrySize:], suffix)
		off += es
	}
	le.PutUint32(b[off:], 0)
	return true
}

// XattrsFit reports whether xs fit between entries and valueEnd.
func XattrsFit(entries, valueEnd int, xs []Xattr) bool {
	n := entries + 4
	for _, x := range xs {
		_, suffix, ok := XattrSplit(x.Name)
		if !ok {
			return false
		}
		n += XattrEntrySize(len(suffix)) + XattrValueSize(len(x.Value))
	}
	return n <= valueEnd
}

// EncodeXattrBlock fills block b with xs (sorted as Linux keeps block
// entries: by name index, name length, name), a header with reference
// count 1 and the block hash. The checksum is the caller's
// (XattrBlockChecksum at the block's address).
func EncodeXattrBlock(b []byte, xs []Xattr) bool {
	xs = append([]Xattr(nil), xs...)
	key := func(x Xattr) (uint8, string) { i, s, _ := XattrSplit(x.Name); return i, s }
	sortXattrs(xs, key)
	clear(b)
	le.PutUint32(b, XattrMagic)
	le.PutUint32(b[4:], 1)
	le.PutUint32(b[8:], 1)
	if !EncodeXattrs(b, XattrHeaderSize, 0, len(b), xs) {
		return false
	}
	var h uint32
	for off := XattrHeaderSize; le.Uint32(b[off:]) != 0; {
		eh := le.Uint32(b[off+12:])
		if eh == 0 {
			h = 0
			break
		}
		h = h<<16 ^ h>>16 ^ eh
		off += XattrEntrySize(int(b[off]))
	}
	le.PutUint32(b[12:], h)
	return true
}

func sortXattrs(xs []Xattr, key func(Xattr) (uint8, string)) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0; j-- {
			ai, as := key(xs[j-1])
			bi, bs := key(xs[j])
			less := bi < ai || bi == ai && (len(bs) < len(as) || len(bs) == len(as) && bs < as)
			if !less {
				break
			}
			xs[j-1], xs[j] = xs[j], xs[j-1]
		}
	}
}
