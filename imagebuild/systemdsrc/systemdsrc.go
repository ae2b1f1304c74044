// Package systemdsrc builds systemd from a release tarball of any version
// with meson and ninja, with a minimal feature set, and stages the programs
// an image needs, with their private libraries, in a directory laid out
// like the installed system (a harvest overlay).
//
// The build adapts to the source instead of assuming one version:
//   - Inspect reads the tarball once before anything is unpacked: every
//     entry must stay inside one top directory; meson.build gives the
//     version (which the caller compares with the recipe's) and the meson
//     it asks for; meson_options.txt gives the options.
//   - OptionArgs turns off every optional part the source declares and
//     passes no option it lacks.
//   - Sources older than MesonModernFrom are configured with Debian
//     bullseye's meson 0.56 (OldMeson), fetched with apt-get download
//     through a private apt configuration and unpacked into the cache;
//     newer ones with the host's meson.
//   - Fixups adapt old sources to today's headers and compiler, each tied
//     to what the source contains and recorded in the result.
//
// Builds are cached under CacheDir/systemd-src/<key>, the key being a hash
// of the tarball's sha256, the meson command line, the fix-ups, the targets
// and the versions of meson, ninja and the C compiler; a finished build is
// marked by a stamp file and reused as it is, and an unfinished one is
// resumed by ninja. Every compiler run is niced (nice -n 19) and ninja runs
// at most Jobs jobs (default 2): the machines this runs on are shared.
//
// Only the named targets are built (the full tree takes far longer), so
// meson's install step, which wants every target, is not used. Staging does
// what it would do for these files: copy them to their installed paths and
// rewrite the build-tree RUNPATH into the installed one, in place (meson
// pads the build RUNPATH so that the installed one fits, and rewrites it the
// same way).
package systemdsrc

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Program is one staged build output.
type Program struct {
	Target string // ninja target = file in the build directory
	Path   string // installed path
}

// Programs are the targets an image needs (systemd as PID 1, journald,
// systemctl); their private libraries follow from DT_NEEDED.
var Programs = []Program{
	{"systemd", "/usr/lib/systemd/systemd"},
	{"systemd-journald", "/usr/lib/systemd/systemd-journald"},
	{"systemctl", "/usr/bin/systemctl"},
}

// Libraries built alongside the programs (globs in the build directory).
// Newer releases build libsystemd-core as a shared library; older ones
// (247) link the core into systemd statically and have no such file.
var libraryGlobs = []struct {
	glob     string
	optional bool
}{
	{"src/shared/libsystemd-shared-*.so", false},
	{"src/core/libsystemd-core-*.so", true},
}

// Options for Build.
type Options struct {
	Tarball string // .tar.gz, .tar.xz or .tar.zst of the source
	// Version is the version the caller asks for ("245"); a source of
	// another version is refused (see VersionMatches). Empty accepts any.
	Version  string
	SHA256   string   // when set, the tarball must have this sha256
	Extra    []string // extra -D options; each must be declared by the source
	CacheDir string
	Jobs     int // ninja -j; default 2
	Log      *slog.Logger
	// Stdout receives meson's and ninja's output (progress); nil discards it.
	Stdout io.Writer
}

// Result is a staged build.
type Result struct {
	Root    string   // overlay directory: files at their installed paths
	Version string   // from meson.build
	SHA256  string   // the tarball's
	Key     string   // cache key
	Cached  bool     // true when an earlier build was reused
	Files   []string // staged paths inside Root
	Tools   string   // meson, ninja and compiler versions
	// Meson is the meson version that configured the build and MesonFrom
	// where it came from; Setup is the exact `meson setup` command line
	// (build and source directories as BUILD and SRC).
	Meson     string
	MesonFrom string
	Setup     string
	Fixups    []string // notes of the fix-ups that ran
	Seconds   float64  // wall time of the run that finished the build (a resumed build counts only its last run)
}

const stampName = ".aramid-staged.json"

// builder is one build in progress.
type builder struct {
	o        Options
	src      *Source
	meson    *Meson
	dir, bld string
}

