package disk

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// fixFAT32 repairs two defects of go-diskfs's FAT32 writer in place, both
// reported by `fsck.fat -n`: in every subdirectory the ".." entry does not
// point at the parent's first cluster (0 for the root), and the FSInfo
// sector's free-cluster count is left "unknown". It walks the directory
// tree from the root cluster and rewrites those fields.
func fixFAT32(rw interface {
	io.ReaderAt
	io.WriterAt
}, start int64, epoch time.Time) error {
	fdate, ftime := fatTime(epoch)
	bs := make([]byte, 512)
	if _, err := rw.ReadAt(bs, start); err != nil {
		return fmt.Errorf("fat32: boot sector: %w", err)
	}
	le := binary.LittleEndian
	bps := int64(le.Uint16(bs[0x0B:]))
	spc := int64(bs[0x0D])
	reserved := int64(le.Uint16(bs[0x0E:]))
	nfats := int64(bs[0x10])
	total := int64(le.Uint32(bs[0x20:]))
	fatSz := int64(le.Uint32(bs[0x24:]))
	rootClus := le.Uint32(bs[0x2C:])
	fsinfo := int64(le.Uint16(bs[0x30:]))
	if bps != 512 || spc == 0 || nfats == 0 || fatSz == 0 {
		return fmt.Errorf("fat32: unexpected geometry (bps %d, spc %d, fats %d)", bps, spc, nfats)
	}
	fat := make([]byte, fatSz*bps)
	if _, err := rw.ReadAt(fat, start+reserved*bps); err != nil {
		return fmt.Errorf("fat32: FAT: %w", err)
	}
	dataStart := reserved + nfats*fatSz
	nclusters := (total - dataStart) / spc
	clusterOff := func(c uint32) int64 { return start + (dataStart+(int64(c)-2)*spc)*bps }
	next := func(c uint32) uint32 { return le.Uint32(fat[4*int64(c):]) & 0x0fffffff }
	chain := func(c uint32) []uint32 {
		var out []uint32
		for c >= 2 && c < 0x0ffffff8 && int64(c) < nclusters+2 && len(out) <= int(nclusters) {
			out = append(out, c)
			c = next(c)
		}
		return out
	}
	var walk func(dir, parent uint32, depth int) error
	walk = func(dir, parent uint32, depth int) error {
		if depth > 32 {
			return fmt.Errorf("fat32: directories nested too deep")
		}
		for _, c := range chain(dir) {
			buf := make([]byte, spc*bps)
			if _, err := rw.ReadAt(buf, clusterOff(c)); err != nil {
				return fmt.Errorf("fat32: %w", err)
			}
			// go-diskfs stamps entries with time.Now (or SOURCE_DATE_EPOCH
			// from the environment): restamp every short entry with the epoch.
			for off := 0; off < len(buf); off += 32 {
				e := buf[off : off+32]
				if e[0] != 0 && e[0] != 0xE5 && e[11] != 0x0F {
					e[0x0D] = 0
					le.PutUint16(e[0x0E:], ftime)
					le.PutUint16(e[0x10:], fdate)
					le.PutUint16(e[0x12:], fdate)
					le.PutUint16(e[0x16:], ftime)
					le.PutUint16(e[0x18:], fdate)
				}
			}
			if _, err := rw.WriteAt(buf, clusterOff(c)); err != nil {
				return fmt.Errorf("fat32: %w", err)
			}
			for off := 0; off < len(buf); off += 32 {
				e := buf[off : off+32]
				switch {
				case e[0] == 0:
					return nil
				case e[0] == 0xE5 || e[11] == 0x0F || e[11]&0x10 == 0:
					continue
				case e[0] == '.':
					continue
				}
				child := uint32(le.Uint16(e[0x14:]))<<16 | uint32(le.Uint16(e[0x1A:]))
				if child < 2 {
					continue
				}
				// the child's second slot is ".."; its parent is dir (0 when dir is the root)
				p := dir
				if dir == rootClus {
					p = 0
				}
				dotdot := make([]byte, 32)
				at := clusterOff(child) + 32
				if _, err := rw.ReadAt(dotdot, at); err != nil {
					return fmt.Errorf("fat32: %w", err)
				}
				if string(dotdot[:2]) != ".." {
					return fmt.Errorf("fat32: directory at cluster %d has no '..' in its second slot", child)
				}
				le.PutUint16(dotdot[0x14:], uint16(p>>16))
				le.PutUint16(dotdot[0x1A:], uint16(p))
				if _, err := rw.WriteAt(dotdot, at); err != nil {
					return fmt.Errorf("fat32: %w", err)
				}
				if err := walk(child, dir, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(rootClus, 0, 0); err != nil {
		return err
	}
	var free uint32
	nextFree := uint32(0xffffffff)
	for c := uint32(2); int64(c) < nclusters+2; c++ {
		if next(c) == 0 {
			free++
			if nextFree == 0xffffffff {
				nextFree = c
			}
		}
	}
	for _, sec := range []int64{fsinfo, fsinfo + 6} {
		var b [8]byte
		le.PutUint32(b[0:], free)
		le.PutUint32(b[4:], nextFree)
		if _, err := rw.WriteAt(b[:], start+sec*bps+488); err != nil {
			return fmt.Errorf("fat32: FSInfo: %w", err)
		}
	}
	return nil
}

// fatTime encodes t (UTC) as FAT date and time; dates before 1980 clamp to
// 1980-01-01 00:00:00, after 2107 to the last representable day.
func fatTime(t time.Time) (date, tm uint16) {
	t = t.UTC()
	if t.Year() < 1980 {
		return 1<<5 | 1, 0
	}
	if t.Year() > 2107 {
		return 127<<9 | 12<<5 | 31, 23<<11 | 59<<5 | 29
	}
	return uint16(t.Year()-1980)<<9 | uint16(t.Month())<<5 | uint16(t.Day()),
		uint16(t.Hour())<<11 | uint16(t.Minute())<<5 | uint16(t.Second()/2)
}
