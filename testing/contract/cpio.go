package contract

import (
	"errors"
	"fmt"
	"io"
	"sort"
)

// File types for CPIO records, as in the st_mode bits of stat(2).
const (
	ModeDir     = 0o040000
	ModeRegular = 0o100000
	ModeSymlink = 0o120000
	ModeCharDev = 0o020000
)

// CPIOHeader describes one newc record. Times, uid and gid are always zero so
// that archives are reproducible.
type CPIOHeader struct {
	Name  string // path without a leading slash, e.g. "bin/sh"
	Mode  uint32 // file type and permission bits
	Size  int64  // bytes of data that follow (the target for a symlink)
	Major uint32 // device numbers for character devices
	Minor uint32
}

// ErrCPIOClosed is returned by a CPIOWriter used after Close.
var ErrCPIOClosed = errors.New("contract: cpio writer closed")

// CPIOWriter writes a newc ("070701") archive, the format the Linux kernel
// unpacks as an initramfs. Like archive/tar it is a state machine: call
// WriteHeader, then write exactly Size bytes, repeat, then Close, which writes
// the trailer. The first error is sticky.
type CPIOWriter struct {
	w      io.Writer
	off    int64
	left   int64 // data bytes still owed for the current record
	pad    int64 // padding owed after the current record's data
	ino    uint32
	err    error
	closed bool
}

// NewCPIOWriter returns a writer that emits a newc archive to w.
func NewCPIOWriter(w io.Writer) *CPIOWriter { return &CPIOWriter{w: w} }

func (cw *CPIOWriter) write(p []byte) {
	if cw.err != nil {
		return
	}
	n, err := cw.w.Write(p)
	cw.off += int64(n)
	if err != nil {
		cw.err = fmt.Errorf("contract: cpio write: %w", err)
	}
}

func (cw *CPIOWriter) finishRecord() {
	if cw.left != 0 && cw.err == nil {
		cw.err = fmt.Errorf("contract: cpio: %d bytes missing from previous record", cw.left)
	}
	if cw.pad > 0 {
		cw.write(make([]byte, cw.pad))
		cw.pad = 0
	}
}

// WriteHeader starts a new record.
func (cw *CPIOWriter) WriteHeader(h CPIOHeader) error {
	if cw.closed {
		return ErrCPIOClosed
	}
	cw.finishRecord()
	if cw.err != nil {
		return cw.err
	}
	if h.Name == "" || h.Name[0] == '/' {
		cw.err = fmt.Errorf("contract: cpio: bad name %q", h.Name)
		return cw.err
	}
	if h.Size < 0 || h.Size > 0xffffffff {
		cw.err = fmt.Errorf("contract: cpio: %s: size %d does not fit newc", h.Name, h.Size)
		return cw.err
	}
	cw.ino++
	nlink := 1
	if h.Mode&0o170000 == ModeDir {
		nlink = 2
	}
	name := h.Name + "\x00"
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		cw.ino, h.Mode, 0, 0, nlink, 0, h.Size, 0, 0, h.Major, h.Minor, len(name), 0)
	cw.write([]byte(hdr))
	cw.write([]byte(name))
	cw.write(make([]byte, pad4(int64(len(hdr)+len(name)))))
	cw.left = h.Size
	cw.pad = pad4(h.Size)
	return cw.err
}

// Write writes data for the current record; writing more than Size is an error.
func (cw *CPIOWriter) Write(p []byte) (int, error) {
	if cw.closed {
		return 0, ErrCPIOClosed
	}
	if cw.err != nil {
		return 0, cw.err
	}
	if int64(len(p)) > cw.left {
		cw.err = fmt.Errorf("contract: cpio: write of %d bytes exceeds record size", len(p))
		return 0, cw.err
	}
	cw.write(p)
	if cw.err != nil {
		return 0, cw.err
	}
	cw.left -= int64(len(p))
	return len(p), nil
}

// Close writes the trailer record; it does not close the underlying writer.
func (cw *CPIOWriter) Close() error {
	if cw.closed {
		return cw.err
	}
	if cw.err == nil {
		cw.WriteHeader(CPIOHeader{Name: "TRAILER!!!"})
		cw.finishRecord()
	}
	cw.closed = true
	return cw.err
}

func pad4(n int64) int64 { return (4 - n%4) % 4 }

// Tree is an in-memory initramfs: paths (no leading slash) mapped to entries.
// Parents are added implicitly; WriteTo emits entries sorted by path.
type Tree struct {
	entries map[string]treeEntry
}

type treeEntry struct {
	hdr  CPIOHeader
	data []byte
}

// ErrExist is returned when a path is added twice.
var ErrExist = errors.New("contract: tree path already exists")

func (t *Tree) add(h CPIOHeader, data []byte) error {
	if t.entries == nil {
		t.entries = make(map[string]treeEntry)
	}
	if _, ok := t.entries[h.Name]; ok {
		return fmt.Errorf("%w: %s", ErrExist, h.Name)
	}
	for dir := parent(h.Name); dir != ""; dir = parent(dir) {
		if e, ok := t.entries[dir]; ok {
			if e.hdr.Mode&0o170000 != ModeDir {
				return fmt.Errorf("contract: tree: %s: parent %s is not a directory", h.Name, dir)
			}
			continue
		}
		t.entries[dir] = treeEntry{hdr: CPIOHeader{Name: dir, Mode: ModeDir | 0o755}}
	}
	h.Size = int64(len(data))
	t.entries[h.Name] = treeEntry{hdr: h, data: data}
	return nil
}

func parent(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return ""
}

// AddFile adds a regular file with the given permission bits.
func (t *Tree) AddFile(name string, perm uint32, data []byte) error {
	return t.add(CPIOHeader{Name: name, Mode: ModeRegular | perm&0o7777}, data)
}

// AddDir adds a directory.
func (t *Tree) AddDir(name string, perm uint32) error {
	return t.add(CPIOHeader{Name: name, Mode: ModeDir | perm&0o7777}, nil)
}

// AddSymlink adds a symbolic link to target.
func (t *Tree) AddSymlink(name, target string) error {
	return t.add(CPIOHeader{Name: name, Mode: ModeSymlink | 0o777}, []byte(target))
}

// AddCharDev adds a character device node.
func (t *Tree) AddCharDev(name string, perm, major, minor uint32) error {
	return t.add(CPIOHeader{Name: name, Mode: ModeCharDev | perm&0o7777, Major: major, Minor: minor}, nil)
}

// WriteCPIO writes the tree as a newc archive, entries sorted by path so that
// parents precede children and the bytes are reproducible.
func (t *Tree) WriteCPIO(w io.Writer) error {
	names := make([]string, 0, len(t.entries))
	for n := range t.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	cw := NewCPIOWriter(w)
	for _, n := range names {
		e := t.entries[n]
		if err := cw.WriteHeader(e.hdr); err != nil {
			return err
		}
		if _, err := cw.Write(e.data); err != nil {
			return err
		}
	}
	return cw.Close()
}
