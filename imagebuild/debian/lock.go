// Package debian builds a Debian root file system from Debian's own
// packages for mkimage: mmdebstrap (Debian's rootfs builder, which resolves
// with apt, unpacks with dpkg, runs the maintainer scripts in a chroot and
// honours SOURCE_DATE_EPOCH) writes a tarball, and Tree reads that tarball
// into mkimage's tree, from which mkimage's own ext4 and GPT writers make
// the disk.
//
// The package set is pinned by a lock file beside the recipe: one line per
// package with its version, architecture, size, sha256 and pool path, all
// from the archive's Packages index. The first build resolves the recipe's
// package list against the archive (mmdebstrap with the real mirror) and
// writes the lock; every build then fetches exactly the locked files
// (verifying each sha256), serves them to mmdebstrap as a local flat
// repository holding nothing else, and checks the installed set against the
// lock. A version the archive no longer serves is an error naming it and
// the command that refreshes the lock.
package debian

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Package is one locked package: the fields of its Packages stanza that
// pin and fetch it.
type Package struct {
	Name     string
	Version  string
	Arch     string
	Size     int64
	SHA256   string
	Filename string // pool path below the mirror
}

// Lock is the resolved package set of a recipe.
type Lock struct {
	Suite    string
	Mirror   string
	Packages []Package // sorted by name, then arch
}

const lockHeader = "# mkimage Debian lock: package version arch size sha256 pool-path (from the archive's Packages index)"

// Format renders the lock file.
func (l *Lock) Format() []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, lockHeader)
	fmt.Fprintln(&b, "# refresh with: mkimage --recipe NAME --refresh-lock -o DIR")
	fmt.Fprintf(&b, "suite %s\nmirror %s\n", l.Suite, l.Mirror)
	ps := append([]Package(nil), l.Packages...)
	sortPackages(ps)
	for _, p := range ps {
		fmt.Fprintf(&b, "%s %s %s %d %s %s\n", p.Name, p.Version, p.Arch, p.Size, p.SHA256, p.Filename)
	}
	return b.Bytes()
}

func sortPackages(ps []Package) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Arch < ps[j].Arch
	})
}

// ParseLock reads a lock file; file names it in errors.
func ParseLock(file string, r io.Reader) (*Lock, error) {
	l := &Lock{}
	sc := bufio.NewScanner(r)
	n := 0
	seen := map[string]bool{}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "suite":
			l.Suite = f[1]
		case len(f) == 2 && f[0] == "mirror":
			l.Mirror = f[1]
		case len(f) == 6:
			size, err := strconv.ParseInt(f[3], 10, 64)
			if err != nil || size < 0 {
				return nil, fmt.Errorf("%s:%d: size %q", file, n, f[3])
			}
			if !isSHA256(f[4]) {
				return nil, fmt.Errorf("%s:%d: sha256 %q is not 64 lower-case hex digits", file, n, f[4])
			}
			if strings.Contains(f[5], "..") || strings.HasPrefix(f[5], "/") || !strings.HasSuffix(f[5], ".deb") {
				return nil, fmt.Errorf("%s:%d: pool path %q", file, n, f[5])
			}
			key := f[0] + ":" + f[2]
			if seen[key] {
				return nil, fmt.Errorf("%s:%d: %s locked twice", file, n, key)
			}
			seen[key] = true
			l.Packages = append(l.Packages, Package{Name: f[0], Version: f[1], Arch: f[2], Size: size, SHA256: f[4], Filename: f[5]})
		default:
			return nil, fmt.Errorf("%s:%d: want `NAME VERSION ARCH SIZE SHA256 POOL-PATH`, `suite S` or `mirror URL`", file, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if l.Suite == "" || l.Mirror == "" || len(l.Packages) == 0 {
		return nil, fmt.Errorf("%s: needs a suite line, a mirror line and packages", file)
	}
	return l, nil
}

// ReadLock reads the lock file at path.
func ReadLock(path string) (*Lock, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseLock(path, f)
}

func isSHA256(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// Stanza is one paragraph of a Debian control file (Packages index, dpkg
// status): field name to value, continuation lines joined with "\n".
type Stanza map[string]string

// ParseStanzas reads deb822 paragraphs.
func ParseStanzas(r io.Reader) ([]Stanza, error) {
	var out []Stanza
	cur := Stanza{}
	last := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(cur) > 0 {
				out = append(out, cur)
				cur, last = Stanza{}, ""
			}
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				cur[last] += "\n" + line
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("debian: control line %q has no field name", line)
			}
			last = k
			cur[k] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}
