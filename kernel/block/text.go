package block

import (
	"fmt"
	"strings"
)

// ProcPartitions is /proc/partitions: every device with a non-zero size,
// its size in 1 KiB blocks, in Linux's columns (show_partition).
func (l *Layer) ProcPartitions() string {
	var b strings.Builder
	b.WriteString("major minor  #blocks  name\n\n")
	for _, d := range l.All() {
		if d.Sectors512() == 0 {
			continue
		}
		fmt.Fprintf(&b, "%4d  %7d %10d %s\n", d.Major, d.Minor, d.Sectors512()>>1, d.Name)
	}
	return b.String()
}

// Uevent is the device's uevent attribute (MAJOR, MINOR, DEVNAME,
// DEVTYPE, the disk's DISKSEQ; PARTN and PARTNAME for a partition).
func (b *Bdev) Uevent() string {
	s := fmt.Sprintf("MAJOR=%d\nMINOR=%d\nDEVNAME=%s\n", b.Major, b.Minor, b.Name)
	if !b.IsPartition() {
		return s + fmt.Sprintf("DEVTYPE=disk\nDISKSEQ=%d\n", b.seq)
	}
	s += fmt.Sprintf("DEVTYPE=partition\nDISKSEQ=%d\nPARTN=%d\n", b.Disk.seq, b.Part.Number)
	if b.Part.Name != "" {
		s += "PARTNAME=" + b.Part.Name + "\n"
	}
	return s
}

// Attr is one sysfs attribute of a block device: Gen makes its text.
type Attr struct {
	Name string
	Gen  func() string
}

// SysfsAttrs lists the attributes of the device's sysfs directory that
// Aramid knows the truth of, with Linux's formats.
func (b *Bdev) SysfsAttrs() []Attr {
	num := func(v func() uint64) func() string { return func() string { return fmt.Sprintf("%d\n", v()) } }
	ro := func() uint64 {
		if b.ReadOnly() {
			return 1
		}
		return 0
	}
	attrs := []Attr{
		{"dev", func() string { return b.DevNumber() + "\n" }},
		{"size", num(b.Sectors512)},
		{"ro", num(ro)},
		{"uevent", b.Uevent},
		{"alignment_offset", num(func() uint64 { return 0 })},
		{"discard_alignment", num(func() uint64 { return 0 })},
	}
	if b.IsPartition() {
		return append(attrs,
			Attr{"partition", num(func() uint64 { return uint64(b.Part.Number) })},
			Attr{"start", num(func() uint64 { return b.Part.Start })})
	}
	return append(attrs,
		Attr{"removable", num(func() uint64 { return 0 })},
		Attr{"range", num(func() uint64 { return minorsPerDisk })},
		Attr{"ext_range", num(func() uint64 { return 256 })},
		Attr{"diskseq", num(func() uint64 { return b.seq })},
		Attr{"hidden", num(func() uint64 { return 0 })})
}
