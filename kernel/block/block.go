// Package block is Aramid's block layer: the Device interface disk drivers
// implement, and the registry of the machine's disks that the rest of the
// kernel (device nodes, sysfs, partition scanning, the root mount) reads.
//
// A driver (virtio-blk, NVMe, a RAM disk in tests) registers each disk it
// finds with Register; Wait lets the boot path wait for a disk named on the
// command line (root=) to appear.
//
// # Lock order
//
// The registry's mutex is a leaf: it is never held while calling a Device.
package block

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Device is a disk: an array of fixed-size logical sectors. Every method
// may be called from many goroutines at once; a driver that can keep many
// requests in flight should.
type Device interface {
	// SectorSize is the logical block size in bytes (512 or 4096); every
	// transfer is a whole number of sectors.
	SectorSize() int
	// Sectors is the capacity in logical sectors.
	Sectors() uint64
	// ReadSectors fills p (a multiple of SectorSize bytes) from the disk,
	// starting at sector.
	ReadSectors(p []byte, sector uint64) error
	// WriteSectors writes p (a multiple of SectorSize bytes) starting at
	// sector. The data may sit in a volatile device cache until Flush.
	WriteSectors(p []byte, sector uint64) error
	// Flush makes every completed write durable.
	Flush() error
	// ReadOnly reports a write-protected disk (writes fail with EROFS).
	ReadOnly() bool
}

// Errors of the registry.
var (
	ErrExists  = errors.New("block: a disk of that name is registered")
	ErrTimeout = errors.New("block: timed out waiting for the disk")
)

// Disk is a registered device and its name under /dev (e.g. "vda").
type Disk struct {
	Name string
	Dev  Device
}

var registry struct {
	mu    sync.Mutex
	disks map[string]Device
	added chan struct{} // closed and replaced on every Register
}

// Register adds a disk under name.
func Register(name string, d Device) error {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.disks == nil {
		registry.disks = make(map[string]Device)
	}
	if _, ok := registry.disks[name]; ok {
		return fmt.Errorf("%w: %s", ErrExists, name)
	}
	registry.disks[name] = d
	if registry.added != nil {
		close(registry.added)
		registry.added = nil
	}
	return nil
}

// Disks returns the registered disks sorted by name.
func Disks() []Disk {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	out := make([]Disk, 0, len(registry.disks))
	for n, d := range registry.disks {
		out = append(out, Disk{n, d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Wait returns the first disk (in name order) for which match is true,
// waiting up to timeout for one to be registered.
func Wait(match func(Disk) bool, timeout time.Duration) (Disk, error) {
	deadline := time.Now().Add(timeout)
	for {
		// Take the wake-up channel before looking, so a Register between
		// the look and the wait is not missed.
		registry.mu.Lock()
		if registry.added == nil {
			registry.added = make(chan struct{})
		}
		ch := registry.added
		registry.mu.Unlock()
		for _, d := range Disks() {
			if match(d) {
				return d, nil
			}
		}
		left := time.Until(deadline)
		if left <= 0 {
			return Disk{}, ErrTimeout
		}
		t := time.NewTimer(left)
		select {
		case <-ch:
			t.Stop()
		case <-t.C:
		}
	}
}

// Unregister removes a disk (tests, hot removal).
func Unregister(name string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	delete(registry.disks, name)
}
