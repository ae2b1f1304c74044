package tree

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Manifest describes a built image: every file with its metadata, digest and
// origin, the tool and source versions used, and any notices the build wants
// a reader to see (a fallback taken, for instance).
type Manifest struct {
	Recipe     string            `json:"recipe"`
	RecipeFile string            `json:"recipe_file,omitempty"`   // relative to the repository, else absolute
	RecipeHash string            `json:"recipe_sha256,omitempty"` // sha256 of the recipe file's bytes
	Seed       string            `json:"seed"`
	Epoch      int64             `json:"source_date_epoch"`
	EpochFrom  string            `json:"source_date_epoch_from"`
	Cmdline    string            `json:"cmdline,omitempty"`
	Init       string            `json:"init,omitempty"`
	Notices    []string          `json:"notices,omitempty"`
	Toolchain  map[string]string `json:"toolchain,omitempty"`
	Sources    map[string]string `json:"sources,omitempty"`
	Outputs    map[string]Output `json:"outputs,omitempty"`
	Files      []File            `json:"files"`
}

// Output is one image file written by a build.
type Output struct {
	File   string `json:"file"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// File is one manifest row. Mode is the permission bits in octal.
type File struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Mode   string `json:"mode"`
	UID    uint32 `json:"uid"`
	GID    uint32 `json:"gid"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	Target string `json:"target,omitempty"`
	Device string `json:"device,omitempty"` // "major:minor"
	Origin string `json:"origin"`
}

// Row renders e as a manifest row (paths absolute, root as "/").
func Row(e *Entry) File {
	f := File{
		Path:   "/" + e.Path,
		Type:   e.Type.String(),
		Mode:   fmt.Sprintf("%04o", uint32(e.Mode)),
		UID:    e.UID,
		GID:    e.GID,
		Size:   e.Size(),
		SHA256: e.SHA256(),
		Origin: e.Origin,
	}
	switch e.Type {
	case Symlink:
		f.Target = e.Target
	case Hardlink:
		f.Target = "/" + e.Target
	case CharDev, BlockDev:
		f.Device = strconv.FormatUint(uint64(e.Major), 10) + ":" + strconv.FormatUint(uint64(e.Minor), 10)
	}
	return f
}

// Rows lists every entry of t in sorted order.
func (t *Tree) Rows() []File {
	es := t.Sorted()
	out := make([]File, len(es))
	for i, e := range es {
		out[i] = Row(e)
	}
	return out
}

// Encode writes m as indented JSON with a trailing newline.
func (m *Manifest) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("tree: manifest: %w", err)
	}
	return nil
}

// DecodeManifest reads a manifest written by Encode.
func DecodeManifest(r io.Reader) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("tree: manifest: %w", err)
	}
	return &m, nil
}

// CanonicalHardlinks returns rows (sorted by path) with every group of
// hard-linked names expressed the way a filesystem reader sees them: the
// first name in path order is the file, the others are hard links to it.
// A filesystem keeps no "primary" name, so comparisons of a manifest with
// what a reader found go through this.
func CanonicalHardlinks(rows []File) []File {
	out := append([]File(nil), rows...)
	byPath := map[string]int{}
	for i, r := range out {
		byPath[r.Path] = i
	}
	groups := map[string][]int{} // primary path -> indexes of the group
	for i, r := range out {
		if r.Type == "hardlink" {
			groups[r.Target] = append(groups[r.Target], i)
		}
	}
	for primary, links := range groups {
		pi, ok := byPath[primary]
		if !ok {
			continue
		}
		first := pi
		for _, li := range links {
			if out[li].Path < out[first].Path {
				first = li
			}
		}
		if first == pi {
			continue
		}
		file := out[pi]
		newFile := file
		newFile.Path = out[first].Path
		out[first] = newFile
		for _, i := range append(links, pi) {
			if i == first {
				continue
			}
			r := out[i]
			if i == pi {
				r = File{Path: file.Path, Mode: file.Mode, UID: file.UID, GID: file.GID, Origin: file.Origin}
			}
			r.Type, r.Target, r.Size, r.SHA256 = "hardlink", newFile.Path, 0, ""
			out[i] = r
		}
	}
	return out
}
