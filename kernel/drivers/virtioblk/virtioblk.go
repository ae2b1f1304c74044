// Package virtioblk drives virtio block devices (virtio 1.x section 5.2)
// over kernel/drivers/virtio: read, write, flush (VIRTIO_BLK_F_FLUSH),
// capacity, the logical block size (VIRTIO_BLK_F_BLK_SIZE) and read-only
// disks (VIRTIO_BLK_F_RO). A Disk implements block.Device; many goroutines'
// requests are in flight at once, each split into pieces of at most
// ChunkSize that go through the driver's DMA bounce buffers (the caller's
// memory is Go heap, whose physical pages the driver does not pin).
//
// # Lock order
//
// Disk holds no lock of its own across calls; slots are a channel.
package virtioblk

import (
	"encoding/binary"
	"errors"
	"fmt"

	"aramid/kernel/abi"
	"aramid/kernel/block"
	"aramid/kernel/drivers/virtio"
	"aramid/kernel/hw"
)

// Feature bits.
const (
	FeatureSizeMax  = 1 << 1
	FeatureSegMax   = 1 << 2
	FeatureGeometry = 1 << 4
	FeatureRO       = 1 << 5
	FeatureBlkSize  = 1 << 6
	FeatureFlush    = 1 << 9
)

// Request types and status values.
const (
	typeIn    = 0
	typeOut   = 1
	typeFlush = 4

	statusOK     = 0
	statusIOErr  = 1
	statusUnsupp = 2
)

// Configuration offsets (struct virtio_blk_config).
const (
	cfgCapacity = 0
	cfgSizeMax  = 8
	cfgSegMax   = 12
	cfgBlkSize  = 20
)

const (
	// ChunkSize is the most one request moves.
	ChunkSize = 64 << 10
	// Slots is how many requests a disk keeps in flight.
	Slots = 16
	// queueMax bounds the queue size (3 descriptors a request).
	queueMax = 256
)

// Disk is one virtio block device.
type Disk struct {
	dev      *virtio.Device
	q        *virtio.Queue
	features uint64
	sectors  uint64 // capacity in 512-byte units, as the device counts
	blkSize  int
	chunk    int // bytes a slot moves: ChunkSize, less if the device's size_max says so

	meta  hw.DMA // headers (16 bytes) and status bytes, 32 bytes a slot
	data  []hw.DMA
	slots chan int
}

var _ block.Device = (*Disk)(nil)

// ErrDevice is wrapped by errors the device reports.
var ErrDevice = errors.New("virtio-blk")

// Probe brings up the virtio block device v (opened with one queue) and
// returns the disk.
func Probe(plat hw.Platform, v *virtio.Device) (*Disk, error) {
	if v.Type != virtio.TypeBlock {
		return nil, fmt.Errorf("%w: %s is virtio device type %d", ErrDevice, v.PCI.Addr, v.Type)
	}
	f, err := v.Negotiate(FeatureRO | FeatureBlkSize | FeatureFlush | FeatureSizeMax | FeatureSegMax)
	if err != nil {
		return nil, err
	}
	d := &Disk{dev: v, features: f, blkSize: 512, chunk: ChunkSize}
	d.sectors = v.T.ConfigRead(cfgCapacity, 8)
	if f&FeatureBlkSize != 0 {
		bs := int(v.T.ConfigRead(cfgBlkSize, 4))
		if bs >= 512 && bs <= 64<<10 && bs&(bs-1) == 0 {
			d.blkSize = bs
		}
	}
	if f&FeatureSizeMax != 0 {
		if sm := int(v.T.ConfigRead(cfgSizeMax, 4)); sm >= d.blkSize && sm < d.chunk {
			d.chunk = sm &^ (d.blkSize - 1)
		}
	}
	if d.chunk < d.blkSize {
		d.chunk = d.blkSize
	}
	q, err := v.SetupQueue(0, queueMax)
	if err != nil {
		v.Fail()
		return nil, err
	}
	d.q = q
	// From here the device knows the queue's memory: giving up resets it
	// first, so nothing DMAs into memory that is freed.
	fail := func(err error) (*Disk, error) {
		v.Reset()
		q.Free()
		if d.meta != nil {
			d.meta.Free()
		}
		for _, m := range d.data {
			m.Free()
		}
		v.Fail()
		return nil, err
	}
	slots := Slots
	if q.Size()/3 < slots {
		slots = q.Size() / 3
	}
	if slots < 1 {
		return fail(fmt.Errorf("%w: %s: queue of %d entries is too small", ErrDevice, v.PCI.Addr, q.Size()))
	}
	if d.meta, err = plat.AllocDMA(32 * slots); err != nil {
		return fail(err)
	}
	d.slots = make(chan int, slots)
	for i := 0; i < slots; i++ {
		m, err := plat.AllocDMA(d.chunk)
		if err != nil {
			return fail(err)
		}
		d.data = append(d.data, m)
		d.slots <- i
	}
	v.Start()
	return d, nil
}

