// Package initramfs unpacks initramfs images into the VFS the way Linux's
// init/initramfs.c does: newc cpio archives (magic 070701, or 070702 with
// the data checksum verified), plain or compressed with gzip or xz (CRC32,
// CRC64 or SHA-256 checks), recognised by their magic numbers, several of
// them concatenated with zero padding in between.
//
// Regular files, directories, symlinks, device nodes, FIFOs and sockets
// are created with the archive's mode, owner and mtime (directory times
// are set last, as Linux does). Entries that share (device, inode) with
// nlink > 1 become hard links of the first one, and data carried by a later
// link is written through it, which handles GNU cpio's habit of storing the
// data with the last link.
//
// Not implemented: zstd, bzip2, lzma, lzo and lz4 compression
// (ErrCompression) — zstd is left out on purpose: the only pure-Go decoder
// imports crypto/rand, whose FIPS DRBG arena adds 32 MiB of bss to the
// kernel image, a quarter of a 128 MiB machine; the old binary and odc cpio
// formats. Names with a ".." component are rejected rather than followed.
package initramfs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
	"aramid/kernel/xz"
)

// Errors, wrapped in a *FormatError with the offset where they occurred.
var (
	ErrFormat      = errors.New("initramfs: malformed archive")
	ErrChecksum    = errors.New("initramfs: bad data checksum")
	ErrCompression = errors.New("initramfs: unsupported compression")
)

// FormatError reports a problem at an offset of the input (or of the
// decompressed member it occurred in; Member is the member's offset then).
type FormatError struct {
	Member int64 // offset of the compressed member, -1 for plain data
	Offset int64
	Msg    string
	Err    error
}

func (e *FormatError) Error() string {
	if e.Member >= 0 {
		return fmt.Sprintf("initramfs: member at %d: offset %d: %s", e.Member, e.Offset, e.Msg)
	}
	return fmt.Sprintf("initramfs: offset %d: %s", e.Offset, e.Msg)
}

func (e *FormatError) Unwrap() error { return e.Err }

var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicGzip2 = []byte{0x1f, 0x9e}
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicBzip2 = []byte{'B', 'Z', 'h'}
	magicLzma  = []byte{0x5d, 0x00, 0x00}
	magicLzo   = []byte{0x89, 'L', 'Z', 'O'}
	magicLz4   = []byte{0x02, 0x21, 0x4c, 0x18}
)

// maxDecompressed bounds one decompressed member, so a hostile image
// cannot exhaust memory by itself.
const maxDecompressed = 1 << 31

// Unpack extracts every archive in data into the directory dest (usually
// "/"), as root, through v.
func Unpack(v *vfs.VFS, fsc *vfs.FSContext, dest string, data []byte) error {
	u := &unpacker{v: v, fsc: fsc.Fork(), c: &vfs.Caller{}, dest: dest, links: make(map[linkKey]string)}
	u.fsc.SetUmask(0)
	if err := u.run(data); err != nil {
		return err
	}
	return u.finish()
}

type linkKey struct {
	major, minor, ino uint32
	mode              uint32
}

type unpacker struct {
	v     *vfs.VFS
	fsc   *vfs.FSContext
	c     *vfs.Caller
	dest  string
	links map[linkKey]string
	dirs  []dirTime
}

type dirTime struct {
	path  string
	mtime int64
}

func (u *unpacker) run(data []byte) error {
	off := 0
	for off < len(data) {
		rest := data[off:]
		switch {
		case rest[0] == 0:
			off++
		case off%4 == 0 && bytes.HasPrefix(rest, []byte("0707")):
			n, err := u.cpio(rest, false)
			if err != nil {
				return relocate(err, -1, int64(off))
			}
			off += n
		default:
			out, n, err := decompress(rest)
			if err != nil {
				return &FormatError{Member: -1, Offset: int64(off), Msg: err.Error(), Err: errOr(err)}
			}
			if _, err := u.cpio(out, true); err != nil {
				return relocate(err, int64(off), 0)
			}
			off += n
		}
	}
	return nil
}

func errOr(err error) error {
	if errors.Is(err, ErrCompression) {
		return ErrCompression
	}
	return ErrFormat
}

// relocate adds the member position to an error from cpio.
func relocate(err error, member, base int64) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		fe.Member = member
		fe.Offset += base
		return fe
	}
	return err
}

