package ext4

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"

	"aramid/imagebuild/tree"
)

// ErrFormat is wrapped by every error Read returns for a filesystem it cannot
// read: not ext4, or using a feature this reader does not know.
var ErrFormat = errors.New("ext4: unsupported or corrupt filesystem")

// Features this reader understands: those Build writes (file types, extents,
// sparse superblocks, large files, extra inode size) plus the flags a plain
// read can ignore (64-bit group descriptors, flex_bg, huge files, dir_nlink,
// metadata checksums, which are not verified).
const (
	incompat64Bit   = 0x80
	incompatFlexBG  = 0x200
	knownIncompat   = incompatFiletype | incompatExtents | incompat64Bit | incompatFlexBG
	maxReadFileSize = 1 << 32
	maxDirEntries   = 1 << 20
)

// Listing is what Read found: one manifest row per path (without origins),
// sorted, the root as "/", and the filesystem's label. The writer's own
// lost+found is left out: it is filesystem metadata, not image content.
type Listing struct {
	Label string
	Files []tree.File
}

type reader struct {
	r         io.ReaderAt
	size      int64
	bsize     int64
	ipg       uint32
	isize     int64
	ninodes   uint32
	descSize  int64
	gdtOffset int64
}

// Read lists the ext4 filesystem of size bytes in r. It reads only the
// structures Build writes (linear directories, extent trees of any depth,
// fast and slow symlinks, old and new device encodings), which covers
// mke2fs's defaults too except hashed directories' index blocks, which it
// skips the way a linear reader does.
func Read(r io.ReaderAt, size int64) (*Listing, error) {
	sb := make([]byte, 1024)
	if _, err := r.ReadAt(sb, 1024); err != nil {
		return nil, fmt.Errorf("%w: superblock: %v", ErrFormat, err)
	}
	le := binary.LittleEndian
	if le.Uint16(sb[0x38:]) != 0xEF53 {
		return nil, fmt.Errorf("%w: no ext2/3/4 magic", ErrFormat)
	}
	if f := le.Uint32(sb[0x60:]); f&^knownIncompat != 0 {
		return nil, fmt.Errorf("%w: incompatible features %#x", ErrFormat, f&^knownIncompat)
	}
	logBS := le.Uint32(sb[0x18:])
	if logBS > 6 {
		return nil, fmt.Errorf("%w: block size 1024<<%d", ErrFormat, logBS)
	}
	rd := &reader{r: r, size: size, bsize: 1024 << logBS, ipg: le.Uint32(sb[0x28:]),
		isize: 128, ninodes: le.Uint32(sb[0x00:]), descSize: 32}
	if le.Uint32(sb[0x4C:]) >= 1 {
		rd.isize = int64(le.Uint16(sb[0x58:]))
	}
	if le.Uint32(sb[0x60:])&incompat64Bit != 0 {
		rd.descSize = int64(le.Uint16(sb[0xFE:]))
	}
	if rd.ipg == 0 || rd.isize < 128 || rd.descSize < 32 {
		return nil, fmt.Errorf("%w: geometry (inodes/group %d, inode size %d)", ErrFormat, rd.ipg, rd.isize)
	}
	first := int64(le.Uint32(sb[0x14:]))
	rd.gdtOffset = (first + 1) * rd.bsize
	l := &Listing{Label: cstring(sb[0x78:0x88])}

	type named struct {
		path string
		ino  uint32
		ft   uint8
	}
	var all []named
	seenDir := map[uint32]bool{} // a directory has one name: a second is a cycle
	var walk func(dir string, ino uint32, depth int) error
	walk = func(dir string, ino uint32, depth int) error {
		if depth > 256 {
			return fmt.Errorf("%w: directories nested too deep at %s", ErrFormat, dir)
		}
		if seenDir[ino] {
			return fmt.Errorf("%w: %s: directory inode %d has two names", ErrFormat, dir, ino)
		}
		seenDir[ino] = true
		in, err := rd.inode(ino)
		if err != nil {
			return err
		}
		data, err := rd.data(in)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		ents, err := rd.dirents(data)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		for _, e := range ents {
			if e.name == "." || e.name == ".." {
				continue
			}
			p := dir + "/" + e.name
			if dir == "/" {
				p = "/" + e.name
			}
			if p == "/lost+found" {
				continue
			}
			if len(all) > maxDirEntries {
				return fmt.Errorf("%w: more than %d entries", ErrFormat, maxDirEntries)
			}
			all = append(all, named{p, e.ino, e.ftype})
			if e.ftype == 2 {
				if err := walk(p, e.ino, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	all = append(all, named{"/", rootIno, 2})
	if err := walk("/", rootIno, 0); err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].path < all[j].path })
	firstName := map[uint32]string{}
	for _, n := range all {
		in, err := rd.inode(n.ino)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.path, err)
		}
		row := tree.File{Path: n.path, Mode: fmt.Sprintf("%04o", in.mode&0o7777), UID: in.uid, GID: in.gid}
		switch in.mode & 0o170000 {
		case 0o100000:
			if in.links > 1 {
				if p, ok := firstName[n.ino]; ok {
					row.Type, row.Target = "hardlink", p
					l.Files = append(l.Files, row)
					continue
				}
				firstName[n.ino] = n.path
			}
			data, err := rd.data(in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n.path, err)
			}
			row.Type, row.Size, row.SHA256 = "file", int64(len(data)), digest(data)
		case 0o040000:
			row.Type = "dir"
		case 0o120000:
			var target []byte
			if in.flags&extentsFlag == 0 && in.size < 60 {
				target = in.block[:in.size]
			} else if target, err = rd.data(in); err != nil {
				return nil, fmt.Errorf("%s: %w", n.path, err)
			}
			row.Type, row.Target, row.Size, row.SHA256 = "symlink", string(target), int64(len(target)), digest(target)
		case 0o020000, 0o060000:
			row.Type = "char"
			if in.mode&0o170000 == 0o060000 {
				row.Type = "block"
			}
			maj, mnr := decodeDev(in.block)
			row.Device = strconv.FormatUint(uint64(maj), 10) + ":" + strconv.FormatUint(uint64(mnr), 10)
		case 0o010000:
			row.Type = "fifo"
		default:
			return nil, fmt.Errorf("%w: %s: file type %#o", ErrFormat, n.path, in.mode&0o170000)
		}
		l.Files = append(l.Files, row)
	}
	return l, nil
}

