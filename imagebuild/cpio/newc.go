// Package cpio writes and reads the "newc" (SVR4, magic 070701) cpio format
// that Linux unpacks as an initramfs.
//
// The project's chosen dependency, github.com/cavaliergopher/cpio, cannot
// express what an initramfs needs: its Header has no field for the device
// number of a character or block node (rdevmajor/rdevminor are always written
// as 0, so /dev/console would become c 0 0), and its writer ignores
// Header.Linkname, expecting the caller to know that a newc symlink stores its
// target as the file body. Its reader likewise discards rdev. Rather than wrap
// a writer whose header we must rebuild anyway, this package implements the
// format (one 110-byte ASCII header, 4-byte padding) directly; the tests read
// our archives back with cavaliergopher/cpio and with GNU cpio to prove
// compatibility.
//
// Writer follows archive/tar: WriteHeader, then Write exactly Size bytes; the
// first error is sticky; Close writes the TRAILER!!! record.
package cpio

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Mode type bits as stored in c_mode.
const (
	TypeMask    = 0o170000
	TypeSocket  = 0o140000
	TypeSymlink = 0o120000
	TypeReg     = 0o100000
	TypeBlock   = 0o060000
	TypeDir     = 0o040000
	TypeChar    = 0o020000
	TypeFifo    = 0o010000
)

// Limits of the newc format as this package writes it, exported so a recipe
// can be checked against them before a build starts.
const (
	// MaxField is the largest value of a header field: eight hex digits.
	MaxField = 0xffffffff
	// MaxNameSize is the largest c_namesize (the name and its NUL). The
	// format would hold more, but Linux's initramfs unpacker skips a record
	// whose name size exceeds PATH_MAX (4096), so the writer refuses it.
	MaxNameSize = 4096
)

const (
	magic      = "070701"
	headerLen  = 110
	trailer    = "TRAILER!!!"
	maxField   = MaxField
	maxNameLen = MaxNameSize
)

// Errors.
var (
	ErrHeader     = errors.New("cpio: invalid newc header")
	ErrFieldRange = errors.New("cpio: header field does not fit in 32 bits")
	ErrWriteSize  = errors.New("cpio: wrote a different number of bytes than the header's size")
	ErrClosed     = errors.New("cpio: write after close")
)

// Header is one newc record. Mode holds type and permission bits.
type Header struct {
	Name      string
	Ino       uint64
	Mode      uint64
	UID, GID  uint64
	Nlink     uint64
	Mtime     int64
	Size      int64
	DevMajor  uint64
	DevMinor  uint64
	RdevMajor uint64
	RdevMinor uint64
}

// Writer streams newc records.
type Writer struct {
	w         io.Writer
	err       error
	remaining int64 // bytes of the current body still expected
	pad       int   // padding owed after the current body
	closed    bool
	off       int64
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.w.Write(b)
	w.off += int64(n)
	if err != nil {
		w.err = fmt.Errorf("cpio: %w", err)
	}
}

func pad4(n int64) int { return int((4 - n%4) % 4) }

// WriteHeader starts a record. The previous record's body must be complete.
func (w *Writer) WriteHeader(h *Header) error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if w.remaining != 0 {
		w.err = fmt.Errorf("%w: %d bytes missing before %q", ErrWriteSize, w.remaining, h.Name)
		return w.err
	}
	if len(h.Name) == 0 || len(h.Name) >= maxNameLen {
		return fmt.Errorf("%w: name length %d", ErrHeader, len(h.Name))
	}
	fields := []struct {
		name string
		v    uint64
	}{
		{"ino", h.Ino}, {"mode", h.Mode}, {"uid", h.UID}, {"gid", h.GID}, {"nlink", h.Nlink},
		{"mtime", uint64(h.Mtime)}, {"filesize", uint64(h.Size)}, {"devmajor", h.DevMajor},
		{"devminor", h.DevMinor}, {"rdevmajor", h.RdevMajor}, {"rdevminor", h.RdevMinor},
		{"namesize", uint64(len(h.Name) + 1)}, {"check", 0},
	}
	if h.Mtime < 0 || h.Size < 0 {
		return fmt.Errorf("%w: %q: negative mtime or size", ErrFieldRange, h.Name)
	}
	buf := make([]byte, 0, headerLen+len(h.Name)+4)
	buf = append(buf, magic...)
	for _, f := range fields {
		if f.v > maxField {
			return fmt.Errorf("%w: %q: %s = %d", ErrFieldRange, h.Name, f.name, f.v)
		}
		buf = fmt.Appendf(buf, "%08x", f.v)
	}
	buf = append(buf, h.Name...)
	buf = append(buf, 0)
	for len(buf)%4 != 0 {
		buf = append(buf, 0)
	}
	w.write(buf)
	w.remaining = h.Size
	w.pad = pad4(h.Size)
	w.flushPad()
	return w.err
}

