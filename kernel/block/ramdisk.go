package block

import (
	"errors"
	"fmt"
	"sync"
)

// Errors of the RAM disk and of partition views.
var (
	// ErrRange is a transfer that is not a whole number of sectors or
	// reaches past the end of the device.
	ErrRange = errors.New("block: transfer outside the device or not sector-sized")
	// ErrReadOnly is a write to a read-only device.
	ErrReadOnly = errors.New("block: device is read-only")
)

// RAMDisk is a Device backed by memory: the disk of host tests, and a
// model of what a driver must do (check every transfer, keep data across
// calls).
type RAMDisk struct {
	mu       sync.RWMutex
	data     []byte
	ssz      int
	readOnly bool
	flushes  int
}

// NewRAMDisk returns a zeroed disk of sectors logical sectors of
// sectorSize bytes (512 or 4096).
func NewRAMDisk(sectorSize int, sectors uint64) (*RAMDisk, error) {
	if sectorSize != 512 && sectorSize != 4096 {
		return nil, fmt.Errorf("block: RAM disk sector size %d: %w", sectorSize, ErrRange)
	}
	if sectors > 1<<40/uint64(sectorSize) {
		return nil, fmt.Errorf("block: RAM disk of %d sectors: %w", sectors, ErrRange)
	}
	return &RAMDisk{data: make([]byte, sectors*uint64(sectorSize)), ssz: sectorSize}, nil
}

// RAMDiskFrom returns a disk holding a copy of img, padded with zeros to a
// whole sector.
func RAMDiskFrom(sectorSize int, img []byte) (*RAMDisk, error) {
	n := (uint64(len(img)) + uint64(sectorSize) - 1) / uint64(sectorSize)
	d, err := NewRAMDisk(sectorSize, n)
	if err != nil {
		return nil, err
	}
	copy(d.data, img)
	return d, nil
}

// SetReadOnly write-protects (or unprotects) the disk.
func (d *RAMDisk) SetReadOnly(ro bool) {
	d.mu.Lock()
	d.readOnly = ro
	d.mu.Unlock()
}

// Bytes returns a copy of the disk's contents.
func (d *RAMDisk) Bytes() []byte {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]byte(nil), d.data...)
}

// Flushes counts the calls to Flush.
func (d *RAMDisk) Flushes() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.flushes
}

// SectorSize implements Device.
func (d *RAMDisk) SectorSize() int { return d.ssz }

// Sectors implements Device.
func (d *RAMDisk) Sectors() uint64 { return uint64(len(d.data) / d.ssz) }

// ReadOnly implements Device.
func (d *RAMDisk) ReadOnly() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.readOnly
}

func (d *RAMDisk) span(n int, sector uint64) (int, error) {
	if n%d.ssz != 0 || sector > d.Sectors() || uint64(n/d.ssz) > d.Sectors()-sector {
		return 0, fmt.Errorf("%w: %d bytes at sector %d of %d", ErrRange, n, sector, d.Sectors())
	}
	return int(sector) * d.ssz, nil
}

// ReadSectors implements Device.
func (d *RAMDisk) ReadSectors(p []byte, sector uint64) error {
	off, err := d.span(len(p), sector)
	if err != nil {
		return err
	}
	d.mu.RLock()
	copy(p, d.data[off:])
	d.mu.RUnlock()
	return nil
}

// WriteSectors implements Device.
func (d *RAMDisk) WriteSectors(p []byte, sector uint64) error {
	off, err := d.span(len(p), sector)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.readOnly {
		return ErrReadOnly
	}
	copy(d.data[off:], p)
	return nil
}

// Flush implements Device.
func (d *RAMDisk) Flush() error {
	d.mu.Lock()
	d.flushes++
	d.mu.Unlock()
	return nil
}