// SectorSize implements block.Device.
func (d *Disk) SectorSize() int { return d.blkSize }

// Sectors implements block.Device.
func (d *Disk) Sectors() uint64 { return d.sectors * 512 / uint64(d.blkSize) }

// ReadOnly implements block.Device.
func (d *Disk) ReadOnly() bool { return d.features&FeatureRO != 0 }

// CanFlush reports whether the device has a volatile write cache to flush.
func (d *Disk) CanFlush() bool { return d.features&FeatureFlush != 0 }

// Features returns the negotiated feature bits.
func (d *Disk) Features() uint64 { return d.features }

// Interrupts describes the interrupt setup, for logs.
func (d *Disk) Interrupts() string { return d.dev.Interrupts() }

// ReadSectors implements block.Device.
func (d *Disk) ReadSectors(p []byte, sector uint64) error { return d.rw(p, sector, false) }

// WriteSectors implements block.Device.
func (d *Disk) WriteSectors(p []byte, sector uint64) error {
	if d.ReadOnly() {
		return fmt.Errorf("%w: write to a read-only disk: %w", ErrDevice, abi.EROFS)
	}
	return d.rw(p, sector, true)
}

// Flush implements block.Device: without VIRTIO_BLK_F_FLUSH the device
// writes through, and every completed write is already durable.
func (d *Disk) Flush() error {
	if !d.CanFlush() {
		return nil
	}
	slot := <-d.slots
	defer func() { d.slots <- slot }()
	return d.finish(slot, d.submit(slot, typeFlush, 0, 0))
}

// rw moves p in chunks, as many in flight as there are free slots.
func (d *Disk) rw(p []byte, sector uint64, write bool) error {
	bs := uint64(d.blkSize)
	if len(p)%d.blkSize != 0 {
		return fmt.Errorf("%w: %d bytes is not a whole number of %d-byte sectors: %w", ErrDevice, len(p), bs, abi.EINVAL)
	}
	count := uint64(len(p)) / bs
	if sector > d.Sectors() || count > d.Sectors()-sector {
		return fmt.Errorf("%w: sectors %d+%d beyond the end (%d): %w", ErrDevice, sector, count, d.Sectors(), abi.EIO)
	}
	typ := uint32(typeIn)
	if write {
		typ = typeOut
	}
	start := func(slot, off, n int) virtio.Token {
		if write {
			d.data[slot].WriteAt(p[off:off+n], 0)
		}
		// The header's sector is in 512-byte units whatever blk_size is.
		s512 := (sector + uint64(off)/bs) * bs / 512
		return d.submit(slot, typ, s512, n)
	}
	end := func(slot, off, n int, tok virtio.Token) error {
		err := d.finish(slot, tok)
		if err == nil && !write {
			d.data[slot].ReadAt(p[off:off+n], 0)
		}
		return err
	}
	return block.Chunks(p, d.chunk, d.slots, start, end)
}

// submit queues one request of slot: header, data (n bytes, none for a
// flush), status.
func (d *Disk) submit(slot int, typ uint32, sector uint64, n int) virtio.Token {
	var hdr [16]byte
	binary.LittleEndian.PutUint32(hdr[0:], typ)
	binary.LittleEndian.PutUint64(hdr[8:], sector)
	d.meta.WriteAt(hdr[:], 32*slot)
	d.meta.WriteAt([]byte{0xff}, 32*slot+16)
	base := d.meta.Phys() + uint64(32*slot)
	bufs := make([]virtio.Buf, 0, 3)
	bufs = append(bufs, virtio.Buf{Phys: base, Len: 16})
	if n > 0 {
		bufs = append(bufs, virtio.Buf{Phys: d.data[slot].Phys(), Len: uint32(n), Write: typ == typeIn})
	}
	bufs = append(bufs, virtio.Buf{Phys: base + 16, Len: 1, Write: true})
	// Three buffers always fit a queue Probe accepted (at least three
	// entries), so Submit cannot refuse them.
	tok, _ := d.q.Submit(bufs)
	return tok
}

// finish waits for slot's request and turns its status into an error.
func (d *Disk) finish(slot int, tok virtio.Token) error {
	d.q.Wait(tok)
	var st [1]byte
	d.meta.ReadAt(st[:], 32*slot+16)
	switch st[0] {
	case statusOK:
		return nil
	case statusUnsupp:
		return fmt.Errorf("%w: %s: request not supported: %w", ErrDevice, d.dev.PCI.Addr, abi.EIO)
	default:
		return fmt.Errorf("%w: %s: I/O error (status %d): %w", ErrDevice, d.dev.PCI.Addr, st[0], abi.EIO)
	}
}
