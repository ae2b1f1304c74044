package systemdsrc

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"aramid/imagebuild/compress"
)

// Source is what a tarball says about itself, read in one pass over it
// before anything is unpacked: its version, the meson it asks for, its
// build options and the files the fix-ups look at.
type Source struct {
	Top          string   // the one top-level directory every entry is under
	Version      string   // project() version, e.g. "247" or "252.39"
	MesonVersion string   // project()'s meson_version requirement, e.g. ">= 0.46"
	Options      []Option // declared in meson_options.txt (or meson.options)
	// Files holds the contents of the few files Build reads (see keep).
	Files   map[string][]byte
	Entries int
}

// keep lists the files (relative to the top directory) Inspect keeps.
var keep = []string{"meson.build", "meson_options.txt", "meson.options", "meson.version",
	ifArpBundled, arphrdGenerator}

// maxKept bounds the size of one kept file.
const maxKept = 4 << 20

// Inspect reads the tarball (.tar.gz, .tar.xz, .tar.zst or .tar) once:
// every entry must be a file, directory or symlink under one top-level
// directory, with no name or link target escaping it. It returns the
// source's version and options; a tarball that is not a systemd source
// (no project('systemd', ...) in meson.build) is an error.
func Inspect(tarball string) (*Source, error) {
	s := &Source{Files: map[string][]byte{}}
	err := walkTar(tarball, func(h *tar.Header, rel string, r io.Reader) error {
		s.Entries++
		top, _, _ := strings.Cut(path.Clean(h.Name), "/")
		if s.Top == "" {
			s.Top = top
		} else if top != s.Top {
			return fmt.Errorf("entry %q is outside the top directory %s/", h.Name, s.Top)
		}
		for _, k := range keep {
			if rel == k && h.Typeflag == tar.TypeReg {
				if h.Size > maxKept {
					return fmt.Errorf("%s: %d bytes (limit %d)", h.Name, h.Size, maxKept)
				}
				b, err := io.ReadAll(io.LimitReader(r, maxKept))
				if err != nil {
					return err
				}
				s.Files[rel] = b
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	mb, ok := s.Files["meson.build"]
	if !ok {
		return nil, fmt.Errorf("systemdsrc: %s: no meson.build at the top of the tree: not a systemd source", tarball)
	}
	p, err := projectCall(mb)
	if err != nil {
		return nil, fmt.Errorf("systemdsrc: %s: meson.build: %w", tarball, err)
	}
	if p.name != "systemd" {
		return nil, fmt.Errorf("systemdsrc: %s: meson.build is project %q, not systemd", tarball, p.name)
	}
	s.MesonVersion = p.mesonVersion
	switch {
	case p.version != "":
		s.Version = p.version
	case p.versionFile != "":
		b, ok := s.Files[p.versionFile]
		if !ok {
			return nil, fmt.Errorf("systemdsrc: %s: meson.build takes its version from %s, which the tarball lacks", tarball, p.versionFile)
		}
		s.Version = strings.TrimSpace(string(b))
	}
	if s.Version == "" {
		return nil, fmt.Errorf("systemdsrc: %s: meson.build's project() names no version", tarball)
	}
	opts, ok := s.Files["meson_options.txt"]
	if !ok {
		opts, ok = s.Files["meson.options"]
	}
	if !ok {
		return nil, fmt.Errorf("systemdsrc: %s: no meson_options.txt or meson.options", tarball)
	}
	if s.Options, err = ParseOptions(opts); err != nil {
		return nil, fmt.Errorf("systemdsrc: %s: options: %w", tarball, err)
	}
	return s, nil
}

// Major is the leading number of the version (247 for "247.3"), or 0.
func (s *Source) Major() int {
	n, _ := strconv.Atoi(strings.SplitN(s.Version, ".", 2)[0])
	return n
}

// VersionMatches reports whether a source of version got satisfies a
// recipe asking for want: the dot-separated parts both name must be equal
// ("245" accepts "245" and "245.4"; "252.38" refuses "252.39").
func VersionMatches(want, got string) bool {
	w, g := strings.Split(want, "."), strings.Split(got, ".")
	if want == "" || got == "" {
		return false
	}
	for i := 0; i < len(w) && i < len(g); i++ {
		if w[i] != g[i] {
			return false
		}
	}
	return true
}

// walkTar calls fn for every entry of a compressed tarball, with the
// entry's path below the top directory ("" for the top directory itself).
// Names and link targets that escape the tree, and entry types other than
// files, directories, symlinks and hard links, are errors.
func walkTar(tarball string, fn func(h *tar.Header, rel string, r io.Reader) error) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("systemdsrc: %w", err)
	}
	defer f.Close()
	head := make([]byte, 8)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("systemdsrc: %s: not a tarball: %w", tarball, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("systemdsrc: %w", err)
	}
	zr, err := compress.NewReader(f, compress.Detect(head))
	if err != nil {
		return fmt.Errorf("systemdsrc: %s: %w", tarball, err)
	}
	tr := tar.NewReader(zr)
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("systemdsrc: %s: empty tarball", tarball)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("systemdsrc: %s: corrupt tarball: %w", tarball, err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		n++
		rel, err := relName(h.Name)
		if err != nil {
			return fmt.Errorf("systemdsrc: %s: %w", tarball, err)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir:
		case tar.TypeSymlink:
			if path.IsAbs(h.Linkname) || escapes(path.Join(path.Dir(rel), h.Linkname)) {
				return fmt.Errorf("systemdsrc: %s: symlink %q -> %q escapes the source tree", tarball, h.Name, h.Linkname)
			}
		case tar.TypeLink:
			if _, err := relName(h.Linkname); err != nil {
				return fmt.Errorf("systemdsrc: %s: hard link %q: %w", tarball, h.Name, err)
			}
		default:
			return fmt.Errorf("systemdsrc: %s: %s: unsupported entry type %q", tarball, h.Name, h.Typeflag)
		}
		if err := fn(h, rel, tr); err != nil {
			return fmt.Errorf("systemdsrc: %s: %w", tarball, err)
		}
	}
}

// relName drops the top directory from a tar entry name; names that are
// absolute or climb out of the tree are errors.
func relName(name string) (string, error) {
	clean := path.Clean(name)
	if path.IsAbs(name) || escapes(clean) {
		return "", fmt.Errorf("entry %q escapes the source tree", name)
	}
	_, rel, _ := strings.Cut(clean, "/")
	if escapes(rel) {
		return "", fmt.Errorf("entry %q escapes the source tree", name)
	}
	return rel, nil
}

func escapes(p string) bool {
	p = path.Clean(p)
	return p == ".." || strings.HasPrefix(p, "../")
}

// project is what project('systemd', ...) in meson.build declares.
type project struct {
	name, version, versionFile, mesonVersion string
}

// projectCall reads the project() call at the head of a meson.build.
func projectCall(src []byte) (project, error) {
	toks, err := lex(src)
	if err != nil {
		return project{}, err
	}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].kind != tIdent || toks[i].text != "project" || toks[i+1].text != "(" {
			continue
		}
		args, kw, _, err := callArgs(toks, i+1)
		if err != nil {
			return project{}, fmt.Errorf("project(): %w", err)
		}
		var p project
		if len(args) > 0 && len(args[0]) == 1 && args[0][0].kind == tString {
			p.name = args[0][0].text
		}
		if v := kw["version"]; len(v) == 1 && v[0].kind == tString {
			p.version = v[0].text
		} else if len(v) == 4 && v[0].text == "files" && v[2].kind == tString {
			p.versionFile = v[2].text
		}
		if v := kw["meson_version"]; len(v) == 1 && v[0].kind == tString {
			p.mesonVersion = v[0].text
		}
		return p, nil
	}
	return project{}, errors.New("no project() call")
}
