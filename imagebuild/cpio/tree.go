package cpio

import (
	"fmt"
	"io"
	"time"

	"aramid/imagebuild/tree"
)

// typeBits maps tree entry types to c_mode type bits.
func typeBits(t tree.Type) uint64 {
	switch t {
	case tree.Regular, tree.Hardlink:
		return TypeReg
	case tree.Dir:
		return TypeDir
	case tree.Symlink:
		return TypeSymlink
	case tree.CharDev:
		return TypeChar
	case tree.BlockDev:
		return TypeBlock
	case tree.Fifo:
		return TypeFifo
	}
	return 0
}

// WriteTree writes every entry of t except the root as a newc archive, in
// sorted order, every mtime set to mtime. Inode numbers count up from 1 in
// that order; the names of a hard-linked file share one inode number and, as
// GNU cpio does, only the last of them carries the data. The trailer is
// written; w is not closed.
func WriteTree(w io.Writer, t *tree.Tree, mtime time.Time) error {
	if err := t.Check(); err != nil {
		return err
	}
	entries := t.Sorted()[1:]
	links := t.Links()
	ino := map[string]uint64{}
	last := map[string]string{} // primary path -> path of its last name
	var next uint64 = 1
	for _, e := range entries {
		switch e.Type {
		case tree.Hardlink:
			last[e.Target] = e.Path
		default:
			ino[e.Path] = next
			next++
			if e.Type == tree.Regular && links[e.Path] > 1 {
				last[e.Path] = e.Path
			}
		}
	}
	cw := NewWriter(w)
	for _, e := range entries {
		h := Header{
			Name:  e.Path,
			Mode:  typeBits(e.Type) | uint64(e.Mode),
			UID:   uint64(e.UID),
			GID:   uint64(e.GID),
			Nlink: 1,
			Mtime: mtime.Unix(),
			Ino:   ino[e.Path],
		}
		var body []byte
		switch e.Type {
		case tree.Dir:
			h.Nlink = 2
		case tree.Regular:
			body = e.Data
			if n := links[e.Path]; n > 1 {
				h.Nlink = uint64(n)
				if last[e.Path] != e.Path {
					body = nil
				}
			}
		case tree.Hardlink:
			primary, _ := t.Get(e.Target)
			h.Ino = ino[e.Target]
			h.Mode = TypeReg | uint64(primary.Mode)
			h.UID, h.GID = uint64(primary.UID), uint64(primary.GID)
			h.Nlink = uint64(links[e.Target])
			if last[e.Target] == e.Path {
				body = primary.Data
			}
		case tree.Symlink:
			body = []byte(e.Target)
		case tree.CharDev, tree.BlockDev:
			h.RdevMajor, h.RdevMinor = uint64(e.Major), uint64(e.Minor)
		}
		h.Size = int64(len(body))
		if err := cw.WriteHeader(&h); err != nil {
			return fmt.Errorf("cpio: /%s: %w", e.Path, err)
		}
		if _, err := cw.Write(body); err != nil {
			return fmt.Errorf("cpio: /%s: %w", e.Path, err)
		}
	}
	return cw.Close()
}
