package block

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Partition is one entry of a disk's partition table, as Linux's
// partition scan (block/partitions/{efi,msdos}.c) reports it.
type Partition struct {
	// Number is the partition number: vda<Number>. For GPT it is the
	// entry's index plus one (so an empty entry leaves a gap); for MBR
	// 1-4 are the primary slots and logical partitions count from 5.
	Number int
	// Start and Size are in 512-byte sectors, whatever the disk's logical
	// sector size, as /sys/class/block/*/{start,size} show them.
	Start, Size uint64
	// UUID is PARTUUID: the GPT unique partition GUID in lower case, or
	// "SSSSSSSS-NN" (disk signature, partition number) for MBR.
	UUID string
	// Name is PARTNAME/PARTLABEL: the GPT name as Linux converts it (the
	// low byte of each UTF-16 unit up to the first NUL, '!' for a byte
	// that is not printable); empty for MBR.
	Name string
	// Type is the GPT partition type GUID in lower case, or the MBR
	// system id as two hex digits.
	Type string
}

// Table kinds.
const (
	TableNone = ""
	TableGPT  = "gpt"
	TableMBR  = "dos"
)

// maxPartitions is Linux's DISK_MAX_PARTS: a disk has partitions 1-255.
const maxPartitions = 255

// maxGPTEntryBytes bounds the GPT entry array read for its checksum, as
// Linux bounds it by KMALLOC_MAX_SIZE (4 MiB on x86-64).
const maxGPTEntryBytes = 4 << 20

// ErrIO wraps a read error of the disk during the scan.
var ErrIO = errors.New("block: partition scan: read error")

// ScanPartitions reads the partition table of d: GPT first (with a
// protective or hybrid MBR; the backup header when the primary is bad),
// then a DOS MBR with its extended partitions, in Linux's order. A disk
// with neither has no partitions and TableNone. Entries outside the disk
// are dropped and entries reaching past its end are cut at the end, as
// Linux does. Any bytes may be on the disk: the scan never panics and
// allocates at most a few MiB.
func ScanPartitions(d Device) (kind string, parts []Partition, err error) {
	s := &scanner{d: d, ssz: d.SectorSize(), n: d.Sectors()}
	if s.ssz < 512 || s.ssz%512 != 0 || s.ssz > 64<<10 || s.n == 0 {
		return TableNone, nil, nil
	}
	mbr, err := s.read(0, 1)
	if err != nil {
		return TableNone, nil, err
	}
	if parts, ok, err := s.gpt(mbr); err != nil {
		return TableNone, nil, err
	} else if ok {
		return TableGPT, s.clip(parts), nil
	}
	if parts, ok, err := s.msdos(mbr); err != nil {
		return TableNone, nil, err
	} else if ok {
		return TableMBR, s.clip(parts), nil
	}
	return TableNone, nil, nil
}

type scanner struct {
	d   Device
	ssz int
	n   uint64 // logical sectors
}

func (s *scanner) read(lba uint64, count int) ([]byte, error) {
	if lba >= s.n || uint64(count) > s.n-lba {
		return nil, nil // outside the disk: no data
	}
	p := make([]byte, count*s.ssz)
	if err := s.d.ReadSectors(p, lba); err != nil {
		return nil, fmt.Errorf("%w: sector %d: %v", ErrIO, lba, err)
	}
	return p, nil
}

// clip drops partitions starting at or past the end of the disk or of
// zero size and cuts those reaching past the end (blk_add_partition).
func (s *scanner) clip(parts []Partition) []Partition {
	capacity := s.n * uint64(s.ssz/512)
	out := parts[:0]
	for _, p := range parts {
		if p.Size == 0 || p.Start >= capacity {
			continue
		}
		if p.Size > capacity-p.Start {
			p.Size = capacity - p.Start
		}
		out = append(out, p)
	}
	return out
}