type rawInode struct {
	mode   uint16
	uid    uint32
	gid    uint32
	size   uint64
	links  uint16
	flags  uint32
	block  []byte // i_block, 60 bytes
	number uint32
}

func (rd *reader) inode(ino uint32) (*rawInode, error) {
	if ino == 0 || ino > rd.ninodes {
		return nil, fmt.Errorf("%w: inode %d out of range", ErrFormat, ino)
	}
	grp := int64(ino-1) / int64(rd.ipg)
	idx := int64(ino-1) % int64(rd.ipg)
	gd := make([]byte, rd.descSize)
	if _, err := rd.r.ReadAt(gd, rd.gdtOffset+grp*rd.descSize); err != nil {
		return nil, fmt.Errorf("%w: group descriptor %d: %v", ErrFormat, grp, err)
	}
	le := binary.LittleEndian
	table := int64(le.Uint32(gd[8:]))
	if rd.descSize >= 64 {
		table |= int64(le.Uint32(gd[0x28:])) << 32
	}
	b := make([]byte, 160)
	off := table*rd.bsize + idx*rd.isize
	if off < 0 || off+rd.isize > rd.size {
		return nil, fmt.Errorf("%w: inode %d outside the filesystem", ErrFormat, ino)
	}
	if _, err := rd.r.ReadAt(b[:128], off); err != nil {
		return nil, fmt.Errorf("%w: inode %d: %v", ErrFormat, ino, err)
	}
	return &rawInode{
		mode:   le.Uint16(b[0x00:]),
		uid:    uint32(le.Uint16(b[0x02:])) | uint32(le.Uint16(b[0x78:]))<<16,
		gid:    uint32(le.Uint16(b[0x18:])) | uint32(le.Uint16(b[0x7A:]))<<16,
		size:   uint64(le.Uint32(b[0x04:])) | uint64(le.Uint32(b[0x6C:]))<<32,
		links:  le.Uint16(b[0x1A:]),
		flags:  le.Uint32(b[0x20:]),
		block:  b[0x28 : 0x28+60],
		number: ino,
	}, nil
}