// decompress decodes the compressed member at the start of data and
// returns its contents and the compressed length.
func decompress(data []byte) ([]byte, int, error) {
	br := bytes.NewReader(data)
	var r io.Reader
	switch {
	case bytes.HasPrefix(data, magicGzip), bytes.HasPrefix(data, magicGzip2):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, 0, fmt.Errorf("gzip: %v", err)
		}
		zr.Multistream(false)
		r = zr
	case bytes.HasPrefix(data, magicXz):
		// The whole member decodes at once into one buffer that is also
		// the LZMA dictionary (kernel/xz): the boot's biggest cost.
		out, n, err := xz.Decode(data, maxDecompressed)
		if errors.Is(err, xz.ErrLimit) {
			return nil, 0, errors.New("member decompresses to more than 2 GiB")
		}
		if err != nil {
			return nil, 0, err
		}
		return out, n, nil
	case bytes.HasPrefix(data, magicZstd), bytes.HasPrefix(data, magicBzip2), bytes.HasPrefix(data, magicLzma), bytes.HasPrefix(data, magicLzo),
		bytes.HasPrefix(data, magicLz4):
		return nil, 0, fmt.Errorf("%w (zstd, bzip2, lzma, lzo or lz4)", ErrCompression)
	default:
		return nil, 0, fmt.Errorf("unrecognised data %q", data[:min(len(data), 8)])
	}
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(r, maxDecompressed+1))
	if err != nil {
		return nil, 0, err
	}
	if n > maxDecompressed {
		return nil, 0, errors.New("member decompresses to more than 2 GiB")
	}
	return out.Bytes(), len(data) - br.Len(), nil
}

// header is a parsed newc header.
type header struct {
	ino, mode, uid, gid, nlink, mtime, filesize uint32
	devmajor, devminor, rdevmajor, rdevminor    uint32
	namesize, check                             uint32
}

const headerSize = 110

func align4(n int) int { return (n + 3) &^ 3 }

// cpio parses archives from data until the trailer (or, in a decompressed
// member, until the data ends) and returns the bytes consumed.
func (u *unpacker) cpio(data []byte, all bool) (int, error) {
	off := 0
	for {
		if all {
			for off < len(data) && data[off] == 0 {
				off++
			}
			if off == len(data) {
				return off, nil
			}
			if off%4 != 0 {
				return off, &FormatError{Offset: int64(off), Msg: "broken padding", Err: ErrFormat}
			}
		}
		if len(data)-off < headerSize {
			return off, &FormatError{Offset: int64(off), Msg: "truncated header", Err: ErrFormat}
		}
		h, err := parseHeader(data[off : off+headerSize])
		if err != nil {
			return off, &FormatError{Offset: int64(off), Msg: err.Error(), Err: ErrFormat}
		}
		nameStart := off + headerSize
		if h.namesize == 0 || h.namesize > abi.PATH_MAX || int(h.namesize) > len(data)-nameStart {
			return off, &FormatError{Offset: int64(off), Msg: fmt.Sprintf("bad name size %d", h.namesize), Err: ErrFormat}
		}
		name := string(data[nameStart : nameStart+int(h.namesize)-1])
		dataStart := align4(nameStart + int(h.namesize))
		if uint64(h.filesize) > uint64(len(data)) || dataStart+int(h.filesize) > len(data) {
			return off, &FormatError{Offset: int64(off), Msg: fmt.Sprintf("%q: file size %d beyond the archive", name, h.filesize), Err: ErrFormat}
		}
		body := data[dataStart : dataStart+int(h.filesize)]
		next := align4(dataStart + int(h.filesize))
		if next > len(data) {
			next = len(data)
		}
		if string(data[off:off+6]) == "070702" {
			var sum uint32
			for _, b := range body {
				sum += uint32(b)
			}
			if sum != h.check {
				return off, &FormatError{Offset: int64(off), Msg: fmt.Sprintf("%q: checksum %#x, header says %#x", name, sum, h.check), Err: ErrChecksum}
			}
		}
		if name == "TRAILER!!!" {
			if !all {
				return next, nil
			}
			off = next
			continue
		}
		if err := u.entry(name, h, body); err != nil {
			return off, &FormatError{Offset: int64(off), Msg: fmt.Sprintf("%q: %v", name, err), Err: err}
		}
		off = next
	}
}

