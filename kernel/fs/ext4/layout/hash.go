package layout

import "math/bits"

// Directory hash versions (dx_root_info.hash_version, s_def_hash_version).
const (
	HashLegacy          = 0
	HashHalfMD4         = 1
	HashTea             = 2
	HashLegacyUnsigned  = 3
	HashHalfMD4Unsigned = 4
	HashTeaUnsigned     = 5
	HashSiphash         = 6
	htreeEOF32          = 0x7FFFFFFF
)

func str2hashbuf(msg []byte, num int, signed bool) []uint32 {
	out := make([]uint32, 0, num)
	l := len(msg)
	pad := uint32(l) | uint32(l)<<8
	pad |= pad << 16
	val := pad
	if l > num*4 {
		l = num * 4
	}
	n := num
	for i := 0; i < l; i++ {
		var c uint32
		if signed {
			c = uint32(int32(int8(msg[i])))
		} else {
			c = uint32(msg[i])
		}
		val = c + val<<8
		if i%4 == 3 {
			out = append(out, val)
			val = pad
			n--
		}
	}
	if n > 0 {
		out = append(out, val)
		n--
	}
	for ; n > 0; n-- {
		out = append(out, pad)
	}
	return out
}

func halfMD4(buf *[4]uint32, in []uint32) {
	a, b, c, d := buf[0], buf[1], buf[2], buf[3]
	f := func(x, y, z uint32) uint32 { return z ^ (x & (y ^ z)) }
	g := func(x, y, z uint32) uint32 { return (x & y) + ((x ^ y) & z) }
	h := func(x, y, z uint32) uint32 { return x ^ y ^ z }
	const k2, k3 = 0x5A827999, 0x6ED9EBA1
	r := func(fn func(x, y, z uint32) uint32, a *uint32, b, c, d, x uint32, s int) {
		*a = bits.RotateLeft32(*a+fn(b, c, d)+x, s)
	}
	r(f, &a, b, c, d, in[0], 3)
	r(f, &d, a, b, c, in[1], 7)
	r(f, &c, d, a, b, in[2], 11)
	r(f, &b, c, d, a, in[3], 19)
	r(f, &a, b, c, d, in[4], 3)
	r(f, &d, a, b, c, in[5], 7)
	r(f, &c, d, a, b, in[6], 11)
	r(f, &b, c, d, a, in[7], 19)

	r(g, &a, b, c, d, in[1]+k2, 3)
	r(g, &d, a, b, c, in[3]+k2, 5)
	r(g, &c, d, a, b, in[5]+k2, 9)
	r(g, &b, c, d, a, in[7]+k2, 13)
	r(g, &a, b, c, d, in[0]+k2, 3)
	r(g, &d, a, b, c, in[2]+k2, 5)
	r(g, &c, d, a, b, in[4]+k2, 9)
	r(g, &b, c, d, a, in[6]+k2, 13)

	r(h, &a, b, c, d, in[3]+k3, 3)
	r(h, &d, a, b, c, in[7]+k3, 9)
	r(h, &c, d, a, b, in[2]+k3, 11)
	r(h, &b, c, d, a, in[6]+k3, 15)
	r(h, &a, b, c, d, in[1]+k3, 3)
	r(h, &d, a, b, c, in[5]+k3, 9)
	r(h, &c, d, a, b, in[0]+k3, 11)
	r(h, &b, c, d, a, in[4]+k3, 15)

	buf[0] += a
	buf[1] += b
	buf[2] += c
	buf[3] += d
}

func tea(buf *[4]uint32, in []uint32) {
	var sum uint32
	b0, b1 := buf[0], buf[1]
	a, b, c, d := in[0], in[1], in[2], in[3]
	for n := 0; n < 16; n++ {
		sum += 0x9E3779B9
		b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >> 5) + b)
		b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >> 5) + d)
	}
	buf[0] += b0
	buf[1] += b1
}

func legacyHash(name []byte, signed bool) uint32 {
	var hash uint32
	hash0, hash1 := uint32(0x12a3fe2d), uint32(0x37abe8f9)
	for _, ch := range name {
		var c uint32
		if signed {
			c = uint32(int32(int8(ch)))
		} else {
			c = uint32(ch)
		}
		hash = hash1 + (hash0 ^ (c * 7152373))
		if hash&0x80000000 != 0 {
			hash -= 0x7fffffff
		}
		hash1 = hash0
		hash0 = hash
	}
	return hash0 << 1
}

// DirHash computes the htree hash (major, minor) of name with the given
// version (already adjusted to the unsigned variant if the filesystem
// says so) and seed (s_hash_seed). ok is false for an unknown version.
func DirHash(name []byte, version uint8, seed [4]uint32) (major, minor uint32, ok bool) {
	buf := [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}
	if seed != [4]uint32{} {
		buf = seed
	}
	switch version {
	case HashLegacy, HashLegacyUnsigned:
		major = legacyHash(name, version == HashLegacy)
	case HashHalfMD4, HashHalfMD4Unsigned:
		for p := name; len(p) > 0; p = p[min(32, len(p)):] {
			halfMD4(&buf, str2hashbuf(p, 8, version == HashHalfMD4))
		}
		major, minor = buf[1], buf[2]
	case HashTea, HashTeaUnsigned:
		for p := name; len(p) > 0; p = p[min(16, len(p)):] {
			tea(&buf, str2hashbuf(p, 4, version == HashTea))
		}
		major, minor = buf[0], buf[1]
	default:
		return 0, 0, false
	}
	major &^= 1
	if major == htreeEOF32<<1 {
		major = (htreeEOF32 - 1) << 1
	}
	return major, minor, true
}

// HashVersion returns the hash version a directory with root info
// version v uses: the unsigned variant when the superblock says so.
func (s *Superblock) HashVersion(v uint8) uint8 {
	if v <= HashTea && s.Flags&FlagUnsignedHash != 0 {
		return v + 3
	}
	return v
}
