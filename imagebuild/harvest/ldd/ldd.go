// Package ldd finds the shared libraries an ELF program needs, as the glibc
// dynamic loader would, by reading files only: nothing is executed. For each
// object it reads DT_NEEDED, DT_RPATH and DT_RUNPATH with debug/elf and
// searches, in the loader's order, DT_RPATH (of the object and the objects
// that loaded it, when the object has no DT_RUNPATH), DT_RUNPATH (of the
// object only), the directories of /etc/ld.so.conf and its includes, then the
// default directories. $ORIGIN, $LIB and $PLATFORM are expanded. A candidate
// of the wrong class or machine is skipped, as ld.so skips it. The program
// interpreter (PT_INTERP) is part of the result.
//
// debug/elf is not hardened against hostile input; sizes are bounded before
// use and the parser is fuzzed (FuzzParse).
package ldd

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"path"
	"strings"
)

// Errors.
var (
	ErrNotELF   = errors.New("ldd: not an ELF file")
	ErrArch     = errors.New("ldd: wrong ELF class or machine (want ELF64 x86-64)")
	ErrNotFound = errors.New("ldd: library not found")
)

// maxObject bounds the size of a file we are willing to parse.
const maxObject = 1 << 30

// Object is the dynamic-linking view of one ELF file.
type Object struct {
	Interp  string
	Soname  string
	Needed  []string
	RPath   []string
	RunPath []string
}

// Parse reads an ELF image and checks it is ELF64 little-endian x86-64.
func Parse(data []byte) (obj *Object, err error) {
	if len(data) < 4 || string(data[:4]) != elf.ELFMAG {
		return nil, ErrNotELF
	}
	if len(data) > maxObject {
		return nil, fmt.Errorf("ldd: object of %d bytes is too large", len(data))
	}
	defer func() {
		// debug/elf may panic on malformed input in older releases; a bad
		// file must be an error, never a crash.
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("%w: malformed (%v)", ErrNotELF, p)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotELF, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("%w: %s %s", ErrArch, f.Class, f.Machine)
	}
	o := &Object{}
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		if p.Filesz > 4096 {
			return nil, fmt.Errorf("%w: PT_INTERP of %d bytes", ErrNotELF, p.Filesz)
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return nil, fmt.Errorf("%w: PT_INTERP: %v", ErrNotELF, err)
		}
		o.Interp = string(bytes.TrimRight(b, "\x00"))
	}
	if f.Section(".dynamic") == nil && dynProg(f) == nil {
		return o, nil // static
	}
	tags := []struct {
		tag elf.DynTag
		dst *[]string
	}{{elf.DT_NEEDED, &o.Needed}, {elf.DT_RPATH, &o.RPath}, {elf.DT_RUNPATH, &o.RunPath}}
	for _, t := range tags {
		vals, err := f.DynString(t.tag)
		if err != nil {
			return nil, fmt.Errorf("%w: dynamic section: %v", ErrNotELF, err)
		}
		if t.tag == elf.DT_NEEDED {
			*t.dst = vals
			continue
		}
		for _, v := range vals {
			*t.dst = append(*t.dst, strings.Split(v, ":")...)
		}
	}
	if s, err := f.DynString(elf.DT_SONAME); err == nil && len(s) > 0 {
		o.Soname = s[0]
	}
	return o, nil
}

func dynProg(f *elf.File) *elf.Prog {
	for _, p := range f.Progs {
		if p.Type == elf.PT_DYNAMIC {
			return p
		}
	}
	return nil
}

// Lib is one resolved library.
type Lib struct {
	Name     string // the DT_NEEDED string
	Path     string // where it was found, inside the root
	NeededBy string // the object whose DT_NEEDED named it
}

// Result is the closure of one program.
type Result struct {
	Interp string // PT_INTERP of the program; "" for static programs
	Libs   []Lib  // breadth-first load order, each soname once, interpreter excluded
}

// Resolver resolves libraries inside a root.
type Resolver struct {
	Root Root
	// ConfDirs are the ld.so.conf directories; set by LoadConfig.
	ConfDirs []string
	// DefaultDirs are searched last; DefaultDirs64 is the glibc default for
	// Debian's x86-64 (multiarch first).
	DefaultDirs []string
}

// DefaultDirs64 is the trusted directory list of Debian's x86-64 glibc.
var DefaultDirs64 = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}

// NewResolver reads the root's /etc/ld.so.conf (a missing one is not an error).
func NewResolver(root Root) (*Resolver, error) {
	r := &Resolver{Root: root, DefaultDirs: DefaultDirs64}
	dirs, err := LoadConfig(root, "/etc/ld.so.conf")
	if err != nil {
		return nil, err
	}
	r.ConfDirs = dirs
	return r, nil
}

