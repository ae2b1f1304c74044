package block

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Linux's device numbers for the disks Aramid has. virtio-blk's major is
// dynamic on Linux (register_blkdev(0, "virtblk")): the first dynamic
// block major, 254, on a kernel with no other dynamic block driver, as
// the reference kernel with only virtio loaded. Each disk has 16 minors
// (the disk and partitions 1-15); partitions past 15 are blkext devices
// (major 259, minors in order of appearance), as on Linux.
const (
	VirtblkMajor  = 254
	BlkextMajor   = 259
	minorsPerDisk = 16
)

// Errors of the block layer.
var (
	ErrUnknownDisk = errors.New("block: no device numbers for this disk name")
	ErrBusy        = errors.New("block: a partition of the disk is open")
	ErrNotDisk     = errors.New("block: not a whole disk")
)

// Bdev is a block device: a whole disk or one partition of it, with its
// name under /dev and its device number.
type Bdev struct {
	Name         string
	Major, Minor uint32
	// Dev is the disk, or a View of it for a partition.
	Dev Device
	// Disk is the whole disk a partition belongs to; nil for a disk.
	Disk *Bdev
	// Part describes a partition (Number 0 for a disk).
	Part Partition
	// Table is the disk's partition table kind (TableGPT, TableMBR, or
	// TableNone); empty for partitions.
	Table string

	readOnly atomic.Bool  // BLKROSET
	opens    atomic.Int32 // open files
	gone     atomic.Bool  // removed by a rescan or unregistration
	st       devState     // claims, BLKBSZSET (file.go)
	seq      uint64       // the disk's DISKSEQ
}

// IsPartition reports whether b is a partition.
func (b *Bdev) IsPartition() bool { return b.Disk != nil }

// ReadOnly is true when the device or its disk is write-protected, by
// hardware or by BLKROSET.
func (b *Bdev) ReadOnly() bool {
	if b.readOnly.Load() || b.Dev.ReadOnly() {
		return true
	}
	return b.Disk != nil && b.Disk.readOnly.Load()
}

// SetReadOnly is BLKROSET's policy flag.
func (b *Bdev) SetReadOnly(ro bool) { b.readOnly.Store(ro) }

// Sectors512 is the size in 512-byte sectors (sysfs "size").
func (b *Bdev) Sectors512() uint64 { return b.Dev.Sectors() * uint64(b.Dev.SectorSize()/512) }

// Size is the size in bytes.
func (b *Bdev) Size() int64 { return int64(b.Dev.Sectors()) * int64(b.Dev.SectorSize()) }

// Open counts an opener; Close undoes it. Rescanning needs a disk whose
// partitions nobody holds.
func (b *Bdev) Open() { b.opens.Add(1) }

// Close undoes Open.
func (b *Bdev) Close() { b.opens.Add(-1) }

// Gone reports that the device was removed (its files fail with ENXIO).
func (b *Bdev) Gone() bool { return b.gone.Load() }

// DevNumber returns "MAJ:MIN".
func (b *Bdev) DevNumber() string { return fmt.Sprintf("%d:%d", b.Major, b.Minor) }

// Listener hears about block devices appearing and going (device nodes,
// sysfs). It is called without the layer's lock held, in order.
type Listener struct {
	Added   func(*Bdev)
	Removed func(*Bdev)
}

// Layer keeps the block devices of the registered disks: it numbers them,
// scans their partition tables and tells listeners.
//
// Lock order: Layer.notify (serializes Sync, Rescan and the listener
// calls), then Layer.mu, then the registry's mutex (a leaf). Listeners and
// Devices are called with notify held but not mu. A Bdev's devState.mu
// (claims, BLKBSZSET, partial-sector writes) is a leaf taken without
// either.
type Layer struct {
	mu      sync.Mutex
	disks   map[string]*Bdev   // whole disks by name
	parts   map[string][]*Bdev // partitions of each disk, by disk name
	extUsed map[uint32]bool    // blkext minors in use
	ls      []Listener
	log     func(format string, a ...any)
	diskseq uint64 // the last disk's DISKSEQ

	notify sync.Mutex // serializes Sync, Rescan and listener calls
}

// NewLayer returns an empty layer; log (may be nil) prints the kernel's
// partition messages.
func NewLayer(log func(format string, a ...any)) *Layer {
	return &Layer{disks: map[string]*Bdev{}, parts: map[string][]*Bdev{}, extUsed: map[uint32]bool{}, log: log}
}

