package ext4

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"

	"aramid/imagebuild/tree"
	"aramid/kernel/fs/ext4/layout"
)

// ErrFormat is wrapped by every error Read returns for a filesystem it cannot
// read: not ext4, or using a feature this reader does not know.
var ErrFormat = errors.New("ext4: unsupported or corrupt filesystem")

// Features this reader understands: those Build writes (file types,
// extents, 64-bit descriptors, flex_bg) and metadata_csum_seed; the
// read-only-compatible ones (checksums, huge files, dir_nlink, ...) a
// plain read can ignore (checksums are not verified). Hashed directories
// are read linearly: their index blocks look like empty entries.
const (
	knownIncompat   = layout.IncompatFiletype | layout.IncompatExtents | layout.Incompat64bit | layout.IncompatFlexBG | layout.IncompatCsumSeed
	maxReadFileSize = 1 << 32
	maxListed       = 1 << 20
)

// Listing is what Read found: one manifest row per path (without origins),
// sorted, the root as "/", and the filesystem's label. The writer's own
// lost+found is left out: it is filesystem metadata, not image content.
type Listing struct {
	Label string
	Files []tree.File
}

type reader struct {
	r    io.ReaderAt
	size int64
	sb   *layout.Superblock
	bs   int64
}

// Read lists the ext4 filesystem of size bytes in r. It reads only the
// structures Build writes (linear directories, extent trees of any depth,
// fast and slow symlinks, old and new device encodings), which covers
// mke2fs's defaults too except hashed directories' index blocks, which it
// skips the way a linear reader does.
func Read(r io.ReaderAt, size int64) (*Listing, error) {
	raw := make([]byte, layout.SuperSize)
	if _, err := r.ReadAt(raw, layout.SuperOffset); err != nil {
		return nil, fmt.Errorf("%w: superblock: %v", ErrFormat, err)
	}
	sb, err := layout.DecodeSuperblock(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if f := sb.FeatureIncompat; f&^knownIncompat != 0 {
		return nil, fmt.Errorf("%w: incompatible features %s", ErrFormat, layout.FeatureNames(f&^knownIncompat, true))
	}
	rd := &reader{r: r, size: size, sb: sb, bs: int64(sb.BlockSize())}
	l := &Listing{Label: cstring(sb.VolumeName[:])}

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
		data, err := rd.data(ino, in)
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
			if len(all) > maxListed {
				return fmt.Errorf("%w: more than %d entries", ErrFormat, maxListed)
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
	all = append(all, named{"/", layout.RootIno, 2})
	if err := walk("/", layout.RootIno, 0); err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].path < all[j].path })
	firstName := map[uint32]string{}
	for _, n := range all {
		in, err := rd.inode(n.ino)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.path, err)
		}
		row := tree.File{Path: n.path, Mode: fmt.Sprintf("%04o", in.Mode&0o7777), UID: in.UID, GID: in.GID}
		switch in.Mode & layout.ModeFmt {
		case layout.ModeReg:
			if in.LinksCount > 1 {
				if p, ok := firstName[n.ino]; ok {
					row.Type, row.Target = "hardlink", p
					l.Files = append(l.Files, row)
					continue
				}
				firstName[n.ino] = n.path
			}
			data, err := rd.data(n.ino, in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n.path, err)
			}
			row.Type, row.Size, row.SHA256 = "file", int64(len(data)), digest(data)
		case layout.ModeDir:
			row.Type = "dir"
		case layout.ModeLnk:
			var target []byte
			if in.Flags&layout.FlagExtents == 0 && in.Size < 60 {
				target = in.Block[:in.Size]
			} else if target, err = rd.data(n.ino, in); err != nil {
				return nil, fmt.Errorf("%s: %w", n.path, err)
			}
			row.Type, row.Target, row.Size, row.SHA256 = "symlink", string(target), int64(len(target)), digest(target)
		case layout.ModeChr, layout.ModeBlk:
			row.Type = "char"
			if in.Mode&layout.ModeFmt == layout.ModeBlk {
				row.Type = "block"
			}
			maj, mnr := layout.DecodeDev(in.Block[:])
			row.Device = strconv.FormatUint(uint64(maj), 10) + ":" + strconv.FormatUint(uint64(mnr), 10)
		case layout.ModeFIFO:
			row.Type = "fifo"
		default:
			return nil, fmt.Errorf("%w: %s: file type %#o", ErrFormat, n.path, in.Mode&layout.ModeFmt)
		}
		l.Files = append(l.Files, row)
	}
	return l, nil
}

