// Package disk writes a bootable GPT disk image: a BIOS boot partition
// holding GRUB's core.img (legacy BIOS), an EFI system partition (FAT32,
// at least 33 MiB, written with go-diskfs) holding GRUB for UEFI, grub.cfg,
// the kernels and the initramfs, and an ext4 root partition holding the
// image tree (package ext4). The partition table is go-diskfs's GPT with
// every GUID derived from the recipe seed.
//
// Reproducibility fixes over go-diskfs: GPT disk and partition GUIDs are
// always given (go-diskfs draws missing ones at random); the FAT32 volume is
// created in go-diskfs's reproducible mode (zero timestamps, zero volume id)
// and its volume id is then set from the seed; ext4 is written by our own
// writer (go-diskfs's ext4 uses random seeds and time.Now).
package disk

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/diskfs/go-diskfs/backend"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
	"github.com/diskfs/go-diskfs/partition/gpt"

	"aramid/imagebuild/disk/ext4"
	"aramid/imagebuild/disk/grub"
	"aramid/imagebuild/repro"
	"aramid/imagebuild/tree"
)

const (
	sector       = 512
	mib          = 1 << 20
	biosStart    = 2048 // LBA of the BIOS boot partition (1 MiB)
	biosSectors  = 2048 // 1 MiB
	espStart     = biosStart + biosSectors
	minESPSize   = 40 * mib // FAT32 needs >= 65525 clusters: >= 33 MiB at 512-byte clusters
	espLabel     = "ARAMID-ESP"
	rootLabel    = "aramid-root"
	fat32VolIDAt = 0x43
	// ext4BlockSize is the block size of package ext4's filesystems.
	ext4BlockSize = 4096
)

// ESPFile is a file to put on the EFI system partition.
type ESPFile struct {
	Path string // absolute, e.g. /boot/vmlinuz
	Data []byte
}

// Spec is everything a disk image is made from.
type Spec struct {
	Seed    string
	Epoch   time.Time
	Tree    *tree.Tree
	Files   []ESPFile
	Entries []grub.Entry
	Default string // menu entry id
	// RootSize is the root filesystem's size in bytes; 0 gives
	// ext4.DefaultSize (twice the tree, at least 256 MiB).
	RootSize int64
}

// Layout is where the partitions went, for tests and inspect.
type Layout struct {
	Size                int64
	ESPStart, ESPSize   int64 // bytes
	RootStart, RootSize int64
	ESPVolumeID         string // as GRUB prints it: xxxx-xxxx
	DiskGUID, RootGUID  string
	RootFS              ext4.Stats // the root filesystem's size, free blocks and inodes, journal
}

func guid(seed, label string) string {
	return strings.ToUpper(repro.FormatUUID(repro.UUID(seed, label)))
}

// RootPartUUID is the unique GUID of the root partition of a disk written
// from seed, as Linux spells a PARTUUID (lower case): a kernel command line
// names the root with root=PARTUUID=<it>.
func RootPartUUID(seed string) string {
	return strings.ToLower(guid(seed, "gpt-root"))
}