// Build builds and stages systemd, or returns the cached staging. Every
// check of the tarball (sha256, entries, version) comes before anything is
// written.
func Build(ctx context.Context, o Options) (*Result, error) {
	lg := o.Log
	if lg == nil {
		lg = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Jobs <= 0 {
		o.Jobs = 2
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	start := time.Now()
	sum, err := fileSHA256(o.Tarball)
	if err != nil {
		return nil, err
	}
	if o.SHA256 != "" && sum != o.SHA256 {
		return nil, fmt.Errorf("systemdsrc: %s: sha256 %s, want %s", o.Tarball, sum, o.SHA256)
	}
	src, err := Inspect(o.Tarball)
	if err != nil {
		return nil, err
	}
	if o.Version != "" && !VersionMatches(o.Version, src.Version) {
		return nil, fmt.Errorf("systemdsrc: %s is systemd %s, not %s", o.Tarball, src.Version, o.Version)
	}
	args, err := OptionArgs(src.Options, o.Extra)
	if err != nil {
		return nil, fmt.Errorf("systemdsrc: systemd %s: %w", src.Version, err)
	}
	for _, tool := range []string{"ninja", "cc", "nice", "gperf", "dpkg-deb", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("systemdsrc: %s not found (make test-systemd-source installs meson, ninja-build, gperf and the build dependencies)", tool)
		}
	}
	var m *Meson
	if NeedsOldMeson(src) {
		m, err = oldMeson(ctx, o.CacheDir, func(msg string, kv ...any) { lg.Info("systemd source build: "+msg, kv...) })
	} else {
		m, err = hostMeson(ctx)
	}
	if err != nil {
		return nil, err
	}
	if ok, err := SatisfiesMesonVersion(m.Version, src.MesonVersion); err != nil || !ok {
		return nil, fmt.Errorf("systemdsrc: systemd %s wants meson %s, have %s (%s): %v", src.Version, src.MesonVersion, m.Version, m.From, err)
	}
	tools, err := toolVersions(ctx)
	if err != nil {
		return nil, err
	}
	tools = "meson " + m.Version + " (" + m.From + "); " + tools
	setup := append([]string{"setup", "BUILD", "SRC", "--prefix=/usr", "--buildtype=release"}, args...)
	fixups := fixupsFor(src)
	h := sha256.New()
	fmt.Fprintf(h, "systemdsrc v2\x00%s\x00%s\x00%s\x00", sum, strings.Join(setup, " "), tools)
	for _, f := range fixups {
		fmt.Fprintf(h, "fixup %s: %s\x00", f.Name, f.Why)
	}
	for _, p := range Programs {
		fmt.Fprintf(h, "%s=%s\x00", p.Target, p.Path)
	}
	key := hex.EncodeToString(h.Sum(nil))
	dir, err := filepath.Abs(filepath.Join(o.CacheDir, "systemd-src", key[:24]))
	if err != nil {
		return nil, fmt.Errorf("systemdsrc: %w", err)
	}
	res := &Result{Root: filepath.Join(dir, "root"), Key: key, Tools: tools, SHA256: sum, Version: src.Version,
		Meson: m.Version, MesonFrom: m.From, Setup: "meson " + strings.Join(setup, " ")}
	if b, err := os.ReadFile(filepath.Join(dir, stampName)); err == nil {
		if err := json.Unmarshal(b, res); err == nil {
			res.Cached = true
			lg.Info("systemd source build: cached", "dir", dir, "version", res.Version)
			return res, nil
		}
	}
	b := &builder{o: o, src: src, meson: m, dir: dir, bld: filepath.Join(dir, "build")}
	srcDir := filepath.Join(dir, "src")
	if _, err := os.Stat(filepath.Join(b.bld, "build.ninja")); err == nil {
		// An unfinished earlier build with the same key: ninja goes on from there.
		lg.Info("systemd source build: resuming", "dir", b.bld)
	} else {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
		lg.Info("systemd source build: extracting", "tarball", o.Tarball, "version", src.Version, "into", srcDir)
		if err := extract(o.Tarball, srcDir); err != nil {
			return nil, err
		}
		lg.Info("systemd source build: meson setup (nice -n 19)", "meson", m.Version, "from", m.From, "options", len(args))
		argv := append([]string{"setup", b.bld, srcDir, "--prefix=/usr", "--buildtype=release"}, args...)
		cmd := m.command(ctx, argv...)
		cmd.Args = append([]string{"nice", "-n", "19"}, cmd.Args...)
		cmd.Path, err = exec.LookPath("nice")
		if err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
		if err := runCmd(cmd, o.Stdout, "meson setup"); err != nil {
			return nil, err
		}
	}
	for _, f := range fixups {
		lg.Info("systemd source build: fix-up", "name", f.Name)
		note, err := f.AfterSetup(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("systemdsrc: fix-up %s: %w", f.Name, err)
		}
		res.Fixups = append(res.Fixups, note)
	}
	var targets []string
	for _, p := range Programs {
		targets = append(targets, p.Target)
	}
	lg.Info("systemd source build: ninja (nice -n 19)", "jobs", o.Jobs, "targets", len(Programs))
	if err := b.ninja(ctx, targets...); err != nil {
		return nil, err
	}
	if res.Files, err = stage(b.bld, res.Root); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	js, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, stampName), js, 0o644); err != nil {
		return nil, fmt.Errorf("systemdsrc: %w", err)
	}
	lg.Info("systemd source build: staged", "version", res.Version, "root", res.Root, "seconds", fmt.Sprintf("%.0f", res.Seconds))
	return res, nil
}

