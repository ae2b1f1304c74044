// Package xz decodes the .xz container format with the LZMA2 filter.
//
// It exists to unpack the kernel's initramfs at boot, where decompression
// speed dominates start-up time, particularly under emulation. The scope is
// therefore narrow: a single stream held entirely in memory is decoded into
// a single output slice, and that slice doubles as the LZMA dictionary, so
// matches are plain copies within it and there is no ring buffer or
// io.Reader machinery between the range decoder and the output.
//
// The output is allocated once when the stream's index (read from the end of
// the input) or its block headers give the uncompressed size, and grows
// geometrically otherwise; it never exceeds the caller's limit.
//
// Only the LZMA2 filter is supported, alone (no BCJ or delta filters), with
// the None, CRC32, CRC64 and SHA-256 integrity checks, all of which are
// verified along with the block sizes and the index.
package xz

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/crc64"
)

// Errors returned by Decode wrap one of these.
var (
	// ErrFormat reports input that is not a well-formed xz stream.
	ErrFormat = errors.New("xz: malformed input")
	// ErrUnsupported reports a valid stream using a filter, check or
	// header feature this package does not implement.
	ErrUnsupported = errors.New("xz: unsupported feature")
	// ErrLimit reports that the output would exceed the caller's limit.
	ErrLimit = errors.New("xz: output exceeds limit")
)

var (
	headerMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}
	footerMagic = []byte{'Y', 'Z'}
	crc64Table  = crc64.MakeTable(crc64.ECMA)
)

const (
	streamHeaderSize = 12
	streamFooterSize = 12
	filterLZMA2      = 0x21
	maxVLIBytes      = 9

	checkNone   = 0x00
	checkCRC32  = 0x01
	checkCRC64  = 0x04
	checkSHA256 = 0x0A
)

// checkSizes gives the size of every check ID the format defines, including
// those this package cannot verify.
var checkSizes = [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}

// Decode decodes the single xz stream at the start of src (stream padding after it is not consumed)
// and returns its contents and the number of bytes of src the stream occupied. It fails
// (wrapping ErrFormat, ErrUnsupported or ErrLimit) on malformed input, unsupported filters/checks,
// or when the output would exceed limit bytes.
func Decode(src []byte, limit int) (out []byte, n int, err error) {
	d := decoder{src: src, limit: max(limit, 0)}
	n, err = d.stream()
	if err != nil {
		return nil, 0, err
	}
	return d.out, n, nil
}

// decoder holds the state of one Decode call.
type decoder struct {
	src    []byte
	out    []byte
	limit  int
	blocks []blockRecord // what the index must list
	lz     *lzma2Decoder
}

// blockRecord is one block as the index describes it.
type blockRecord struct {
	unpadded, uncompressed uint64
}

// errf wraps kind with a description and the byte offset in src at which
// the problem was found.
func (d *decoder) errf(kind error, off int, format string, args ...any) error {
	return fmt.Errorf("%s at byte %d: %w", fmt.Sprintf(format, args...), off, kind)
}

// grow makes room for n more bytes of output, failing if that would pass
// the limit. Growth is geometric so that streams without size information
// still decode in amortised linear time.
func (d *decoder) grow(n, off int) error {
	if n > d.limit-len(d.out) {
		return d.errf(ErrLimit, off, "output of more than %d bytes", d.limit)
	}
	need := len(d.out) + n
	if need <= cap(d.out) {
		return nil
	}
	c := max(need, 2*cap(d.out), 64<<10)
	c = min(c, d.limit)
	buf := make([]byte, len(d.out), c)
	copy(buf, d.out)
	d.out = buf
	return nil
}

// reserve makes room for n more bytes of output ahead of time, as sizes
// recorded in the stream announce. Those are only claims until the data is
// decoded, so at most 16 times the input is reserved this way (LZMA2 at its
// best packs better, but then the geometric growth in grow takes over): a
// forged size must not make a machine with little memory allocate up to
// the limit before a single byte is checked.
func (d *decoder) reserve(n uint64) {
	n = min(n, uint64(d.limit-len(d.out)), 16*uint64(len(d.src))+1<<20)
	d.grow(int(n), 0) // cannot fail: n is within the limit
}