// readAt reads len(p) bytes at off, refusing reads past the filesystem.
func (rd *reader) readAt(p []byte, off int64, what string) error {
	if off < 0 || off+int64(len(p)) > rd.size {
		return fmt.Errorf("%w: %s outside the filesystem", ErrFormat, what)
	}
	if _, err := rd.r.ReadAt(p, off); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFormat, what, err)
	}
	return nil
}

func (rd *reader) inode(ino uint32) (*layout.Inode, error) {
	if ino == 0 || ino > rd.sb.InodesCount {
		return nil, fmt.Errorf("%w: inode %d out of range", ErrFormat, ino)
	}
	g, idx := rd.sb.InodeLocation(ino)
	blk, off := rd.sb.GroupDescLocation(g)
	dsz := rd.sb.DescriptorSize()
	raw := make([]byte, dsz)
	if err := rd.readAt(raw, int64(blk)*rd.bs+int64(off), fmt.Sprintf("group descriptor %d", g)); err != nil {
		return nil, err
	}
	gd, err := layout.DecodeGroupDesc(raw, dsz)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	isz := int64(rd.sb.InodeSize)
	b := make([]byte, isz)
	if gd.InodeTable > uint64(rd.size) {
		return nil, fmt.Errorf("%w: inode %d outside the filesystem", ErrFormat, ino)
	}
	if err := rd.readAt(b, int64(gd.InodeTable)*rd.bs+int64(idx)*isz, fmt.Sprintf("inode %d", ino)); err != nil {
		return nil, err
	}
	in, err := layout.DecodeInode(b, int(isz))
	if err != nil {
		return nil, fmt.Errorf("%w: inode %d: %v", ErrFormat, ino, err)
	}
	return in, nil
}

// data reads an extent-mapped inode's contents (size bytes; holes read as
// zeros).
func (rd *reader) data(ino uint32, in *layout.Inode) ([]byte, error) {
	if in.Flags&layout.FlagExtents == 0 {
		if in.Size == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: inode %d uses block maps (only extents are read)", ErrFormat, ino)
	}
	if in.Size > maxReadFileSize || int64(in.Size) > rd.size {
		return nil, fmt.Errorf("%w: inode %d: size %d", ErrFormat, ino, in.Size)
	}
	out := make([]byte, in.Size)
	if err := rd.extents(in.Block[:], out, 0); err != nil {
		return nil, fmt.Errorf("inode %d: %w", ino, err)
	}
	return out, nil
}

func (rd *reader) extents(node []byte, out []byte, depth int) error {
	h, err := layout.DecodeExtentHeader(node)
	if err != nil || depth > layout.MaxExtentDepth {
		return fmt.Errorf("%w: bad extent node at depth %d: %v", ErrFormat, depth, err)
	}
	for i := 0; i < int(h.Entries); i++ {
		if h.Depth > 0 {
			child := layout.DecodeExtentIndex(node, i).Leaf
			buf := make([]byte, rd.bs)
			if child > uint64(rd.size) {
				return fmt.Errorf("%w: extent index block %d outside the filesystem", ErrFormat, child)
			}
			if err := rd.readAt(buf, int64(child)*rd.bs, fmt.Sprintf("extent index block %d", child)); err != nil {
				return err
			}
			if err := rd.extents(buf, out, depth+1); err != nil {
				return err
			}
			continue
		}
		x := layout.DecodeExtent(node, i)
		if x.Unwritten {
			continue // reads as zeros
		}
		from := int64(x.Block) * rd.bs
		if from >= int64(len(out)) {
			continue
		}
		want := min(int64(x.Len)*rd.bs, int64(len(out))-from)
		if x.Start > uint64(rd.size) {
			return fmt.Errorf("%w: extent past the end of the filesystem", ErrFormat)
		}
		if err := rd.readAt(out[from:from+want], int64(x.Start)*rd.bs, fmt.Sprintf("data block %d", x.Start)); err != nil {
			return err
		}
	}
	return nil
}

type dirent struct {
	name  string
	ino   uint32
	ftype uint8
}

func (rd *reader) dirents(data []byte) ([]dirent, error) {
	var out []dirent
	for blk := 0; blk < len(data); blk += int(rd.bs) {
		b := data[blk:min(len(data), blk+int(rd.bs))]
		for off := 0; off+layout.DirentHeaderSize <= len(b); {
			d, err := layout.DecodeDirent(b, off)
			if err != nil {
				return nil, fmt.Errorf("%w: directory entry at %d: %v", ErrFormat, blk+off, err)
			}
			if d.Inode != 0 && d.NameLen > 0 {
				out = append(out, dirent{name: string(d.Name), ino: d.Inode, ftype: d.FileType})
			}
			off += d.RecLen
		}
	}
	return out, nil
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
