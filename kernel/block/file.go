package block

import (
	"encoding/binary"
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// pageSize bounds BLKBSZSET, as Linux's set_blocksize does.
const pageSize = 4096

// devState is what every open file of one Bdev shares.
type devState struct {
	mu        sync.Mutex // partial-sector writes (read-modify-write)
	exclusive any        // the holder of an exclusive claim (a mount, an O_EXCL file)
	bsize     int        // BLKBSZSET; 0 means the initial size
}

func (b *Bdev) state() *devState { return &b.st }

// whole is the disk of a partition, or the disk itself.
func (b *Bdev) whole() *Bdev {
	if b.Disk != nil {
		return b.Disk
	}
	return b
}

// Claim takes b for holder exclusively (a mount, an O_EXCL open), as
// bd_prepare_to_claim: EBUSY when another holder has b, or has the whole
// disk of a partition.
func (b *Bdev) Claim(holder any) error {
	s := b.state()
	w := b.whole().state()
	if w != s {
		w.mu.Lock()
		held := w.exclusive != nil && w.exclusive != holder
		w.mu.Unlock()
		if held {
			return abi.EBUSY
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exclusive != nil && s.exclusive != holder {
		return abi.EBUSY
	}
	s.exclusive = holder
	return nil
}

// Release gives up holder's claim.
func (b *Bdev) Release(holder any) {
	s := b.state()
	s.mu.Lock()
	if s.exclusive == holder {
		s.exclusive = nil
	}
	s.mu.Unlock()
}

// BlockSize is the soft block size BLKBSZGET reports: BLKBSZSET's, or
// Linux's initial one (the largest power of two up to the page size,
// from the logical sector size up, that divides the device's size).
func (b *Bdev) BlockSize() int {
	s := b.state()
	s.mu.Lock()
	bs := s.bsize
	s.mu.Unlock()
	if bs != 0 {
		return bs
	}
	bs = b.Dev.SectorSize()
	size := b.Size()
	for bs < pageSize && size&int64(bs) == 0 {
		bs <<= 1
	}
	return bs
}

// File is an open block device node.
type File struct {
	vfs.FileDefaults
	l    *Layer
	b    *Bdev
	excl bool
}

// OpenFile opens b for a device node: O_EXCL claims it exclusively (EBUSY
// when it is mounted or claimed), and the file counts as an opener of a
// partition for BLKRRPART.
func (l *Layer) OpenFile(c *vfs.Caller, b *Bdev, flags uint32) (vfs.FileImpl, error) {
	if b.Gone() {
		return nil, abi.ENXIO
	}
	f := &File{l: l, b: b}
	if flags&abi.O_EXCL != 0 {
		if err := b.Claim(f); err != nil {
			return nil, err
		}
		f.excl = true
	}
	b.Open()
	return f, nil
}

// Bdev returns the device the file is open on.
func (f *File) Bdev() *Bdev { return f.b }

// Release implements vfs.FileImpl.
func (f *File) Release(*vfs.File) {
	if f.excl {
		f.b.Release(f)
	}
	f.b.Close()
}

func direct(file *vfs.File) bool { return file != nil && file.Flags()&abi.O_DIRECT != 0 }

// aligned checks O_DIRECT's rule: offset and length whole logical
// sectors (EINVAL otherwise).
func (f *File) aligned(off int64, n int) error {
	ssz := int64(f.b.Dev.SectorSize())
	if off%ssz != 0 || int64(n)%ssz != 0 {
		return abi.EINVAL
	}
	return nil
}

// Read implements vfs.FileImpl: reads stop at the end of the device.
func (f *File) Read(_ *vfs.Caller, file *vfs.File, dst []byte, off int64) (int, error) {
	if f.b.Gone() {
		return 0, abi.EIO
	}
	size := f.b.Size()
	if off < 0 {
		return 0, abi.EINVAL
	}
	if off >= size || len(dst) == 0 {
		return 0, nil
	}
	if int64(len(dst)) > size-off {
		dst = dst[:size-off]
	}
	if direct(file) {
		if err := f.aligned(off, len(dst)); err != nil {
			return 0, err
		}
	}
	if err := f.readAt(dst, off); err != nil {
		return 0, abi.EIO
	}
	return len(dst), nil
}

// readAt reads p at byte offset off inside the device, through a bounce
// buffer of whole sectors when p is not sector-aligned.
func (f *File) readAt(p []byte, off int64) error {
	ssz := int64(f.b.Dev.SectorSize())
	if off%ssz == 0 && int64(len(p))%ssz == 0 {
		return f.b.Dev.ReadSectors(p, uint64(off/ssz))
	}
	first := off / ssz
	last := (off + int64(len(p)) + ssz - 1) / ssz
	buf := make([]byte, (last-first)*ssz)
	if err := f.b.Dev.ReadSectors(buf, uint64(first)); err != nil {
		return err
	}
	copy(p, buf[off-first*ssz:])
	return nil
}

// Write implements vfs.FileImpl, as blkdev_write_iter: EPERM on a
// read-only device, ENOSPC at or past the end, a short write across it.
func (f *File) Write(_ *vfs.Caller, file *vfs.File, src []byte, off int64) (int, error) {
	if f.b.Gone() {
		return 0, abi.EIO
	}
	if f.b.ReadOnly() {
		return 0, abi.EPERM
	}
	if len(src) == 0 {
		return 0, nil
	}
	size := f.b.Size()
	if off < 0 { // O_APPEND: the end
		off = size
	}
	if off >= size {
		return 0, abi.ENOSPC
	}
	if int64(len(src)) > size-off {
		src = src[:size-off]
	}
	if direct(file) {
		if err := f.aligned(off, len(src)); err != nil {
			return 0, err
		}
	}
	if err := f.writeAt(src, off); err != nil {
		return 0, abi.EIO
	}
	return len(src), nil
}

func (f *File) writeAt(p []byte, off int64) error {
	ssz := int64(f.b.Dev.SectorSize())
	if off%ssz == 0 && int64(len(p))%ssz == 0 {
		return f.b.Dev.WriteSectors(p, uint64(off/ssz))
	}
	// Partial sectors: read, merge, write back, with the disk's lock
	// held so two such writes to one sector do not lose each other.
	w := f.b.whole().state()
	w.mu.Lock()
	defer w.mu.Unlock()
	first := off / ssz
	last := (off + int64(len(p)) + ssz - 1) / ssz
	buf := make([]byte, (last-first)*ssz)
	if err := f.b.Dev.ReadSectors(buf, uint64(first)); err != nil {
		return err
	}
	copy(buf[off-first*ssz:], p)
	return f.b.Dev.WriteSectors(buf, uint64(first))
}

// Seek implements vfs.FileImpl as blkdev_llseek (fixed_size_llseek):
// SEEK_SET, SEEK_CUR and SEEK_END to positions from 0 to the device's size;
// anything else, SEEK_DATA and SEEK_HOLE included, is EINVAL.
func (f *File) Seek(_ *vfs.File, cur, off int64, whence int) (int64, error) {
	size := f.b.Size()
	var n int64
	switch whence {
	case abi.SEEK_SET:
		n = off
	case abi.SEEK_CUR:
		n = cur + off
	case abi.SEEK_END:
		n = size + off
	default:
		return 0, abi.EINVAL
	}
	if n < 0 || n > size {
		return 0, abi.EINVAL
	}
	return n, nil
}

// Fsync implements vfs.FileImpl: the device's cache is flushed.
func (f *File) Fsync(*vfs.File) error {
	if f.b.Gone() {
		return abi.EIO
	}
	if err := f.b.Dev.Flush(); err != nil {
		return abi.EIO
	}
	return nil
}

func putInt(c *vfs.Caller, arg uintptr, v uint64, size int) error {
	if c == nil || c.Mem == nil {
		return abi.EFAULT
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, v)
	return c.Mem.CopyOut(arg, b[:size])
}

func getInt(c *vfs.Caller, arg uintptr) (int32, error) {
	if c == nil || c.Mem == nil {
		return 0, abi.EFAULT
	}
	b := make([]byte, 4)
	if err := c.Mem.CopyIn(arg, b); err != nil {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(b)), nil
}

// Ioctl implements vfs.FileImpl: the block ioctls of blkdev_ioctl that
// Aramid's devices can answer; others are ENOTTY, as for a disk whose
// driver has no ioctl of its own.
func (f *File) Ioctl(c *vfs.Caller, _ *vfs.File, cmd uint32, arg uintptr) (uintptr, error) {
	b := f.b
	admin := func() error {
		if c != nil && !c.Capable(abi.CAP_SYS_ADMIN) {
			return abi.EACCES
		}
		return nil
	}
	switch cmd {
	case BLKGETSIZE64:
		return 0, putInt(c, arg, uint64(b.Size()), 8)
	case BLKGETSIZE:
		return 0, putInt(c, arg, b.Sectors512(), 8)
	case BLKSSZGET:
		return 0, putInt(c, arg, uint64(b.Dev.SectorSize()), 4)
	case BLKPBSZGET:
		return 0, putInt(c, arg, uint64(b.Dev.SectorSize()), 4)
	case BLKBSZGET:
		return 0, putInt(c, arg, uint64(b.BlockSize()), 4)
	case BLKROGET:
		ro := uint64(0)
		if b.ReadOnly() {
			ro = 1
		}
		return 0, putInt(c, arg, ro, 4)
	case BLKROSET:
		if err := admin(); err != nil {
			return 0, err
		}
		n, err := getInt(c, arg)
		if err != nil {
			return 0, err
		}
		b.SetReadOnly(n != 0)
		return 0, nil
	case BLKBSZSET:
		if err := admin(); err != nil {
			return 0, err
		}
		n, err := getInt(c, arg)
		if err != nil {
			return 0, err
		}
		if n < 512 || n > pageSize || n&(n-1) != 0 || int(n) < b.Dev.SectorSize() {
			return 0, abi.EINVAL
		}
		if !f.excl {
			// Linux claims the device for the change: EBUSY when
			// someone else (a mount) holds it.
			if err := b.Claim(f); err != nil {
				return 0, err
			}
			defer b.Release(f)
		}
		s := b.state()
		s.mu.Lock()
		s.bsize = int(n)
		s.mu.Unlock()
		return 0, nil
	case BLKFLSBUF:
		if err := admin(); err != nil {
			return 0, err
		}
		return 0, f.Fsync(nil)
	case BLKRRPART:
		if err := admin(); err != nil {
			return 0, err
		}
		if b.IsPartition() {
			return 0, abi.EINVAL
		}
		if err := f.l.Rescan(b); err != nil {
			return 0, abi.EBUSY
		}
		return 0, nil
	}
	return 0, abi.ENOTTY
}

// dmaAlignment is the memory alignment of an O_DIRECT buffer: Linux's
// default queue dma_alignment (511) plus one, which virtio-blk keeps.
const dmaAlignment = 512

// DirectAlign implements vfs.DirectIO: O_DIRECT buffers are 512-byte
// aligned, except where the transfer ends first (nothing to transfer, a
// read at or past the end, a write to a read-only device or at the end).
func (f *File) DirectAlign(write bool, off int64, n uint64) uint64 {
	if n == 0 || f.b.Gone() || write && f.b.ReadOnly() || off >= f.b.Size() {
		return 0
	}
	return dmaAlignment
}