// data reads an extent-mapped inode's contents (size bytes; holes read as
// zeros).
func (rd *reader) data(in *rawInode) ([]byte, error) {
	if in.flags&extentsFlag == 0 {
		if in.size == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: inode %d uses block maps (only extents are read)", ErrFormat, in.number)
	}
	if in.size > maxReadFileSize || int64(in.size) > rd.size {
		return nil, fmt.Errorf("%w: inode %d: size %d", ErrFormat, in.number, in.size)
	}
	out := make([]byte, in.size)
	if err := rd.extents(in.block, out, 0); err != nil {
		return nil, fmt.Errorf("inode %d: %w", in.number, err)
	}
	return out, nil
}

func (rd *reader) extents(node []byte, out []byte, depth int) error {
	le := binary.LittleEndian
	if len(node) < 12 || le.Uint16(node[0:]) != extentMagic {
		return fmt.Errorf("%w: bad extent header", ErrFormat)
	}
	n := int(le.Uint16(node[2:]))
	d := int(le.Uint16(node[6:]))
	if d > 5 || depth > 5 || 12+12*n > len(node) {
		return fmt.Errorf("%w: bad extent node (depth %d, %d entries)", ErrFormat, d, n)
	}
	for i := 0; i < n; i++ {
		e := node[12+12*i:]
		if d > 0 {
			child := int64(le.Uint32(e[4:])) | int64(le.Uint16(e[8:]))<<32
			buf := make([]byte, rd.bsize)
			if _, err := rd.r.ReadAt(buf, child*rd.bsize); err != nil {
				return fmt.Errorf("%w: extent index block %d: %v", ErrFormat, child, err)
			}
			if err := rd.extents(buf, out, depth+1); err != nil {
				return err
			}
			continue
		}
		logical := int64(le.Uint32(e[0:]))
		length := int64(le.Uint16(e[4:]))
		if length > maxExtentLen {
			continue // uninitialised extent: reads as zeros
		}
		start := int64(le.Uint32(e[8:])) | int64(le.Uint16(e[6:]))<<32
		from := logical * rd.bsize
		if from >= int64(len(out)) {
			continue
		}
		want := min(length*rd.bsize, int64(len(out))-from)
		if start*rd.bsize+want > rd.size {
			return fmt.Errorf("%w: extent past the end of the filesystem", ErrFormat)
		}
		if _, err := rd.r.ReadAt(out[from:from+want], start*rd.bsize); err != nil {
			return fmt.Errorf("%w: data block %d: %v", ErrFormat, start, err)
		}
	}
	return nil
}

func (rd *reader) dirents(data []byte) ([]dirent, error) {
	var out []dirent
	le := binary.LittleEndian
	for blk := 0; blk < len(data); blk += int(rd.bsize) {
		b := data[blk:min(len(data), blk+int(rd.bsize))]
		for off := 0; off+8 <= len(b); {
			ino := le.Uint32(b[off:])
			rec := int(le.Uint16(b[off+4:]))
			nl := int(b[off+6])
			if rec < 8 || off+rec > len(b) || 8+nl > rec {
				return nil, fmt.Errorf("%w: bad directory entry at %d", ErrFormat, blk+off)
			}
			if ino != 0 && nl > 0 {
				out = append(out, dirent{name: string(b[off+8 : off+8+nl]), ino: ino, ftype: b[off+7]})
			}
			off += rec
		}
	}
	return out, nil
}

func decodeDev(block []byte) (major, minor uint32) {
	le := binary.LittleEndian
	if old := le.Uint32(block[0:]); old != 0 {
		return old >> 8 & 0xff, old & 0xff
	}
	nw := le.Uint32(block[4:])
	return nw >> 8 & 0xfff, nw&0xff | nw>>12&0xfff00
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