// LoadConfig parses an ld.so.conf file and its includes (globs, relative to
// the including file's directory), returning directories in order, each once.
func LoadConfig(root Root, file string) ([]string, error) {
	seen := map[string]bool{}
	var dirs []string
	var load func(file string, depth int) error
	load = func(file string, depth int) error {
		if depth > 10 {
			return fmt.Errorf("ldd: %s: include nesting too deep", file)
		}
		data, err := root.ReadFile(file)
		if err != nil {
			if depth == 0 {
				return nil // no ld.so.conf at all: defaults only
			}
			return fmt.Errorf("ldd: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			f := strings.Fields(line)
			switch {
			case len(f) == 0:
			case f[0] == "include":
				for _, pat := range f[1:] {
					if !path.IsAbs(pat) {
						pat = path.Join(path.Dir(file), pat)
					}
					matches, err := root.Glob(pat)
					if err != nil {
						return fmt.Errorf("ldd: %s: include %s: %w", file, pat, err)
					}
					for _, m := range matches {
						if err := load(m, depth+1); err != nil {
							return err
						}
					}
				}
			case f[0] == "hwcap":
			default:
				for _, d := range strings.Split(strings.Join(f, " "), ",") {
					d = strings.TrimSpace(d)
					if i := strings.IndexByte(d, '='); i >= 0 { // old "dir=TYPE" syntax
						d = d[:i]
					}
					if d != "" && !seen[path.Clean(d)] {
						seen[path.Clean(d)] = true
						dirs = append(dirs, path.Clean(d))
					}
				}
			}
		}
		return nil
	}
	if err := load(file, 0); err != nil {
		return nil, err
	}
	return dirs, nil
}

// ParseFile reads and parses the object at p inside the root.
func (r *Resolver) ParseFile(p string) (*Object, error) {
	data, err := r.Root.ReadFile(p)
	if err != nil {
		return nil, err
	}
	o, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return o, nil
}

type loaded struct {
	path string
	obj  *Object
	// rpaths is the chain of expanded DT_RPATH lists of this object's loaders,
	// used when the object has no DT_RUNPATH.
	loaderRPaths []string
}

// Resolve computes the library closure of the program at p.
func (r *Resolver) Resolve(p string) (*Result, error) {
	main, err := r.ParseFile(p)
	if err != nil {
		return nil, err
	}
	res := &Result{Interp: main.Interp}
	known := map[string]bool{} // names and sonames already loaded
	if main.Interp != "" {
		known[path.Base(main.Interp)] = true
		known[main.Interp] = true
		if io, err := r.ParseFile(main.Interp); err == nil && io.Soname != "" {
			known[io.Soname] = true
		} else if err != nil {
			return nil, fmt.Errorf("ldd: %s: interpreter: %w", p, err)
		}
	}
	queue := []loaded{{path: p, obj: main}}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		var rpaths []string
		if len(cur.obj.RunPath) == 0 {
			rpaths = append(r.expand(cur.obj.RPath, cur.path), cur.loaderRPaths...)
		}
		runpaths := r.expand(cur.obj.RunPath, cur.path)
		for _, name := range cur.obj.Needed {
			if known[name] {
				continue
			}
			found, obj, err := r.find(name, rpaths, runpaths)
			if err != nil {
				return nil, fmt.Errorf("%w: %s (needed by %s)", err, name, cur.path)
			}
			known[name] = true
			if obj.Soname != "" {
				known[obj.Soname] = true
			}
			res.Libs = append(res.Libs, Lib{Name: name, Path: found, NeededBy: cur.path})
			var chain []string
			if len(cur.obj.RunPath) == 0 {
				chain = rpaths
			}
			queue = append(queue, loaded{path: found, obj: obj, loaderRPaths: chain})
		}
	}
	return res, nil
}

// expand substitutes $ORIGIN, $LIB and $PLATFORM in dirs for an object at p.
func (r *Resolver) expand(dirs []string, p string) []string {
	var out []string
	for _, d := range dirs {
		if d == "" {
			continue
		}
		for _, v := range []struct{ k, val string }{
			{"${ORIGIN}", path.Dir(p)}, {"$ORIGIN", path.Dir(p)},
			{"${LIB}", "lib/x86_64-linux-gnu"}, {"$LIB", "lib/x86_64-linux-gnu"},
			{"${PLATFORM}", "x86_64"}, {"$PLATFORM", "x86_64"},
		} {
			d = strings.ReplaceAll(d, v.k, v.val)
		}
		if path.IsAbs(d) {
			out = append(out, path.Clean(d))
		}
	}
	return out
}

func (r *Resolver) find(name string, rpaths, runpaths []string) (string, *Object, error) {
	if strings.Contains(name, "/") {
		o, err := r.ParseFile(name)
		return name, o, err
	}
	var search []string
	search = append(search, rpaths...)
	search = append(search, runpaths...)
	search = append(search, r.ConfDirs...)
	search = append(search, r.DefaultDirs...)
	for _, d := range search {
		cand := path.Join(d, name)
		if !r.Root.Exists(cand) {
			continue
		}
		o, err := r.ParseFile(cand)
		if errors.Is(err, ErrArch) {
			continue // ld.so skips incompatible objects and keeps searching
		}
		if err != nil {
			return "", nil, err
		}
		return cand, o, nil
	}
	return "", nil, ErrNotFound
}