// stream decodes the stream at the start of d.src and returns its length.
func (d *decoder) stream() (int, error) {
	src := d.src
	if len(src) < streamHeaderSize {
		return 0, d.errf(ErrFormat, 0, "stream header truncated")
	}
	if !bytes.Equal(src[:6], headerMagic) {
		return 0, d.errf(ErrFormat, 0, "bad magic")
	}
	flags := src[6:8]
	if crc32.ChecksumIEEE(flags) != binary.LittleEndian.Uint32(src[8:12]) {
		return 0, d.errf(ErrFormat, 6, "stream header CRC32 mismatch")
	}
	if flags[0] != 0 || flags[1]&0xF0 != 0 {
		return 0, d.errf(ErrUnsupported, 6, "reserved stream flags %#04x", binary.BigEndian.Uint16(flags))
	}
	check := flags[1]
	switch check {
	case checkNone, checkCRC32, checkCRC64, checkSHA256:
	default:
		return 0, d.errf(ErrUnsupported, 7, "check type %#x", check)
	}

	// Size the output once up front when the index says how large it
	// will be; otherwise block headers or geometric growth take over.
	if hint := uncompressedHint(src); hint > 0 {
		d.reserve(hint)
	}

	off := streamHeaderSize
	for {
		if off >= len(src) {
			return 0, d.errf(ErrFormat, off, "stream truncated before the index")
		}
		if src[off] == 0x00 { // index indicator
			break
		}
		var err error
		off, err = d.block(off, check)
		if err != nil {
			return 0, err
		}
	}

	indexStart := off
	off, err := d.index(off)
	if err != nil {
		return 0, err
	}
	return d.footer(off, off-indexStart, flags)
}