func (w *Writer) flushPad() {
	if w.remaining == 0 && w.pad > 0 {
		w.write(make([]byte, w.pad))
		w.pad = 0
	}
}

// Write writes body bytes of the current record.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if int64(len(p)) > w.remaining {
		w.err = fmt.Errorf("%w: %d bytes beyond the record", ErrWriteSize, int64(len(p))-w.remaining)
		return 0, w.err
	}
	w.write(p)
	if w.err != nil {
		return 0, w.err
	}
	w.remaining -= int64(len(p))
	w.flushPad()
	return len(p), w.err
}

// Close writes the trailer record. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	if w.err == nil {
		if w.remaining != 0 {
			w.err = fmt.Errorf("%w: %d bytes missing at close", ErrWriteSize, w.remaining)
		} else {
			w.WriteHeader(&Header{Name: trailer, Nlink: 1})
		}
	}
	w.closed = true
	return w.err
}

// Reader reads newc records.
type Reader struct {
	r         io.Reader
	remaining int64
	pad       int
	off       int64
	err       error
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

func (r *Reader) skip(n int64) error {
	got, err := io.CopyN(io.Discard, r.r, n)
	r.off += got
	if err != nil {
		return fmt.Errorf("%w: truncated archive at offset %d", ErrHeader, r.off)
	}
	return nil
}

// Next advances to the next record, skipping what is left of the current
// body. It returns io.EOF after the trailer.
func (r *Reader) Next() (*Header, error) {
	if r.err != nil {
		return nil, r.err
	}
	if err := r.skip(r.remaining + int64(r.pad)); err != nil {
		r.err = err
		return nil, err
	}
	r.remaining, r.pad = 0, 0
	h, err := r.readHeader()
	if err != nil {
		r.err = err
		return nil, err
	}
	if h.Name == trailer {
		r.err = io.EOF
		return nil, io.EOF
	}
	r.remaining = h.Size
	r.pad = pad4(h.Size)
	return h, nil
}

func (r *Reader) readHeader() (*Header, error) {
	start := r.off
	var b [headerLen]byte
	n, err := io.ReadFull(r.r, b[:])
	r.off += int64(n)
	if err != nil {
		return nil, fmt.Errorf("%w: truncated header at offset %d", ErrHeader, start)
	}
	if string(b[:6]) != magic {
		return nil, fmt.Errorf("%w: bad magic %q at offset %d", ErrHeader, b[:6], start)
	}
	var v [13]uint64
	for i := range v {
		f := b[6+8*i : 14+8*i]
		x, err := strconv.ParseUint(string(f), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: field %d %q at offset %d", ErrHeader, i, f, start)
		}
		v[i] = x
	}
	namesize := v[11]
	if namesize == 0 || namesize > maxNameLen {
		return nil, fmt.Errorf("%w: name size %d at offset %d", ErrHeader, namesize, start)
	}
	name := make([]byte, int(namesize)+pad4(headerLen+int64(namesize)))
	n, err = io.ReadFull(r.r, name)
	r.off += int64(n)
	if err != nil {
		return nil, fmt.Errorf("%w: truncated name at offset %d", ErrHeader, start)
	}
	if name[namesize-1] != 0 {
		return nil, fmt.Errorf("%w: name not NUL-terminated at offset %d", ErrHeader, start)
	}
	return &Header{
		Name: string(name[:namesize-1]), Ino: v[0], Mode: v[1], UID: v[2], GID: v[3], Nlink: v[4],
		Mtime: int64(v[5]), Size: int64(v[6]), DevMajor: v[7], DevMinor: v[8], RdevMajor: v[9], RdevMinor: v[10],
	}, nil
}

// Read reads from the current record's body.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.remaining == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	n, err := r.r.Read(p)
	r.off += int64(n)
	r.remaining -= int64(n)
	if err == io.EOF && r.remaining > 0 {
		r.err = fmt.Errorf("%w: truncated body", ErrHeader)
		return n, r.err
	}
	if err != nil && err != io.EOF {
		r.err = fmt.Errorf("cpio: %w", err)
		return n, r.err
	}
	return n, nil
}
