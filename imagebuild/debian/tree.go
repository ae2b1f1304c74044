package debian

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"aramid/imagebuild/tree"
)

// Dropped is an extended attribute the image cannot carry (mkimage's ext4
// writer has no xattrs): the build lists these in the manifest's notices.
type Dropped struct {
	Path string
	Attr string
}

// AddTarball reads the root tarball into t: every entry with its owner,
// mode, hard links and device numbers. Paths in skip (tree form) are left
// out: the recipe's own files replace them. Extended attributes are
// returned as Dropped, sorted; any other tar entry type is an error.
func AddTarball(t *tree.Tree, tarball string, skip map[string]bool, origin string) ([]Dropped, error) {
	f, err := os.Open(tarball)
	if err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	defer f.Close()
	var dropped []Dropped
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("debian: %s: %w", tarball, err)
		}
		p := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		if p == "" || p == "." {
			continue // the root: mkimage's tree has its own
		}
		if skip[p] {
			continue
		}
		for k := range h.PAXRecords {
			if a, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
				dropped = append(dropped, Dropped{Path: "/" + p, Attr: a})
			}
		}
		if h.Uid < 0 || h.Gid < 0 || int64(h.Uid) > 0xfffffffe || int64(h.Gid) > 0xfffffffe {
			return nil, fmt.Errorf("debian: %s: /%s: owner %d:%d out of range", tarball, p, h.Uid, h.Gid)
		}
		e := tree.Entry{Path: p, Mode: os.FileMode(h.Mode & 0o7777), UID: uint32(h.Uid), GID: uint32(h.Gid), Origin: origin}
		switch h.Typeflag {
		case tar.TypeReg:
			if h.Size < 0 || h.Size > 1<<32 {
				return nil, fmt.Errorf("debian: %s: /%s: size %d", tarball, p, h.Size)
			}
			e.Type = tree.Regular
			e.Data = make([]byte, h.Size)
			if _, err := io.ReadFull(tr, e.Data); err != nil {
				return nil, fmt.Errorf("debian: %s: /%s: %w", tarball, p, err)
			}
		case tar.TypeDir:
			e.Type = tree.Dir
		case tar.TypeSymlink:
			e.Type, e.Target, e.Mode = tree.Symlink, h.Linkname, 0o777
		case tar.TypeLink:
			e.Type, e.Target = tree.Hardlink, strings.TrimPrefix(h.Linkname, "./")
			e.Mode, e.UID, e.GID = 0, 0, 0
		case tar.TypeChar, tar.TypeBlock:
			e.Type = tree.CharDev
			if h.Typeflag == tar.TypeBlock {
				e.Type = tree.BlockDev
			}
			if h.Devmajor < 0 || h.Devminor < 0 || h.Devmajor > 4095 || h.Devminor > 1<<20-1 {
				return nil, fmt.Errorf("debian: %s: /%s: device %d:%d out of range", tarball, p, h.Devmajor, h.Devminor)
			}
			e.Major, e.Minor = uint32(h.Devmajor), uint32(h.Devminor)
		case tar.TypeFifo:
			e.Type = tree.Fifo
		default:
			return nil, fmt.Errorf("debian: %s: /%s: tar entry type %q not supported", tarball, p, h.Typeflag)
		}
		if e.Type == tree.Dir {
			// A directory may already be there as an implied parent
			// (tar order is not sorted order): the tarball's own
			// entry, with its owner and mode, wins.
			if old, ok := t.Get(p); ok && old.Type == tree.Dir {
				*old = e
				continue
			}
		}
		if err := t.Add(e); err != nil {
			return nil, fmt.Errorf("debian: %s: %w", tarball, err)
		}
	}
	sort.Slice(dropped, func(i, j int) bool {
		if dropped[i].Path != dropped[j].Path {
			return dropped[i].Path < dropped[j].Path
		}
		return dropped[i].Attr < dropped[j].Attr
	})
	return dropped, nil
}