// block decodes the block starting at src[off] and returns the offset of
// whatever follows it.
func (d *decoder) block(off int, check byte) (int, error) {
	src := d.src
	blockStart := off
	num := len(d.blocks)
	hsize := (int(src[off]) + 1) * 4
	if len(src)-off < hsize {
		return 0, d.errf(ErrFormat, off, "block %d header truncated", num)
	}
	hdr := src[off : off+hsize]
	body := hdr[:hsize-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(hdr[hsize-4:]) {
		return 0, d.errf(ErrFormat, off, "block %d header CRC32 mismatch", num)
	}
	bflags := hdr[1]
	if bflags&0x3C != 0 {
		return 0, d.errf(ErrUnsupported, off+1, "block %d header has reserved flags %#02x", num, bflags)
	}
	p := 2
	csize, usize := uint64(0), uint64(0)
	var ok bool
	if bflags&0x40 != 0 {
		if csize, p, ok = readVLI(body, p); !ok || csize == 0 {
			return 0, d.errf(ErrFormat, off+p, "block %d header: bad compressed size", num)
		}
	}
	if bflags&0x80 != 0 {
		if usize, p, ok = readVLI(body, p); !ok {
			return 0, d.errf(ErrFormat, off+p, "block %d header: bad uncompressed size", num)
		}
	}
	nfilters := int(bflags&3) + 1
	var props []byte
	for range nfilters {
		fstart := p
		var id, psize uint64
		if id, p, ok = readVLI(body, p); !ok {
			return 0, d.errf(ErrFormat, off+fstart, "block %d header: bad filter ID", num)
		}
		if psize, p, ok = readVLI(body, p); !ok || psize > uint64(len(body)-p) {
			return 0, d.errf(ErrFormat, off+fstart, "block %d header: bad filter properties size", num)
		}
		if nfilters > 1 {
			return 0, d.errf(ErrUnsupported, off+fstart, "block %d: filter chain of %d filters (first %#x); only LZMA2 alone is supported", num, nfilters, id)
		}
		if id != filterLZMA2 {
			return 0, d.errf(ErrUnsupported, off+fstart, "block %d: filter %#x; only LZMA2 is supported", num, id)
		}
		if psize != 1 {
			return 0, d.errf(ErrFormat, off+fstart, "block %d: LZMA2 properties of %d bytes", num, psize)
		}
		props = body[p : p+1]
		p++
	}
	if props[0]&0xC0 != 0 {
		return 0, d.errf(ErrUnsupported, off+p-1, "block %d: reserved bits in LZMA2 properties", num)
	}
	// The dictionary size is not needed beyond validation: the output
	// itself is the dictionary.
	if props[0] > 40 {
		return 0, d.errf(ErrFormat, off+p-1, "block %d: LZMA2 dictionary size %d out of range", num, props[0])
	}
	for i := p; i < len(body); i++ {
		if body[i] != 0 {
			return 0, d.errf(ErrUnsupported, off+i, "block %d header: nonzero padding", num)
		}
	}
	off += hsize

	dataStart := off
	dataEnd := len(src)
	if bflags&0x40 != 0 {
		if csize > uint64(len(src)-off) {
			return 0, d.errf(ErrFormat, off, "block %d compressed data truncated", num)
		}
		dataEnd = off + int(csize)
	}
	if bflags&0x80 != 0 {
		if usize > uint64(d.limit-len(d.out)) {
			return 0, d.errf(ErrLimit, blockStart, "block %d of %d bytes exceeds the limit of %d", num, usize, d.limit)
		}
		d.reserve(usize)
	}
	outStart := len(d.out)
	off, err := d.decodeLZMA2(off, dataEnd)
	if err != nil {
		return 0, fmt.Errorf("block %d: %w", num, err)
	}
	if bflags&0x40 != 0 && off != dataEnd {
		return 0, d.errf(ErrFormat, off, "block %d: compressed size %d does not match the %d bytes of data", num, csize, off-dataStart)
	}
	csize = uint64(off - dataStart)
	got := uint64(len(d.out) - outStart)
	if bflags&0x80 != 0 && got != usize {
		return 0, d.errf(ErrFormat, off, "block %d: uncompressed size %d does not match the %d bytes decoded", num, usize, got)
	}

	for ; (off-blockStart)%4 != 0; off++ {
		if off >= len(src) || src[off] != 0 {
			return 0, d.errf(ErrFormat, off, "block %d: bad block padding", num)
		}
	}
	csum := checkSizes[check]
	if len(src)-off < csum {
		return 0, d.errf(ErrFormat, off, "block %d check truncated", num)
	}
	if !verifyCheck(check, d.out[outStart:], src[off:off+csum]) {
		return 0, d.errf(ErrFormat, off, "block %d check mismatch", num)
	}
	off += csum
	d.blocks = append(d.blocks, blockRecord{
		unpadded:     uint64(hsize) + csize + uint64(csum),
		uncompressed: got,
	})
	return off, nil
}

// verifyCheck reports whether sum is the check of type check over data.
func verifyCheck(check byte, data, sum []byte) bool {
	switch check {
	case checkCRC32:
		return crc32.ChecksumIEEE(data) == binary.LittleEndian.Uint32(sum)
	case checkCRC64:
		return crc64.Checksum(data, crc64Table) == binary.LittleEndian.Uint64(sum)
	case checkSHA256:
		h := sha256.Sum256(data)
		return bytes.Equal(h[:], sum)
	}
	return true
}

// index verifies the index starting at src[off] against the blocks decoded
// and returns the offset just past it.
func (d *decoder) index(off int) (int, error) {
	src := d.src
	start := off
	off++ // indicator
	count, off, ok := readVLI(src, off)
	if !ok {
		return 0, d.errf(ErrFormat, off, "index: bad record count")
	}
	if count != uint64(len(d.blocks)) {
		return 0, d.errf(ErrFormat, start, "index lists %d blocks, stream has %d", count, len(d.blocks))
	}
	for i, b := range d.blocks {
		var unpadded, usize uint64
		rec := off
		if unpadded, off, ok = readVLI(src, off); ok {
			usize, off, ok = readVLI(src, off)
		}
		if !ok {
			return 0, d.errf(ErrFormat, rec, "index record %d malformed", i)
		}
		if unpadded != b.unpadded || usize != b.uncompressed {
			return 0, d.errf(ErrFormat, rec, "index record %d (%d, %d) does not match block (%d, %d)",
				i, unpadded, usize, b.unpadded, b.uncompressed)
		}
	}
	for ; (off-start)%4 != 0; off++ {
		if off >= len(src) || src[off] != 0 {
			return 0, d.errf(ErrFormat, off, "bad index padding")
		}
	}
	if len(src)-off < 4 {
		return 0, d.errf(ErrFormat, off, "index CRC32 truncated")
	}
	if crc32.ChecksumIEEE(src[start:off]) != binary.LittleEndian.Uint32(src[off:]) {
		return 0, d.errf(ErrFormat, off, "index CRC32 mismatch")
	}
	return off + 4, nil
}

// footer verifies the stream footer at src[off] and returns the stream's
// total length.
func (d *decoder) footer(off, indexSize int, flags []byte) (int, error) {
	src := d.src
	if len(src)-off < streamFooterSize {
		return 0, d.errf(ErrFormat, off, "stream footer truncated")
	}
	f := src[off : off+streamFooterSize]
	if !bytes.Equal(f[10:], footerMagic) {
		return 0, d.errf(ErrFormat, off+10, "bad footer magic")
	}
	if crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f) {
		return 0, d.errf(ErrFormat, off, "stream footer CRC32 mismatch")
	}
	if back := (int64(binary.LittleEndian.Uint32(f[4:])) + 1) * 4; back != int64(indexSize) {
		return 0, d.errf(ErrFormat, off+4, "backward size %d does not match the index size %d", back, indexSize)
	}
	if !bytes.Equal(f[8:10], flags) {
		return 0, d.errf(ErrFormat, off+8, "footer flags differ from the header's")
	}
	return off + streamFooterSize, nil
}

