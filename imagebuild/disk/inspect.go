package disk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
	"github.com/diskfs/go-diskfs/partition/gpt"

	"aramid/imagebuild/disk/ext4"
	"aramid/imagebuild/tree"
)

// PartitionInfo is one GPT entry as inspect reports it.
type PartitionInfo struct {
	Index    int
	Name     string
	Type     string // type GUID
	TypeName string // "BIOS boot", "EFI system", "Linux root (x86-64)", else ""
	GUID     string
	Start    int64 // bytes
	Size     int64 // bytes
}

// Contents is what a disk image holds.
type Contents struct {
	DiskGUID   string
	Partitions []PartitionInfo
	ESPLabel   string
	ESP        []tree.File // the FAT32 ESP's files and directories, sorted
	RootLabel  string
	Root       []tree.File // the ext4 root's tree, sorted, root as "/"
}

var typeNames = map[gpt.Type]string{
	gpt.BIOSBoot:           "BIOS boot",
	gpt.EFISystemPartition: "EFI system",
	gpt.LinuxRootX86_64:    "Linux root (x86-64)",
}

// maxESPFile bounds what inspect reads of one ESP file.
const maxESPFile = 1 << 30

// Inspect reads the GPT of the disk image f, lists the files of its EFI
// system partition (FAT32) and the tree of its Linux root partition (ext4).
// A disk without one of those partitions is an error.
func Inspect(f *os.File) (*Contents, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("disk: inspect: %w", err)
	}
	table, err := gpt.Read(f, sector, sector)
	if err != nil {
		return nil, fmt.Errorf("disk: inspect: partition table: %w", err)
	}
	c := &Contents{DiskGUID: table.GUID}
	var esp, root *PartitionInfo
	for _, p := range table.Partitions {
		if p == nil || p.Type == gpt.Unused {
			continue
		}
		pi := PartitionInfo{Index: p.Index, Name: p.Name, Type: string(p.Type), TypeName: typeNames[p.Type],
			GUID: p.GUID, Start: int64(p.Start) * sector, Size: int64(p.End-p.Start+1) * sector}
		if pi.Start+pi.Size > fi.Size() {
			return nil, fmt.Errorf("disk: inspect: partition %d (%s) ends past the image", pi.Index, pi.Name)
		}
		c.Partitions = append(c.Partitions, pi)
	}
	sort.Slice(c.Partitions, func(i, j int) bool { return c.Partitions[i].Index < c.Partitions[j].Index })
	for i := range c.Partitions {
		switch gpt.Type(c.Partitions[i].Type) {
		case gpt.EFISystemPartition:
			esp = &c.Partitions[i]
		case gpt.LinuxRootX86_64:
			root = &c.Partitions[i]
		}
	}
	if esp == nil || root == nil {
		return nil, fmt.Errorf("disk: inspect: want an EFI system partition and a Linux root (x86-64) partition, found %d partitions", len(c.Partitions))
	}
	if c.ESPLabel, c.ESP, err = listESP(f, esp.Start, esp.Size); err != nil {
		return nil, err
	}
	l, err := ext4.Read(io.NewSectionReader(f, root.Start, root.Size), root.Size)
	if err != nil {
		return nil, fmt.Errorf("disk: inspect: root partition: %w", err)
	}
	c.RootLabel, c.Root = l.Label, l.Files
	return c, nil
}

// listESP walks the FAT32 filesystem with go-diskfs's reader.
func listESP(f *os.File, start, size int64) (string, []tree.File, error) {
	fs, err := fat32.Read(file.New(f, true), size, start, sector)
	if err != nil {
		return "", nil, fmt.Errorf("disk: inspect: ESP: %w", err)
	}
	rows := []tree.File{{Path: "/", Type: "dir", Mode: "0755"}}
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		if depth > 32 {
			return fmt.Errorf("disk: inspect: ESP: %s: nested too deep", dir)
		}
		rel := strings.TrimPrefix(dir, "/") // go-diskfs's ReadDir takes io/fs paths
		if rel == "" {
			rel = "."
		}
		ents, err := fs.ReadDir(rel)
		if err != nil {
			return fmt.Errorf("disk: inspect: ESP: %w", err)
		}
		for _, e := range ents {
			p := path.Join(dir, e.Name())
			if e.IsDir() {
				rows = append(rows, tree.File{Path: p, Type: "dir", Mode: "0755"})
				if err := walk(p, depth+1); err != nil {
					return err
				}
				continue
			}
			r, err := fs.OpenFile(p, os.O_RDONLY)
			if err != nil {
				return fmt.Errorf("disk: inspect: ESP: %s: %w", p, err)
			}
			h := sha256.New()
			n, err := io.Copy(h, io.LimitReader(r, maxESPFile))
			r.Close()
			if err != nil {
				return fmt.Errorf("disk: inspect: ESP: %s: %w", p, err)
			}
			rows = append(rows, tree.File{Path: p, Type: "file", Mode: "0644", Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		}
		return nil
	}
	if err := walk("/", 0); err != nil {
		return "", nil, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
	label := strings.TrimSpace(fs.Label())
	return label, rows, nil
}