// Write creates the disk image at file (which must not exist yet).
func Write(ctx context.Context, filename string, s Spec) (*Layout, error) {
	root, err := ext4.Make(s.Tree, ext4.Options{
		UUID: repro.UUID(s.Seed, "ext4-uuid"), HashSeed: repro.UUID(s.Seed, "ext4-hash-seed"),
		Time: s.Epoch, Label: rootLabel, Size: s.RootSize,
	})
	if err != nil {
		return nil, fmt.Errorf("disk: root filesystem: %w", err)
	}
	volBytes := repro.Derive(s.Seed, "esp-volume-id", 4)
	volID := binary.LittleEndian.Uint32(volBytes)
	l := &Layout{ESPVolumeID: fmt.Sprintf("%04x-%04x", volID>>16, volID&0xffff)}
	early := fmt.Sprintf("search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\n", l.ESPVolumeID)
	efi, err := grub.MkImage(ctx, "x86_64-efi", early)
	if err != nil {
		return nil, err
	}
	core, err := grub.MkImage(ctx, "i386-pc", early)
	if err != nil {
		return nil, err
	}
	files := append([]ESPFile{
		{Path: "/EFI/BOOT/BOOTX64.EFI", Data: efi},
		{Path: "/boot/grub/grub.cfg", Data: []byte(grub.Config(s.Entries, s.Default))},
	}, s.Files...)
	var espNeed int64
	for _, f := range files {
		espNeed += int64(len(f.Data)) + 4096
	}
	l.ESPSize = max(minESPSize, roundUp(espNeed+espNeed/8+4*mib, mib))
	l.ESPStart = espStart * sector
	l.RootStart = l.ESPStart + l.ESPSize
	l.RootSize = roundUp(root.Size, mib)
	l.RootFS = root.Stats
	l.Size = l.RootStart + l.RootSize + mib // room for the backup GPT
	l.DiskGUID, l.RootGUID = guid(s.Seed, "gpt-disk"), strings.ToUpper(RootPartUUID(s.Seed))

	f, err := os.OpenFile(filename, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(l.Size); err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	table := &gpt.Table{
		LogicalSectorSize: sector, PhysicalSectorSize: sector, ProtectiveMBR: true, GUID: l.DiskGUID,
		Partitions: []*gpt.Partition{
			{Index: 1, Start: biosStart, End: biosStart + biosSectors - 1, Type: gpt.BIOSBoot, Name: "bios-boot", GUID: guid(s.Seed, "gpt-bios")},
			{Index: 2, Start: uint64(l.ESPStart / sector), End: uint64((l.ESPStart+l.ESPSize)/sector - 1), Type: gpt.EFISystemPartition, Name: "esp", GUID: guid(s.Seed, "gpt-esp")},
			{Index: 3, Start: uint64(l.RootStart / sector), End: uint64((l.RootStart+l.RootSize)/sector - 1), Type: gpt.LinuxRootX86_64, Name: "root", GUID: l.RootGUID},
		},
	}
	be := file.New(f, false)
	w, err := be.Writable()
	if err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	if err := table.Write(w, l.Size); err != nil {
		return nil, fmt.Errorf("disk: partition table: %w", err)
	}
	if err := writeESP(be, f, l, files, volBytes, s.Epoch); err != nil {
		return nil, err
	}
	// The file reads as zeros: only the root's used blocks are written.
	if err := root.WriteTo(io.NewOffsetWriter(f, l.RootStart)); err != nil {
		return nil, fmt.Errorf("disk: root: %w", err)
	}
	mbr := make([]byte, sector)
	if _, err := f.ReadAt(mbr, 0); err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	coreImg, err := grub.InstallBIOS(mbr, core, biosStart, biosSectors)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteAt(mbr, 0); err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	if _, err := f.WriteAt(coreImg, biosStart*sector); err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	return l, nil
}

// writeESP formats the ESP as FAT32 and copies files onto it, then sets the
// volume id (boot sector and its backup) from the seed.
func writeESP(be backend.Storage, f *os.File, l *Layout, files []ESPFile, volID []byte, epoch time.Time) error {
	fs, err := fat32.Create(be, l.ESPSize, l.ESPStart, sector, espLabel, true)
	if err != nil {
		return fmt.Errorf("disk: ESP: %w", err)
	}
	made := map[string]bool{}
	for _, ef := range files {
		for _, d := range dirsOf(ef.Path) {
			if !made[d] {
				if err := fs.Mkdir(d); err != nil {
					return fmt.Errorf("disk: ESP: mkdir %s: %w", d, err)
				}
				made[d] = true
			}
		}
		w, err := fs.OpenFile(ef.Path, os.O_CREATE|os.O_RDWR)
		if err != nil {
			return fmt.Errorf("disk: ESP: %s: %w", ef.Path, err)
		}
		if _, err := w.Write(ef.Data); err != nil {
			return fmt.Errorf("disk: ESP: %s: %w", ef.Path, err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("disk: ESP: %s: %w", ef.Path, err)
		}
	}
	if err := fixFAT32(f, l.ESPStart, epoch); err != nil {
		return fmt.Errorf("disk: ESP: %w", err)
	}
	for _, sec := range []int64{0, 6} { // boot sector and its backup
		if _, err := f.WriteAt(volID, l.ESPStart+sec*sector+fat32VolIDAt); err != nil {
			return fmt.Errorf("disk: ESP: %w", err)
		}
	}
	return nil
}

func roundUp(a, m int64) int64 { return (a + m - 1) / m * m }

func dirsOf(p string) []string {
	var out []string
	for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
		out = append([]string{d}, out...)
	}
	return out
}
