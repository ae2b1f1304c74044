// Package tree is the in-memory file tree an image is made of. Entries are
// keyed by a clean, slash-separated path relative to the image root ("" is the
// root itself); adding a path that already holds something different is an
// error, adding the very same entry twice is not. Walk visits entries in
// byte-wise sorted order, which puts every directory before its contents, so
// archive writers can stream the tree as it comes.
package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Type is what kind of file an entry is.
type Type uint8

// Entry types. Hardlink names another regular file in the tree (Target) and
// shares its inode in every output format.
const (
	Regular Type = iota + 1
	Dir
	Symlink
	Hardlink
	CharDev
	BlockDev
	Fifo
)

var typeNames = map[Type]string{
	Regular: "file", Dir: "dir", Symlink: "symlink", Hardlink: "hardlink",
	CharDev: "char", BlockDev: "block", Fifo: "fifo",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType is the inverse of Type.String.
func ParseType(s string) (Type, bool) {
	for t, n := range typeNames {
		if n == s {
			return t, true
		}
	}
	return 0, false
}

// Entry is one file of the image.
type Entry struct {
	Path   string // clean, relative to the root, no leading slash
	Type   Type
	Mode   fs.FileMode // permission bits only (0o7777)
	UID    uint32
	GID    uint32
	Data   []byte // Regular only
	Target string // Symlink: link text; Hardlink: tree path of the primary file
	Major  uint32 // CharDev, BlockDev
	Minor  uint32
	Origin string // where it came from: "harvested from /usr/…", "generated", …
}

// Size is the length of the entry's content as an archive stores it.
func (e *Entry) Size() int64 {
	switch e.Type {
	case Regular:
		return int64(len(e.Data))
	case Symlink:
		return int64(len(e.Target))
	}
	return 0
}

// SHA256 is the hex digest of the content (file data or link text); empty for
// entries without content.
func (e *Entry) SHA256() string {
	switch e.Type {
	case Regular:
		s := sha256.Sum256(e.Data)
		return hex.EncodeToString(s[:])
	case Symlink:
		s := sha256.Sum256([]byte(e.Target))
		return hex.EncodeToString(s[:])
	}
	return ""
}

// same reports whether two entries describe the same file (origin aside).
func same(a, b *Entry) bool {
	return a.Type == b.Type && a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID &&
		a.Target == b.Target && a.Major == b.Major && a.Minor == b.Minor && bytes.Equal(a.Data, b.Data)
}

// Errors returned by Add.
var (
	ErrExist    = errors.New("tree: path already holds a different file")
	ErrBadPath  = errors.New("tree: path escapes the image root or is not clean")
	ErrNotDir   = errors.New("tree: parent is not a directory")
	ErrBadEntry = errors.New("tree: invalid entry")
)

// CleanPath turns an image path ("/usr/bin/x", "usr/bin/x") into the tree's
// form ("usr/bin/x"). It rejects paths that are not already clean, so "a/../b"
// and "../x" are errors rather than silently rewritten.
func CleanPath(p string) (string, error) {
	q := strings.TrimPrefix(p, "/")
	if q == "" {
		return "", nil
	}
	if path.Clean(q) != q || q == ".." || strings.HasPrefix(q, "../") || q == "." {
		return "", fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	return q, nil
}

// Tree is a set of entries keyed by path. The zero value is not usable; call New.
type Tree struct {
	entries map[string]*Entry
}

// New returns a tree holding only the root directory (mode 0755, owner 0).
func New() *Tree {
	return &Tree{entries: map[string]*Entry{"": {Path: "", Type: Dir, Mode: 0o755, Origin: "root"}}}
}

// Get returns the entry at p (tree form or absolute), if any.
func (t *Tree) Get(p string) (*Entry, bool) {
	q, err := CleanPath(p)
	if err != nil {
		return nil, false
	}
	e, ok := t.entries[q]
	return e, ok
}

// Len is the number of entries, the root included.
func (t *Tree) Len() int { return len(t.entries) }

// Add inserts e (its Path may be absolute). Missing parent directories are
// created with mode 0755 and origin "parent of <path>". Adding an identical
// entry again is a no-op; a different one at the same path is ErrExist.
func (t *Tree) Add(e Entry) error {
	q, err := CleanPath(e.Path)
	if err != nil {
		return err
	}
	e.Path = q
	if q == "" {
		return fmt.Errorf("%w: cannot replace the root", ErrExist)
	}
	if err := validate(&e); err != nil {
		return err
	}
	if old, ok := t.entries[q]; ok {
		if same(old, &e) {
			return nil
		}
		return fmt.Errorf("%w: /%s (%s from %s, now %s from %s)", ErrExist, q, old.Type, old.Origin, e.Type, e.Origin)
	}
	if err := t.mkParents(q); err != nil {
		return err
	}
	t.entries[q] = &e
	return nil
}

func validate(e *Entry) error {
	if e.Mode&^0o7777 != 0 {
		return fmt.Errorf("%w: /%s: mode %o has bits beyond 07777", ErrBadEntry, e.Path, uint32(e.Mode))
	}
	switch e.Type {
	case Regular, Dir, Fifo, CharDev, BlockDev:
	case Symlink:
		if e.Target == "" {
			return fmt.Errorf("%w: /%s: empty symlink target", ErrBadEntry, e.Path)
		}
	case Hardlink:
		if _, err := CleanPath(e.Target); err != nil || e.Target == "" {
			return fmt.Errorf("%w: /%s: hard link target %q", ErrBadEntry, e.Path, e.Target)
		}
		e.Target = strings.TrimPrefix(e.Target, "/")
	default:
		return fmt.Errorf("%w: /%s: unknown type %d", ErrBadEntry, e.Path, e.Type)
	}
	if e.Type != Regular && len(e.Data) > 0 {
		return fmt.Errorf("%w: /%s: %s with data", ErrBadEntry, e.Path, e.Type)
	}
	return nil
}

func (t *Tree) mkParents(q string) error {
	dir := path.Dir(q)
	if dir == "." {
		return nil
	}
	if p, ok := t.entries[dir]; ok {
		if p.Type != Dir {
			return fmt.Errorf("%w: /%s is a %s (needed for /%s)", ErrNotDir, dir, p.Type, q)
		}
		return nil
	}
	if err := t.mkParents(dir); err != nil {
		return err
	}
	t.entries[dir] = &Entry{Path: dir, Type: Dir, Mode: 0o755, Origin: "parent of /" + q}
	return nil
}

// Check verifies cross-entry invariants: every hard link names a regular file.
func (t *Tree) Check() error {
	for _, e := range t.Sorted() {
		if e.Type != Hardlink {
			continue
		}
		p, ok := t.entries[e.Target]
		if !ok || p.Type != Regular {
			return fmt.Errorf("%w: hard link /%s -> /%s: target is not a regular file in the image", ErrBadEntry, e.Path, e.Target)
		}
	}
	return nil
}

// Sorted returns all entries, the root first, in byte-wise path order.
func (t *Tree) Sorted() []*Entry {
	keys := make([]string, 0, len(t.entries))
	for k := range t.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*Entry, len(keys))
	for i, k := range keys {
		out[i] = t.entries[k]
	}
	return out
}

// Parent returns the tree path of p's directory ("" for top-level entries).
func Parent(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// Children maps every directory's path to its direct children, each list in
// sorted order.
func (t *Tree) Children() map[string][]*Entry {
	out := map[string][]*Entry{}
	for _, e := range t.Sorted() {
		if e.Type == Dir {
			if _, ok := out[e.Path]; !ok {
				out[e.Path] = nil
			}
		}
		if e.Path != "" {
			out[Parent(e.Path)] = append(out[Parent(e.Path)], e)
		}
	}
	return out
}

// Links returns, for every regular file that has hard links, the number of
// names it has (itself included), keyed by the primary's path.
func (t *Tree) Links() map[string]int {
	n := map[string]int{}
	for _, e := range t.entries {
		if e.Type == Hardlink {
			if n[e.Target] == 0 {
				n[e.Target] = 1
			}
			n[e.Target]++
		}
	}
	return n
}
