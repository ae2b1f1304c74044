package block

import "fmt"

// View is a window of a disk: a partition seen as a device of its own.
// Every transfer is checked against the window, so a partition's user
// can never reach outside it.
type View struct {
	disk   Device
	start  uint64 // logical sectors of disk
	length uint64
}

// NewView returns the part of disk from start for length sectors, both in
// 512-byte units as Partition has them, cut at the end of the disk; the
// start is rounded up and the length down to whole logical sectors.
func NewView(disk Device, start, length uint64) *View {
	ratio := uint64(disk.SectorSize() / 512)
	if ratio == 0 {
		ratio = 1
	}
	s := (start + ratio - 1) / ratio
	n := length / ratio
	if s > disk.Sectors() {
		s = disk.Sectors()
	}
	n = min(n, disk.Sectors()-s)
	return &View{disk: disk, start: s, length: n}
}

func (v *View) check(n int, sector uint64) error {
	ssz := v.disk.SectorSize()
	if n%ssz != 0 || sector > v.length || uint64(n/ssz) > v.length-sector {
		return fmt.Errorf("%w: %d bytes at sector %d of a %d-sector partition", ErrRange, n, sector, v.length)
	}
	return nil
}

// SectorSize implements Device.
func (v *View) SectorSize() int { return v.disk.SectorSize() }

// Sectors implements Device.
func (v *View) Sectors() uint64 { return v.length }

// ReadSectors implements Device.
func (v *View) ReadSectors(p []byte, sector uint64) error {
	if err := v.check(len(p), sector); err != nil {
		return err
	}
	return v.disk.ReadSectors(p, v.start+sector)
}

// WriteSectors implements Device.
func (v *View) WriteSectors(p []byte, sector uint64) error {
	if err := v.check(len(p), sector); err != nil {
		return err
	}
	return v.disk.WriteSectors(p, v.start+sector)
}

// Flush implements Device: the whole disk's cache.
func (v *View) Flush() error { return v.disk.Flush() }

// ReadOnly implements Device.
func (v *View) ReadOnly() bool { return v.disk.ReadOnly() }
