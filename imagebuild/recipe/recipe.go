// Package recipe defines mkimage's declarative image recipes: YAML files in
// recipes/, decoded strictly (an unknown key is an error that names its file
// and line) and validated before any build step runs. Every problem Validate
// finds is reported with its key and line.
package recipe

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Recipe is one image description.
type Recipe struct {
	Name        string    `yaml:"name"`
	Description string    `yaml:"description"`
	Seed        string    `yaml:"seed"`
	Init        string    `yaml:"init"`    // PID 1 inside the image; /init links to it
	Cmdline     string    `yaml:"cmdline"` // kernel command line for this image
	Outputs     []string  `yaml:"outputs"` // initramfs, disk
	Compression string    `yaml:"compression"`
	Systemd     *Systemd  `yaml:"systemd"`
	Debian      *Debian   `yaml:"debian"`
	Harvest     Harvest   `yaml:"harvest"`
	Compile     []Compile `yaml:"compile"`
	Files       []File    `yaml:"files"`
	Checks      *Checks   `yaml:"checks"`

	// File is where the recipe was read from; lines maps key paths
	// ("files[2].mode") to their line in File.
	File  string         `yaml:"-"`
	lines map[string]int `yaml:"-"`
	// SHA256 is the hex digest of the recipe file's bytes.
	SHA256 string `yaml:"-"`
	// Dir is the absolute directory that relative host paths in the recipe
	// (compile sources, the harvest sysroot, tarballs) resolve against: the
	// recipe file's own folder for a recipe given by path, the repository
	// for one given by name. Empty means the builder's repository.
	Dir string `yaml:"-"`
}

// Systemd asks for systemd built from a source tarball.
type Systemd struct {
	Version string `yaml:"version"`
	Source  string `yaml:"source"` // tarball path (relative to the repository) or "" when none is available
	// SHA256 pins the tarball: when set, a source (the recipe's or one given
	// on the command line) with another sha256 is refused.
	SHA256 string   `yaml:"sha256"`
	Meson  []string `yaml:"meson"` // extra -D options; each must be declared by the source
	// Fallback is what to do when the source cannot be had: "host" harvests
	// the host's systemd (and says so loudly), "fail" stops.
	Fallback string `yaml:"fallback"`
}

// Debian asks for a Debian root file system built by mmdebstrap from the
// archive's packages (imagebuild/debian), pinned by a lock file. The
// recipe's files are laid over it: a file the recipe declares replaces the
// package's at that path.
type Debian struct {
	Suite    string   `yaml:"suite"`    // bookworm
	Mirror   string   `yaml:"mirror"`   // default http://deb.debian.org/debian
	Variant  string   `yaml:"variant"`  // mmdebstrap --variant; default apt
	Packages []string `yaml:"packages"` // installed with their dependencies
	// Lock is the lock file (relative to the recipe's folder); default
	// NAME.lock beside the recipe.
	Lock string `yaml:"lock"`
	// RootPasswordHash is root's crypt(3) hash in /etc/shadow.
	RootPasswordHash string `yaml:"root_password_hash"`
	// Enable lists systemd units to enable (systemctl enable in the chroot).
	Enable []string `yaml:"enable"`
	// Customize are shell commands mmdebstrap runs after installing, with
	// the root's directory in $1 (mmdebstrap --customize-hook).
	Customize []string `yaml:"customize"`
}

// Harvest lists host files to copy. Binaries and libraries must be ELF64
// x86-64; their shared-library closure is copied with them.
type Harvest struct {
	Sysroot   string   `yaml:"sysroot"` // absolute, or relative to Recipe.Dir; default /
	Binaries  []string `yaml:"binaries"`
	Libraries []string `yaml:"libraries"` // loaded at run time (dlopen, NSS)
	Files     []string `yaml:"files"`     // copied as they are
}

// Compile builds a C program into the image.
type Compile struct {
	Source    string   `yaml:"source"`    // absolute, or relative to Recipe.Dir
	Output    string   `yaml:"output"`    // path in the image
	Toolchain string   `yaml:"toolchain"` // gcc or musl
	Flags     []string `yaml:"flags"`
}

// File is a generated entry: a path plus exactly one of the sources.
type File struct {
	Path      string  `yaml:"path"`
	Mode      *uint32 `yaml:"mode"`
	UID       uint32  `yaml:"uid"`
	GID       uint32  `yaml:"gid"`
	Contents  *string `yaml:"contents"`
	Symlink   string  `yaml:"symlink"`
	Hardlink  string  `yaml:"hardlink"`
	Directory bool    `yaml:"directory"`
	Device    *Device `yaml:"device"`
	Fifo      bool    `yaml:"fifo"`
	Generate  string  `yaml:"generate"` // machine-id
}