func parseHeader(b []byte) (header, error) {
	magic := string(b[:6])
	if magic != "070701" && magic != "070702" {
		return header{}, fmt.Errorf("bad magic %q (only newc is supported)", magic)
	}
	var f [13]uint32
	for i := range f {
		var v uint32
		for _, c := range b[6+8*i : 14+8*i] {
			var d byte
			switch {
			case c >= '0' && c <= '9':
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			default:
				return header{}, fmt.Errorf("bad hex digit %q in header field %d", c, i)
			}
			v = v<<4 | uint32(d)
		}
		f[i] = v
	}
	return header{ino: f[0], mode: f[1], uid: f[2], gid: f[3], nlink: f[4], mtime: f[5], filesize: f[6],
		devmajor: f[7], devminor: f[8], rdevmajor: f[9], rdevminor: f[10], namesize: f[11], check: f[12]}, nil
}

// target turns an archive name into a VFS path under dest.
func (u *unpacker) target(name string) (string, error) {
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", errors.New("name with a \"..\" component")
		}
	}
	clean := path.Clean("/" + name)
	if u.dest == "/" || u.dest == "" {
		return clean, nil
	}
	if clean == "/" {
		return u.dest, nil
	}
	return strings.TrimRight(u.dest, "/") + clean, nil
}

// entry creates one archive member.
func (u *unpacker) entry(name string, h header, body []byte) error {
	p, err := u.target(name)
	if err != nil {
		return err
	}
	typ := h.mode & abi.S_IFMT
	perm := h.mode & 0o7777
	v, c, fsc := u.v, u.c, u.fsc
	// Replace an existing entry of another type, as Linux's clean_path.
	if st, err := v.StatAt(c, fsc, nil, p, abi.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&abi.S_IFMT != typ {
		if st.Mode&abi.S_IFMT == abi.S_IFDIR {
			v.UnlinkAt(c, fsc, nil, p, abi.AT_REMOVEDIR)
		} else {
			v.UnlinkAt(c, fsc, nil, p, 0)
		}
	}
	switch typ {
	case abi.S_IFDIR:
		if err := v.MkdirAt(c, fsc, nil, p, perm); err != nil && err != abi.EEXIST {
			return err
		}
		u.dirs = append(u.dirs, dirTime{p, int64(h.mtime)})
	case abi.S_IFREG:
		flags := uint32(abi.O_WRONLY | abi.O_CREAT | abi.O_TRUNC)
		if h.nlink >= 2 {
			k := linkKey{h.devmajor, h.devminor, h.ino, h.mode}
			if old, ok := u.links[k]; ok {
				v.UnlinkAt(c, fsc, nil, p, 0)
				if err := v.LinkAt(c, fsc, nil, old, nil, p, 0); err != nil {
					return err
				}
				flags &^= abi.O_TRUNC
			} else {
				u.links[k] = p
			}
		}
		f, err := v.OpenAt(c, fsc, nil, p, flags, perm)
		if err != nil {
			return err
		}
		_, werr := f.Write(c, body)
		f.DecRef()
		if werr != nil {
			return werr
		}
	case abi.S_IFLNK:
		if len(body) >= abi.PATH_MAX {
			return abi.ENAMETOOLONG
		}
		v.UnlinkAt(c, fsc, nil, p, 0)
		if err := v.SymlinkAt(c, fsc, string(body), nil, p); err != nil {
			return err
		}
	case abi.S_IFCHR, abi.S_IFBLK, abi.S_IFIFO, abi.S_IFSOCK:
		v.UnlinkAt(c, fsc, nil, p, 0)
		if err := v.MknodAt(c, fsc, nil, p, typ|perm, abi.MakeDev(h.rdevmajor, h.rdevminor)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown file type %#o", typ)
	}
	if err := v.ChownAt(c, fsc, nil, p, h.uid, h.gid, abi.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if typ != abi.S_IFLNK {
		if err := v.ChmodAt(c, fsc, nil, p, perm, 0); err != nil {
			return err
		}
	}
	if typ != abi.S_IFDIR {
		t := [2]abi.Timespec{{Sec: int64(h.mtime)}, {Sec: int64(h.mtime)}}
		return v.UtimensAt(c, fsc, nil, p, &t, abi.AT_SYMLINK_NOFOLLOW)
	}
	return nil
}

// finish sets directory times, deepest first, so later entries do not
// disturb them.
func (u *unpacker) finish() error {
	sort.SliceStable(u.dirs, func(i, j int) bool { return len(u.dirs[i].path) > len(u.dirs[j].path) })
	for _, d := range u.dirs {
		t := [2]abi.Timespec{{Sec: d.mtime}, {Sec: d.mtime}}
		if err := u.v.UtimensAt(u.c, u.fsc, nil, d.path, &t, abi.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	return nil
}