// gpt implements efi_partition: ok is false when the disk holds no valid
// GPT (so the MBR is tried).
func (s *scanner) gpt(mbr []byte) ([]Partition, bool, error) {
	if !pmbrValid(mbr) {
		return nil, false, nil
	}
	last := s.n - 1
	hdr, ents, err := s.gptAt(1, last)
	if err != nil {
		return nil, false, err
	}
	if hdr == nil {
		// The primary is bad: the backup at the last sector.
		if hdr, ents, err = s.gptAt(last, last); err != nil || hdr == nil {
			return nil, false, err
		}
	}
	limit := binary.LittleEndian.Uint32(hdr[80:])
	ratio := uint64(s.ssz / 512)
	var parts []Partition
	for i := uint32(0); i < limit && i < maxPartitions; i++ {
		e := ents[i*128 : i*128+128]
		if allZero(e[0:16]) {
			continue
		}
		start, end := binary.LittleEndian.Uint64(e[32:]), binary.LittleEndian.Uint64(e[40:])
		if start > last || end > last || end < start {
			continue
		}
		parts = append(parts, Partition{
			Number: int(i) + 1, Start: start * ratio, Size: (end - start + 1) * ratio,
			UUID: guidString(e[16:32]), Type: guidString(e[0:16]), Name: gptName(e[56:128]),
		})
	}
	return parts, true, nil
}

// gptAt reads and checks the GPT header at lba and its entry array
// (is_gpt_valid); nil without an error when it is not valid.
func (s *scanner) gptAt(lba, last uint64) (hdr, ents []byte, err error) {
	b, err := s.read(lba, 1)
	if err != nil || b == nil {
		return nil, nil, err
	}
	if string(b[0:8]) != "EFI PART" {
		return nil, nil, nil
	}
	size := binary.LittleEndian.Uint32(b[12:])
	if size < 92 || size > uint32(s.ssz) {
		return nil, nil, nil
	}
	h := append([]byte(nil), b[:size]...)
	want := binary.LittleEndian.Uint32(h[16:])
	clear(h[16:20])
	if crc32.ChecksumIEEE(h) != want {
		return nil, nil, nil
	}
	copy(h[16:20], b[16:20])
	first, lastUsable := binary.LittleEndian.Uint64(h[40:]), binary.LittleEndian.Uint64(h[48:])
	if binary.LittleEndian.Uint64(h[24:]) != lba || first > last || lastUsable > last || lastUsable < first {
		return nil, nil, nil
	}
	count, esz := binary.LittleEndian.Uint32(h[80:]), binary.LittleEndian.Uint32(h[84:])
	if esz != 128 {
		return nil, nil, nil
	}
	total := uint64(count) * uint64(esz)
	if total > maxGPTEntryBytes {
		return nil, nil, nil
	}
	entLBA := binary.LittleEndian.Uint64(h[72:])
	nsec := (total + uint64(s.ssz) - 1) / uint64(s.ssz)
	var e []byte
	if nsec > 0 {
		if e, err = s.read(entLBA, int(nsec)); err != nil {
			return nil, nil, err
		}
		if e == nil {
			return nil, nil, nil
		}
	}
	e = e[:total]
	if crc32.ChecksumIEEE(e) != binary.LittleEndian.Uint32(h[88:]) {
		return nil, nil, nil
	}
	return h, e, nil
}