// Device is a character or block special file.
type Device struct {
	Kind  string `yaml:"kind"` // char or block
	Major uint32 `yaml:"major"`
	Minor uint32 `yaml:"minor"`
}

// Checks are the serial-log expectations a boot test of this image uses.
type Checks struct {
	Welcome      string `yaml:"welcome"`       // text after "Welcome to"
	Target       string `yaml:"target"`        // text after "Reached target"
	ConsoleShell string `yaml:"console_shell"` // text after "Started"
	Success      string `yaml:"success"`       // a line that means the image worked (non-systemd images)
}

// Known output kinds.
var outputKinds = []string{"initramfs", "disk"}

// Generators known to Files[].Generate.
var generators = []string{"machine-id"}

// Problem is one validation failure.
type Problem struct {
	Key  string
	Line int
	Msg  string
}

// ValidationError lists every problem of a recipe on one line.
type ValidationError struct {
	File     string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	return "recipe: " + strings.Join(e.Lines(), "; ")
}

// Lines renders each problem as one "file:line: key: message" line.
func (e *ValidationError) Lines() []string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		loc := e.File
		if p.Line > 0 {
			loc = fmt.Sprintf("%s:%d", e.File, p.Line)
		}
		parts[i] = fmt.Sprintf("%s: %s: %s", loc, p.Key, p.Msg)
	}
	return parts
}

