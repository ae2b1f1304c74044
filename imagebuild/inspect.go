package imagebuild

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"aramid/imagebuild/compress"
	"aramid/imagebuild/cpio"
	"aramid/imagebuild/disk"
	"aramid/imagebuild/tree"
)

// Inspect lists what an image file holds, as manifest rows without origins.
// It understands initramfs archives (newc cpio, bare or compressed) and disk
// images made by Build.
func Inspect(file string) ([]tree.File, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(8)
	if isDisk(f) {
		return inspectDisk(f)
	}
	r, err := compress.NewReader(br, compress.Detect(head))
	if err != nil {
		return nil, fmt.Errorf("inspect: %s: %w", file, err)
	}
	rows, err := InspectCpio(r)
	if err != nil {
		return nil, fmt.Errorf("inspect: %s: %w", file, err)
	}
	return rows, nil
}

// InspectCpio lists a newc stream. Names sharing an inode number are one
// file: the first name seen is the file, the others hard links to it.
func InspectCpio(r io.Reader) ([]tree.File, error) {
	cr := cpio.NewReader(r)
	rows := []tree.File{{Path: "/", Type: "dir", Mode: "0755", Origin: ""}}
	type group struct {
		first int
		data  []byte
	}
	groups := map[uint64]*group{}
	for {
		h, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(cr, 1<<31))
		if err != nil {
			return nil, err
		}
		row := tree.File{Path: "/" + h.Name, Mode: fmt.Sprintf("%04o", h.Mode&0o7777), UID: uint32(h.UID), GID: uint32(h.GID)}
		switch h.Mode & cpio.TypeMask {
		case cpio.TypeReg:
			row.Type = "file"
			if h.Nlink > 1 {
				if g, ok := groups[h.Ino]; ok {
					row.Type, row.Target = "hardlink", rows[g.first].Path
					if len(body) > 0 {
						g.data = body
					}
					rows = append(rows, row)
					continue
				}
				groups[h.Ino] = &group{first: len(rows), data: body}
			}
			row.Size, row.SHA256 = int64(len(body)), sum(body)
		case cpio.TypeDir:
			row.Type = "dir"
		case cpio.TypeSymlink:
			row.Type, row.Target, row.Size, row.SHA256 = "symlink", string(body), int64(len(body)), sum(body)
		case cpio.TypeChar, cpio.TypeBlock:
			row.Type = "char"
			if h.Mode&cpio.TypeMask == cpio.TypeBlock {
				row.Type = "block"
			}
			row.Device = strconv.FormatUint(h.RdevMajor, 10) + ":" + strconv.FormatUint(h.RdevMinor, 10)
		case cpio.TypeFifo:
			row.Type = "fifo"
		default:
			return nil, fmt.Errorf("%s: unsupported type %o", h.Name, h.Mode&cpio.TypeMask)
		}
		rows = append(rows, row)
	}
	for _, g := range groups {
		rows[g.first].Size, rows[g.first].SHA256 = int64(len(g.data)), sum(g.data)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
	return rows, nil
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// FormatRow renders a row as one line of `mkimage inspect` output.
func FormatRow(f tree.File) string {
	s := fmt.Sprintf("%-8s %s %d:%d %9d %-12.12s %s", f.Type, f.Mode, f.UID, f.GID, f.Size, f.SHA256, f.Path)
	switch {
	case f.Target != "":
		s += " -> " + f.Target
	case f.Device != "":
		s += " (" + f.Device + ")"
	}
	return s
}

func isDisk(f *os.File) bool {
	var b [8]byte
	_, err := f.ReadAt(b[:], 512)
	return err == nil && string(b[:]) == "EFI PART"
}

func inspectDisk(f *os.File) ([]tree.File, error) {
	c, err := disk.Inspect(f)
	if err != nil {
		return nil, fmt.Errorf("inspect: %s: %w", f.Name(), err)
	}
	return c.Root, nil
}

// InspectDisk lists what a disk image holds: its GPT partitions, the files
// of its EFI system partition and the tree of its ext4 root. ok is false
// (and the error nil) when file is not a GPT disk image.
func InspectDisk(file string) (c *disk.Contents, ok bool, err error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, false, fmt.Errorf("inspect: %w", err)
	}
	defer f.Close()
	if !isDisk(f) {
		return nil, false, nil
	}
	c, err = disk.Inspect(f)
	if err != nil {
		return nil, true, fmt.Errorf("inspect: %s: %w", file, err)
	}
	return c, true, nil
}

// WriteDisk renders c as `mkimage inspect` prints a disk image: one line per
// partition, then the ESP's rows and the root's rows, each prefixed with the
// partition they are on.
func WriteDisk(w io.Writer, c *disk.Contents) error {
	var b strings.Builder
	fmt.Fprintf(&b, "gpt disk %s\n", c.DiskGUID)
	for _, p := range c.Partitions {
		name := p.TypeName
		if name == "" {
			name = "unknown type"
		}
		fmt.Fprintf(&b, "partition %d %-10s type %s (%s) guid %s start %d size %d\n",
			p.Index, p.Name, p.Type, name, p.GUID, p.Start, p.Size)
	}
	fmt.Fprintf(&b, "esp: FAT32 label %q, %d entries\n", c.ESPLabel, len(c.ESP))
	for _, r := range c.ESP {
		b.WriteString("esp:  " + FormatRow(r) + "\n")
	}
	fmt.Fprintf(&b, "root: ext4 label %q, %d entries\n", c.RootLabel, len(c.Root))
	for _, r := range c.Root {
		b.WriteString("root: " + FormatRow(r) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
