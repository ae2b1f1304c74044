package ldd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Root is a directory standing for "/" (a sysroot). All paths given to and
// returned by its methods are absolute paths inside the root; symbolic links
// are followed inside the root, absolute targets included, so nothing outside
// it is ever read.
type Root struct {
	Dir string // host directory; "" or "/" means the host's own root
	// Overlay, if set, is a host directory laid out like the root whose
	// entries win over the root's: a path that exists (as a file, link or
	// directory) under Overlay is read from there. Source builds stage
	// their outputs in one, so harvesting picks them instead of the host's.
	Overlay string
}

// Link is one symbolic link met while resolving a path.
type Link struct {
	Path   string // absolute path inside the root
	Target string // the link's text, as stored
}

// ErrLoop is returned when resolution follows too many links.
var ErrLoop = errors.New("ldd: too many levels of symbolic links")

func (r Root) host(p string) string {
	if r.Overlay != "" {
		o := filepath.Join(r.Overlay, filepath.FromSlash(p))
		if fi, err := os.Lstat(o); err == nil {
			if !fi.IsDir() {
				return o
			}
			if _, err := os.Lstat(r.base(p)); err != nil {
				return o // a directory only the overlay has
			}
		}
	}
	return r.base(p)
}

func (r Root) base(p string) string {
	if r.Dir == "" || r.Dir == "/" {
		return p
	}
	return filepath.Join(r.Dir, filepath.FromSlash(p))
}

// Resolve follows p component by component and returns the final path (with
// no symlink in it) and every link met on the way, in order. The last
// component must exist.
func (r Root) Resolve(p string) (string, []Link, error) {
	if !path.IsAbs(p) {
		return "", nil, fmt.Errorf("ldd: %q is not absolute", p)
	}
	var links []Link
	rest := strings.Split(strings.TrimPrefix(path.Clean(p), "/"), "/")
	cur := "/"
	for hops := 0; len(rest) > 0; {
		name := rest[0]
		rest = rest[1:]
		if name == "" || name == "." {
			continue
		}
		if name == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		fi, err := os.Lstat(r.host(next))
		if err != nil {
			return "", links, fmt.Errorf("ldd: %s: %w", p, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if len(rest) > 0 && !fi.IsDir() {
				return "", links, fmt.Errorf("ldd: %s: %s is not a directory", p, next)
			}
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", links, fmt.Errorf("%w: %s", ErrLoop, p)
		}
		target, err := os.Readlink(r.host(next))
		if err != nil {
			return "", links, fmt.Errorf("ldd: %w", err)
		}
		links = append(links, Link{Path: next, Target: target})
		if path.IsAbs(target) {
			cur = "/"
		}
		rest = append(strings.Split(strings.Trim(target, "/"), "/"), rest...)
	}
	return cur, links, nil
}

// HostPath returns the host file that p (a path with no symlink in it, as
// Resolve returns) is read from, and whether it comes from the overlay.
func (r Root) HostPath(p string) (string, bool) {
	h := r.host(p)
	return h, r.Overlay != "" && strings.HasPrefix(h, filepath.Clean(r.Overlay)+string(filepath.Separator))
}

// Exists reports whether p resolves to an existing non-directory.
func (r Root) Exists(p string) bool {
	real, _, err := r.Resolve(p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(r.host(real))
	return err == nil && !fi.IsDir()
}

// ReadFile reads the file p resolves to.
func (r Root) ReadFile(p string) ([]byte, error) {
	real, _, err := r.Resolve(p)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(r.host(real))
}

// Glob expands pattern inside the root, sorted.
func (r Root) Glob(pattern string) ([]string, error) {
	matches, err := filepath.Glob(r.host(pattern))
	if err != nil {
		return nil, err
	}
	if r.Dir == "" || r.Dir == "/" {
		return matches, nil
	}
	for i, m := range matches {
		rel, err := filepath.Rel(r.Dir, m)
		if err != nil {
			return nil, err
		}
		matches[i] = "/" + filepath.ToSlash(rel)
	}
	return matches, nil
}