// Listen adds a listener and replays the devices present to it.
func (l *Layer) Listen(li Listener) {
	l.notify.Lock()
	defer l.notify.Unlock()
	l.mu.Lock()
	l.ls = append(l.ls, li)
	all := l.allLocked()
	l.mu.Unlock()
	if li.Added != nil {
		for _, b := range all {
			li.Added(b)
		}
	}
}

func (l *Layer) allLocked() []*Bdev {
	var out []*Bdev
	names := make([]string, 0, len(l.disks))
	for n := range l.disks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, l.disks[n])
		out = append(out, l.parts[n]...)
	}
	return out
}

// All returns every block device: each disk followed by its partitions,
// disks in name order.
func (l *Layer) All() []*Bdev {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.allLocked()
}

// Lookup returns the device named name ("vda", "vda1"), or nil.
func (l *Layer) Lookup(name string) *Bdev {
	for _, b := range l.All() {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// ByNumber returns the device major:minor, or nil.
func (l *Layer) ByNumber(major, minor uint32) *Bdev {
	for _, b := range l.All() {
		if b.Major == major && b.Minor == minor {
			return b
		}
	}
	return nil
}

// diskNumber gives a disk's major and first minor from its name: vda is
// 254:0, vdb 254:16, ..., vdz, vdaa (index 26) as Linux's virtblk names
// them.
func diskNumber(name string) (major, minor uint32, err error) {
	rest, ok := strings.CutPrefix(name, "vd")
	if !ok || rest == "" || len(rest) > 3 {
		return 0, 0, fmt.Errorf("%w: %q", ErrUnknownDisk, name)
	}
	// Bijective base 26: a=0 ... z=25, aa=26.
	idx := 0
	for _, c := range rest {
		if c < 'a' || c > 'z' {
			return 0, 0, fmt.Errorf("%w: %q", ErrUnknownDisk, name)
		}
		idx = idx*26 + int(c-'a') + 1
	}
	idx--
	if idx >= 1<<20/minorsPerDisk {
		return 0, 0, fmt.Errorf("%w: %q", ErrUnknownDisk, name)
	}
	return VirtblkMajor, uint32(idx * minorsPerDisk), nil
}

// extDisk reports whether a disk takes its whole number from the blkext
// major, as Linux's NVMe namespaces do (nvme0n1 259:0, nvme0n1p1 259:1):
// no minors of its own, every partition a dynamic blkext minor.
func extDisk(name string) bool { return strings.HasPrefix(name, "nvme") }

// extMinorLocked takes the lowest free blkext minor; l.mu is held.
func (l *Layer) extMinorLocked() uint32 {
	m := uint32(0)
	for l.extUsed[m] {
		m++
	}
	l.extUsed[m] = true
	return m
}

// partName is vda1; a disk whose name ends in a digit gets "p" (nvme0n1p1).
func partName(disk string, n int) string {
	if c := disk[len(disk)-1]; c >= '0' && c <= '9' {
		return fmt.Sprintf("%sp%d", disk, n)
	}
	return fmt.Sprintf("%s%d", disk, n)
}

// Sync brings the layer up to date with the registry: new disks are
// numbered and scanned, unregistered ones removed.
func (l *Layer) Sync() {
	l.notify.Lock()
	defer l.notify.Unlock()
	present := map[string]bool{}
	for _, d := range Disks() {
		present[d.Name] = true
		l.mu.Lock()
		_, known := l.disks[d.Name]
		l.mu.Unlock()
		if known {
			continue
		}
		var major, minor uint32
		var err error
		if extDisk(d.Name) {
			major = BlkextMajor
		} else if major, minor, err = diskNumber(d.Name); err != nil {
			l.logf("block: %s: %v", d.Name, err)
			continue
		}
		disk := &Bdev{Name: d.Name, Major: major, Minor: minor, Dev: d.Dev}
		l.mu.Lock()
		if major == BlkextMajor {
			disk.Minor = l.extMinorLocked()
		}
		l.diskseq++
		disk.seq = l.diskseq
		l.disks[d.Name] = disk
		l.mu.Unlock()
		l.added(disk)
		l.scan(disk)
	}
	l.mu.Lock()
	var gone []*Bdev
	for n, b := range l.disks {
		if !present[n] {
			gone = append(gone, b)
		}
	}
	l.mu.Unlock()
	for _, b := range gone {
		l.dropParts(b)
		l.mu.Lock()
		delete(l.disks, b.Name)
		if b.Major == BlkextMajor {
			delete(l.extUsed, b.Minor)
		}
		l.mu.Unlock()
		b.gone.Store(true)
		l.removed(b)
	}
}

func (l *Layer) logf(format string, a ...any) {
	if l.log != nil {
		l.log(format, a...)
	}
}

func (l *Layer) listeners() []Listener {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Listener(nil), l.ls...)
}

func (l *Layer) added(b *Bdev) {
	for _, li := range l.listeners() {
		if li.Added != nil {
			li.Added(b)
		}
	}
}

func (l *Layer) removed(b *Bdev) {
	for _, li := range l.listeners() {
		if li.Removed != nil {
			li.Removed(b)
		}
	}
}

// scan reads disk's partition table and adds its partitions, printing
// Linux's " vda: vda1 vda2" line (" nvme0n1: p1 p2" for a disk whose
// name ends in a digit).
func (l *Layer) scan(disk *Bdev) {
	kind, parts, err := ScanPartitions(disk.Dev)
	if err != nil {
		l.logf("%s: partition table unreadable: %v", disk.Name, err)
	}
	disk.Table = kind
	var bs []*Bdev
	line := " " + disk.Name + ":"
	l.mu.Lock()
	for _, p := range parts {
		b := &Bdev{Name: partName(disk.Name, p.Number), Dev: NewView(disk.Dev, p.Start, p.Size), Disk: disk, Part: p}
		if p.Number < minorsPerDisk && disk.Major != BlkextMajor {
			b.Major, b.Minor = disk.Major, disk.Minor+uint32(p.Number)
		} else {
			b.Major, b.Minor = BlkextMajor, l.extMinorLocked()
		}
		bs = append(bs, b)
		if n := disk.Name; n[len(n)-1] >= '0' && n[len(n)-1] <= '9' {
			line += " " + strings.TrimPrefix(b.Name, n) // Linux's " nvme0n1: p1 p2"
		} else {
			line += " " + b.Name
		}
	}
	l.parts[disk.Name] = bs
	l.mu.Unlock()
	l.logf("%s", line)
	for _, b := range bs {
		l.added(b)
	}
}

func (l *Layer) dropParts(disk *Bdev) {
	l.mu.Lock()
	bs := l.parts[disk.Name]
	delete(l.parts, disk.Name)
	for _, b := range bs {
		if b.Major == BlkextMajor {
			delete(l.extUsed, b.Minor)
		}
	}
	l.mu.Unlock()
	for i := len(bs) - 1; i >= 0; i-- {
		bs[i].gone.Store(true)
		l.removed(bs[i])
	}
}

// Rescan is BLKRRPART: it reads disk's partition table again and replaces
// its partitions. ErrBusy when one of them is open, ErrNotDisk for a
// partition.
func (l *Layer) Rescan(disk *Bdev) error {
	if disk.IsPartition() {
		return ErrNotDisk
	}
	l.notify.Lock()
	defer l.notify.Unlock()
	l.mu.Lock()
	for _, b := range l.parts[disk.Name] {
		if b.opens.Load() > 0 {
			l.mu.Unlock()
			return ErrBusy
		}
	}
	l.mu.Unlock()
	l.dropParts(disk)
	l.scan(disk)
	return nil
}

// Watch keeps the layer in step with the registry until stop is closed:
// every Register is followed by a Sync.
func (l *Layer) Watch(stop <-chan struct{}) {
	for {
		ch := Changed()
		l.Sync()
		select {
		case <-ch:
		case <-stop:
			return
		}
	}
}

// Wait returns the first device for which match is true, syncing with the
// registry as disks appear, for up to timeout (forever if negative).
func (l *Layer) Wait(match func(*Bdev) bool, timeout time.Duration) (*Bdev, error) {
	var deadline <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		ch := Changed()
		l.Sync()
		for _, b := range l.All() {
			if match(b) {
				return b, nil
			}
		}
		select {
		case <-ch:
		case <-deadline:
			return nil, ErrTimeout
		}
	}
}