// readVLI reads a variable-length integer from b[off:]: seven bits per byte,
// least significant first, at most nine bytes and no superfluous zero byte.
func readVLI(b []byte, off int) (uint64, int, bool) {
	var v uint64
	for i := 0; i < maxVLIBytes; i++ {
		if off >= len(b) {
			return 0, off, false
		}
		c := b[off]
		off++
		v |= uint64(c&0x7F) << (7 * i)
		if c&0x80 == 0 {
			if c == 0 && i > 0 {
				return 0, off, false
			}
			return v, off, true
		}
	}
	return 0, off, false
}

// uncompressedHint returns the total uncompressed size recorded in the index
// of a stream that ends src (after optional stream padding), or 0 if that
// cannot be read. It only sizes the first allocation: the stream is
// decoded and verified from the front regardless, so a wrong hint (say, when
// src holds several streams) costs memory at worst, never correctness.
func uncompressedHint(src []byte) uint64 {
	end := len(src)
	for end >= 4 && end%4 == 0 && binary.LittleEndian.Uint32(src[end-4:end]) == 0 {
		end -= 4
	}
	if end < streamHeaderSize+streamFooterSize {
		return 0
	}
	f := src[end-streamFooterSize : end]
	if !bytes.Equal(f[10:], footerMagic) || crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f) {
		return 0
	}
	isize := (int64(binary.LittleEndian.Uint32(f[4:])) + 1) * 4
	istart := int64(end-streamFooterSize) - isize
	if istart < streamHeaderSize {
		return 0
	}
	idx := src[istart : end-streamFooterSize]
	if idx[0] != 0 || crc32.ChecksumIEEE(idx[:len(idx)-4]) != binary.LittleEndian.Uint32(idx[len(idx)-4:]) {
		return 0
	}
	count, off, ok := readVLI(idx, 1)
	var total uint64
	for ; ok && count > 0; count-- {
		var u uint64
		if _, off, ok = readVLI(idx, off); ok {
			u, off, ok = readVLI(idx, off)
			total += u
		}
	}
	if !ok {
		return 0
	}
	return total
}