// ninja builds targets in the build directory, niced, with o.Jobs jobs.
func (b *builder) ninja(ctx context.Context, targets ...string) error {
	args := append([]string{"-n", "19", "ninja", "-C", b.bld, "-j", fmt.Sprint(b.o.Jobs)}, targets...)
	return runCmd(exec.CommandContext(ctx, "nice", args...), b.o.Stdout, "ninja "+strings.Join(targets, " "))
}

func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("systemdsrc: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("systemdsrc: %s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func runCmd(cmd *exec.Cmd, out io.Writer, what string) error {
	var tail tailBuffer
	cmd.Stdout = io.MultiWriter(out, &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("systemdsrc: %s: %w; last output: %s", what, err, tail.last())
	}
	return nil
}

// tailBuffer keeps the last few KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

// last returns the last line that reports an error (meson's "ERROR:",
// a compiler's "error:", ninja's "FAILED:"), else the last non-empty line.
func (t *tailBuffer) last() string {
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.Contains(l, "ERROR:") || strings.Contains(l, "error:") || strings.HasPrefix(l, "FAILED:") {
			return l
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

func toolVersions(ctx context.Context) (string, error) {
	var parts []string
	for _, c := range [][]string{{"ninja", "--version"}, {"cc", "--version"}} {
		out, err := exec.CommandContext(ctx, c[0], c[1:]...).Output()
		if err != nil {
			return "", fmt.Errorf("systemdsrc: %s --version: %w", c[0], err)
		}
		parts = append(parts, c[0]+" "+strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0])
	}
	return strings.Join(parts, "; "), nil
}

// extract unpacks a tarball Inspect accepted into dir, dropping the top
// directory (walkTar checks every name and link again).
func extract(tarball, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("systemdsrc: %w", err)
	}
	return walkTar(tarball, func(h *tar.Header, rel string, r io.Reader) error {
		if rel == "" {
			return nil // the top directory itself
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			return os.MkdirAll(dst, 0o755)
		case tar.TypeReg:
			return writeFile(dst, r, os.FileMode(h.Mode)&0o755|0o644)
		case tar.TypeSymlink:
			return os.Symlink(h.Linkname, dst)
		case tar.TypeLink:
			target, _ := relName(h.Linkname)
			return os.Link(filepath.Join(dir, filepath.FromSlash(target)), dst)
		}
		return nil
	})
}

func writeFile(dst string, r io.Reader, mode os.FileMode) error {
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// stage copies the programs and libraries to the paths meson would install
// them at (its intro-installed.json), rewriting the programs' RUNPATH to the
// directory libsystemd-shared installs into (the install RUNPATH, which
// differs between versions: /usr/lib/systemd in 247,
// /usr/lib/x86_64-linux-gnu/systemd in 252) and the libraries' to $ORIGIN.
// A program whose installed path is not Program.Path (where the recipes
// harvest it) is an error.
func stage(bld, root string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(bld, "meson-info", "intro-installed.json"))
	if err != nil {
		return nil, fmt.Errorf("systemdsrc: %w", err)
	}
	var installed map[string]string
	if err := json.Unmarshal(b, &installed); err != nil {
		return nil, fmt.Errorf("systemdsrc: intro-installed.json: %w", err)
	}
	installedPath := func(file string) (string, error) {
		if p, ok := installed[file]; ok {
			return p, nil
		}
		return "", fmt.Errorf("systemdsrc: meson installs no %s", file)
	}
	type item struct{ from, to, runpath string }
	var libs []item
	libDir := ""
	for _, g := range libraryGlobs {
		m, err := filepath.Glob(filepath.Join(bld, g.glob))
		if err == nil && len(m) == 0 && g.optional {
			continue
		}
		if err != nil || len(m) != 1 {
			return nil, fmt.Errorf("systemdsrc: want one %s in the build, found %d", g.glob, len(m))
		}
		to, err := installedPath(m[0])
		if err != nil {
			return nil, err
		}
		if libDir == "" {
			libDir = path.Dir(to)
		}
		// The libraries sit together: $ORIGIN finds the others.
		libs = append(libs, item{m[0], to, "$ORIGIN"})
	}
	var items []item
	for _, p := range Programs {
		from := filepath.Join(bld, p.Target)
		to, err := installedPath(from)
		if err != nil {
			return nil, err
		}
		if to != p.Path {
			return nil, fmt.Errorf("systemdsrc: meson installs %s at %s, not %s", p.Target, to, p.Path)
		}
		items = append(items, item{from, to, libDir})
	}
	items = append(items, libs...)
	var files []string
	for _, it := range items {
		data, err := os.ReadFile(it.from)
		if err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
		if data, err = SetRunpath(data, it.runpath); err != nil {
			return nil, fmt.Errorf("%w (%s)", err, it.from)
		}
		dst := filepath.Join(root, filepath.FromSlash(it.to))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
		files = append(files, it.to)
	}
	return files, nil
}

// ErrNoRoom is returned by SetRunpath when the new RUNPATH is longer than
// the string it replaces.
var ErrNoRoom = errors.New("systemdsrc: new RUNPATH longer than the old one")

// SetRunpath returns a copy of the ELF64 object data with its DT_RUNPATH
// (or DT_RPATH) string overwritten by runpath, NUL-padded. An object with
// neither is returned unchanged.
func SetRunpath(data []byte, runpath string) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("systemdsrc: %w", err)
	}
	if f.Class != elf.ELFCLASS64 || f.ByteOrder != binary.LittleEndian {
		return nil, errors.New("systemdsrc: not a little-endian ELF64 object")
	}
	dyn := f.Section(".dynamic")
	str := f.Section(".dynstr")
	if dyn == nil || str == nil {
		return data, nil
	}
	d, err := dyn.Data()
	if err != nil {
		return nil, fmt.Errorf("systemdsrc: .dynamic: %w", err)
	}
	out := append([]byte(nil), data...)
	for i := 0; i+16 <= len(d); i += 16 {
		tag := elf.DynTag(binary.LittleEndian.Uint64(d[i:]))
		if tag == elf.DT_NULL {
			break
		}
		if tag != elf.DT_RUNPATH && tag != elf.DT_RPATH {
			continue
		}
		off := binary.LittleEndian.Uint64(d[i+8:])
		if off >= str.Size || str.Offset+str.Size > uint64(len(out)) {
			return nil, errors.New("systemdsrc: RUNPATH offset outside .dynstr")
		}
		at := str.Offset + off
		end := bytes.IndexByte(out[at:str.Offset+str.Size], 0)
		if end < 0 {
			return nil, errors.New("systemdsrc: unterminated RUNPATH")
		}
		if len(runpath) > end {
			return nil, fmt.Errorf("%w (%q, %d bytes of room)", ErrNoRoom, runpath, end)
		}
		copy(out[at:], runpath)
		for j := at + uint64(len(runpath)); j < at+uint64(end); j++ {
			out[j] = 0
		}
	}
	return out, nil
}