// pmbrValid is is_pmbr_valid: the 0x55AA signature and a record of type
// 0xEE starting at LBA 1 (protective, or hybrid beside other records).
func pmbrValid(mbr []byte) bool {
	if len(mbr) < 512 || mbr[510] != 0x55 || mbr[511] != 0xaa {
		return false
	}
	for i := 0; i < 4; i++ {
		r := mbr[446+16*i:]
		if r[4] == 0xee && binary.LittleEndian.Uint32(r[8:]) == 1 {
			return true
		}
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// guidString formats a GUID as stored on disk (first three fields little
// endian) in lower case, as Linux's %pUl.
func guidString(g []byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%02x%02x-%x",
		binary.LittleEndian.Uint32(g[0:]), binary.LittleEndian.Uint16(g[4:]), binary.LittleEndian.Uint16(g[6:]),
		g[8], g[9], g[10:16])
}

// gptName converts a GPT partition name (36 UTF-16LE units) as Linux's
// utf16_le_to_7bit does: the low byte of each unit, '!' for a byte
// isprint rejects (the kernel's ctype counts 0xa0-0xff printable), the
// name ending at the first zero byte.
func gptName(b []byte) string {
	var out []byte
	for i := 0; i+1 < len(b); i += 2 {
		c := b[i]
		if c == 0 {
			break
		}
		if c < 0x20 || c >= 0x7f && c < 0xa0 {
			c = '!'
		}
		out = append(out, c)
	}
	return string(out)
}

// msdos implements msdos_partition for the primary and logical (extended)
// partitions; ok is false when sector 0 holds no DOS partition table.
func (s *scanner) msdos(mbr []byte) ([]Partition, bool, error) {
	if len(mbr) < 512 || mbr[510] != 0x55 || mbr[511] != 0xaa {
		return nil, false, nil
	}
	if bytes.Equal(mbr[0:4], []byte{0xc1, 0xd4, 0xc2, 0xc9}) { // "IBMA" in EBCDIC: AIX
		return nil, false, nil
	}
	for i := 0; i < 4; i++ {
		if b := mbr[446+16*i]; b != 0 && b != 0x80 {
			// Not a partition table (maybe a FAT boot sector without
			// one): no partitions either way.
			return nil, false, nil
		}
	}
	for i := 0; i < 4; i++ {
		if mbr[446+16*i+4] == 0xee {
			return nil, false, nil // a GPT whose header was not valid
		}
	}
	sig := binary.LittleEndian.Uint32(mbr[440:])
	ratio := uint64(s.ssz / 512)
	var parts []Partition
	for i := 0; i < 4; i++ {
		r := mbr[446+16*i:]
		start := uint64(binary.LittleEndian.Uint32(r[8:])) * ratio
		size := uint64(binary.LittleEndian.Uint32(r[12:])) * ratio
		if size == 0 {
			continue
		}
		p := Partition{Number: i + 1, Start: start, Size: size, UUID: fmt.Sprintf("%08x-%02x", sig, i+1), Type: fmt.Sprintf("%02x", r[4])}
		if isExtended(r[4]) {
			// Only room for a boot loader: the logical partitions are
			// the extended partition's content.
			p.Size = min(size, max(ratio, 2))
			parts = append(parts, p)
			logical, err := s.extended(start, size, sig, 5)
			if err != nil {
				return nil, false, err
			}
			parts = append(parts, logical...)
			continue
		}
		parts = append(parts, p)
	}
	return parts, true, nil
}

func isExtended(t byte) bool { return t == 0x05 || t == 0x0f || t == 0x85 }

// extended follows the chain of extended boot records (parse_extended);
// first and size are in 512-byte sectors.
func (s *scanner) extended(first, size uint64, sig uint32, next int) ([]Partition, error) {
	ratio := uint64(s.ssz / 512)
	var parts []Partition
	this, thisSize := first, size
	for loop := 0; loop <= 100 && next <= maxPartitions; loop++ {
		sec, err := s.read(this/ratio, 1)
		if err != nil || sec == nil {
			return parts, err
		}
		b := sec[(this%ratio)*512:][:512]
		if b[510] != 0x55 || b[511] != 0xaa {
			return parts, nil
		}
		for i := 0; i < 4 && next <= maxPartitions; i++ {
			r := b[446+16*i:]
			offs := uint64(binary.LittleEndian.Uint32(r[8:])) * ratio
			psize := uint64(binary.LittleEndian.Uint32(r[12:])) * ratio
			if psize == 0 || isExtended(r[4]) {
				continue
			}
			start := this + offs
			if i >= 2 && (offs+psize > thisSize || start < first || start+psize > first+size) {
				continue // the Linux kernel's sanity checks on the 3rd and 4th entries
			}
			parts = append(parts, Partition{Number: next, Start: start, Size: psize,
				UUID: fmt.Sprintf("%08x-%02x", sig, next), Type: fmt.Sprintf("%02x", r[4])})
			next++
			loop = 0
		}
		link := -1
		for i := 0; i < 4; i++ {
			r := b[446+16*i:]
			if binary.LittleEndian.Uint32(r[12:]) != 0 && isExtended(r[4]) {
				link = i
				break
			}
		}
		if link < 0 {
			return parts, nil
		}
		r := b[446+16*link:]
		this = first + uint64(binary.LittleEndian.Uint32(r[8:]))*ratio
		thisSize = uint64(binary.LittleEndian.Uint32(r[12:])) * ratio
	}
	return parts, nil
}