// Line returns the line of a key path, or the nearest enclosing key's.
func (r *Recipe) Line(key string) int {
	for k := key; k != ""; {
		if l, ok := r.lines[k]; ok {
			return l
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// Validate checks the decoded recipe against every output it asks for and
// returns a *ValidationError listing every problem, or nil.
func (r *Recipe) Validate() error { return r.ValidateFor(r.Outputs) }

// ValidateFor is Validate for a build that writes outputs (a build's format
// list may ask for more than the recipe's own outputs): a value that one of
// those output formats, or Linux reading them, cannot hold is a problem
// naming the entry's line, never something a writer truncates.
func (r *Recipe) ValidateFor(outputs []string) error {
	var ps []Problem
	bad := func(key, format string, a ...any) {
		ps = append(ps, Problem{Key: key, Line: r.Line(key), Msg: fmt.Sprintf(format, a...)})
	}
	imagePath := func(key, p string) {
		switch {
		case p == "":
			bad(key, "empty path")
		case !path.IsAbs(p):
			bad(key, "%q is not absolute", p)
		case path.Clean(p) != p || strings.Contains(p, "/../") || strings.HasSuffix(p, "/.."):
			bad(key, "%q is not clean or escapes the image root", p)
		default:
			pathLimits(bad, key, p)
		}
	}
	if r.Name == "" {
		bad("name", "missing")
	} else if r.File != "" && strings.TrimSuffix(path.Base(r.File), ".yaml") != r.Name {
		bad("name", "%q does not match the file name %s", r.Name, path.Base(r.File))
	} else if !validName(r.Name) {
		bad("name", "%q: want letters, digits, '.', '_' and '-', starting with a letter or digit, at most %d bytes", r.Name, maxNameLen)
	}
	if r.Seed == "" {
		bad("seed", "missing (every UUID and the machine-id derive from it)")
	}
	if r.Init != "" {
		imagePath("init", r.Init)
	}
	if len(r.Outputs) == 0 {
		bad("outputs", "missing (initramfs and/or disk)")
	}
	for i, o := range r.Outputs {
		if !contains(outputKinds, o) {
			bad(fmt.Sprintf("outputs[%d]", i), "unknown output %q (want initramfs or disk)", o)
		}
	}
	switch r.Compression {
	case "", "xz", "gzip", "zstd", "none":
	default:
		bad("compression", "unknown method %q (want xz, gzip, zstd or none)", r.Compression)
	}
	if s := r.Systemd; s != nil {
		if s.Version == "" {
			bad("systemd.version", "missing")
		}
		switch {
		case s.SHA256 == "":
		case len(s.SHA256) != 64 || strings.Trim(s.SHA256, "0123456789abcdef") != "":
			bad("systemd.sha256", "%q is not 64 lower-case hex digits", s.SHA256)
		case strings.Count(s.SHA256, s.SHA256[:1]) == 64:
			bad("systemd.sha256", "%q is a placeholder, not a tarball's sha256 (leave it out to accept any tarball of the version)", s.SHA256)
		}
		switch s.Fallback {
		case "host", "fail":
		default:
			bad("systemd.fallback", "%q: want host or fail", s.Fallback)
		}
	}
	if d := r.Debian; d != nil {
		if d.Suite == "" || strings.ContainsAny(d.Suite, " /'\"") {
			bad("debian.suite", "%q: want a suite name (bookworm)", d.Suite)
		}
		switch d.Variant {
		case "", "essential", "apt", "required", "minbase", "important", "standard":
		default:
			bad("debian.variant", "%q: want essential, apt, required, minbase, important or standard", d.Variant)
		}
		if d.Mirror != "" && !strings.HasPrefix(d.Mirror, "http://") && !strings.HasPrefix(d.Mirror, "https://") || strings.ContainsAny(d.Mirror, " '\"") {
			bad("debian.mirror", "%q: want an http(s) URL", d.Mirror)
		}
		if len(d.Packages) == 0 {
			bad("debian.packages", "missing")
		}
		for i, p := range d.Packages {
			if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz0123456789+-.") != "" {
				bad(fmt.Sprintf("debian.packages[%d]", i), "%q is not a Debian package name", p)
			}
		}
		if d.Lock != "" {
			hostPath(bad, "debian.lock", d.Lock)
		}
		if h := d.RootPasswordHash; h != "" && (!strings.HasPrefix(h, "$") || strings.ContainsAny(h, ": '\"\n")) {
			bad("debian.root_password_hash", "want a crypt(3) hash ($6$salt$...; openssl passwd -6)")
		}
		for i, u := range d.Enable {
			if u == "" || strings.ContainsAny(u, " /'\"\n$`;&|") {
				bad(fmt.Sprintf("debian.enable[%d]", i), "%q is not a unit name", u)
			}
		}
	}
	if r.Harvest.Sysroot != "" {
		hostPath(bad, "harvest.sysroot", r.Harvest.Sysroot)
	}
	for name, list := range map[string][]string{"binaries": r.Harvest.Binaries, "libraries": r.Harvest.Libraries, "files": r.Harvest.Files} {
		for i, p := range list {
			imagePath(fmt.Sprintf("harvest.%s[%d]", name, i), p)
		}
	}
	for i, c := range r.Compile {
		key := fmt.Sprintf("compile[%d]", i)
		hostPath(bad, key+".source", c.Source)
		imagePath(key+".output", c.Output)
		if c.Toolchain != "gcc" && c.Toolchain != "musl" {
			bad(key+".toolchain", "%q: want gcc or musl", c.Toolchain)
		}
	}
	seen := map[string]int{}
	for i, f := range r.Files {
		key := fmt.Sprintf("files[%d]", i)
		imagePath(key+".path", f.Path)
		if j, ok := seen[f.Path]; ok {
			bad(key+".path", "%s already declared by files[%d]", f.Path, j)
		}
		seen[f.Path] = i
		n := 0
		for _, set := range []bool{f.Contents != nil, f.Symlink != "", f.Hardlink != "", f.Directory, f.Device != nil, f.Fifo, f.Generate != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			bad(key, "needs exactly one of contents, symlink, hardlink, directory, device, fifo, generate (has %d)", n)
		}
		if f.Mode != nil && *f.Mode&^uint32(fs.ModePerm|0o7000) != 0 {
			bad(key+".mode", "%o has bits beyond 07777", *f.Mode)
		}
		if f.Hardlink != "" {
			imagePath(key+".hardlink", f.Hardlink)
		}
		if f.Symlink != "" && strings.ContainsRune(f.Symlink, 0) {
			bad(key+".symlink", "NUL in target")
		}
		if d := f.Device; d != nil && d.Kind != "char" && d.Kind != "block" {
			bad(key+".device.kind", "%q: want char or block", d.Kind)
		}
		if f.Generate != "" && !contains(generators, f.Generate) {
			bad(key+".generate", "unknown generator %q (want %s)", f.Generate, strings.Join(generators, ", "))
		}
	}
	r.checkLimits(bad, outputs)
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	return &ValidationError{File: r.File, Problems: ps}
}

// Wants reports whether output kind o is requested.
func (r *Recipe) Wants(o string) bool { return contains(r.Outputs, o) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
