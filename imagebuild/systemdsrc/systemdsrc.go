// Package systemdsrc builds systemd from a source tarball with meson and
// ninja, with a minimal feature set (no PAM, SELinux, AppArmor, audit,
// seccomp, polkit, ACLs, compression or crypto libraries, no networkd,
// resolved, logind, udev hwdb, EFI, man pages or tests), and stages the
// programs an image needs, with their private libraries, in a directory
// laid out like the installed system (a harvest overlay).
//
// Builds are cached under CacheDir/<key>, the key being a hash of the
// tarball's sha256, the meson options, the targets and the versions of
// meson, ninja and the C compiler; a finished build is marked by a stamp
// file and reused as it is. Every compiler run is niced (nice -n 19) and
// ninja runs at most Jobs jobs (default 2): the machines this runs on are
// shared.
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

	"aramid/imagebuild/compress"
)

// LibDir is where the staged private libraries go and what RUNPATH says,
// as in Debian's package.
const LibDir = "/usr/lib/x86_64-linux-gnu/systemd"

// MesonOptions are passed to `meson setup`: paths as Debian installs them,
// and every optional dependency and component off.
var MesonOptions = []string{
	"--prefix=/usr", "--buildtype=release", "-Dmode=release", "-Dsplit-usr=false",
	"-Drootprefix=/usr", "-Drootlibdir=/usr/lib/x86_64-linux-gnu",
	// optional libraries
	"-Dpam=false", "-Dselinux=false", "-Dapparmor=false", "-Daudit=false", "-Dseccomp=false",
	"-Dpolkit=false", "-Dacl=false", "-Dblkid=false", "-Dfdisk=false", "-Dkmod=false",
	"-Dpwquality=false", "-Dmicrohttpd=false", "-Dlibcryptsetup=false", "-Dlibcurl=false",
	"-Dlibidn2=false", "-Dlibidn=false", "-Didn=false", "-Dlibiptc=false", "-Dqrencode=false",
	"-Dgcrypt=false", "-Dgnutls=false", "-Dopenssl=false", "-Dp11kit=false", "-Dlibfido2=false",
	"-Dtpm2=false", "-Delfutils=false", "-Dzlib=false", "-Dbzip2=false", "-Dxz=false",
	"-Dlz4=false", "-Dzstd=false", "-Dxkbcommon=false", "-Dpcre2=false", "-Dglib=false",
	"-Ddbus=false", "-Dgnu-efi=false", "-Dbpf-framework=false", "-Dsmack=false", "-Dima=false",
	// components
	"-Defi=false", "-Dtpm=false", "-Dhibernate=false", "-Dresolve=false", "-Dnetworkd=false",
	"-Dtimesyncd=false", "-Dlogind=false", "-Dmachined=false", "-Dportabled=false",
	"-Duserdb=false", "-Dhomed=false", "-Dhostnamed=false", "-Dlocaled=false",
	"-Dtimedated=false", "-Dcoredump=false", "-Dpstore=false", "-Doomd=false",
	"-Dfirstboot=false", "-Drandomseed=false", "-Dbacklight=false", "-Dvconsole=false",
	"-Dquotacheck=false", "-Drfkill=false", "-Dhwdb=false", "-Dsysext=false", "-Dbinfmt=false",
	"-Dimportd=false", "-Dremote=false", "-Drepart=false", "-Dsysupdate=false",
	"-Dxdg-autostart=false", "-Dnss-myhostname=false", "-Dnss-mymachines=false",
	"-Dnss-resolve=false", "-Dnss-systemd=false", "-Dutmp=false", "-Dkernel-install=false",
	"-Danalyze=false", "-Dldconfig=false", "-Denvironment-d=false", "-Dtranslations=false",
	// documentation and tests
	"-Dman=false", "-Dhtml=false", "-Dtests=false", "-Dinstall-tests=false",
}

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
var libraryGlobs = []string{"src/shared/libsystemd-shared-*.so", "src/core/libsystemd-core-*.so"}

// Options for Build.
type Options struct {
	Tarball  string // .tar.gz or .tar.xz of the source
	SHA256   string // the tarball's, as the recipe states it
	CacheDir string
	Jobs     int // ninja -j; default 2
	Log      *slog.Logger
	// Stdout receives meson's and ninja's output (progress); nil discards it.
	Stdout io.Writer
}

// Result is a staged build.
type Result struct {
	Root    string   // overlay directory: files at their installed paths
	Version string   // from meson's project info
	Key     string   // cache key
	Cached  bool     // true when an earlier build was reused
	Files   []string // staged paths inside Root
	Tools   string   // meson, ninja and compiler versions
}

const stampName = ".aramid-staged.json"

// Build builds and stages systemd, or returns the cached staging.
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
	for _, tool := range []string{"meson", "ninja", "cc", "nice", "gperf"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("systemdsrc: %s not found (make test-systemd-source installs meson, ninja-build, gperf and the build dependencies)", tool)
		}
	}
	tools, err := toolVersions(ctx)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "systemdsrc v1\x00%s\x00%s\x00%s\x00%d\x00", o.SHA256, strings.Join(MesonOptions, " "), tools, len(Programs))
	for _, p := range Programs {
		fmt.Fprintf(h, "%s=%s\x00", p.Target, p.Path)
	}
	key := hex.EncodeToString(h.Sum(nil))
	dir := filepath.Join(o.CacheDir, "systemd-src", key[:24])
	res := &Result{Root: filepath.Join(dir, "root"), Key: key, Tools: tools}
	if b, err := os.ReadFile(filepath.Join(dir, stampName)); err == nil {
		if err := json.Unmarshal(b, res); err == nil {
			res.Cached = true
			lg.Info("systemd source build: cached", "dir", dir, "version", res.Version)
			return res, nil
		}
	}
	src := filepath.Join(dir, "src")
	bld := filepath.Join(dir, "build")
	if _, err := os.Stat(filepath.Join(bld, "build.ninja")); err == nil {
		// An unfinished earlier build with the same key: ninja goes on from there.
		lg.Info("systemd source build: resuming", "dir", bld)
	} else {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
		lg.Info("systemd source build: extracting", "tarball", o.Tarball, "into", src)
		if err := extract(o.Tarball, src); err != nil {
			return nil, err
		}
		setup := append([]string{"-n", "19", "meson", "setup", bld, src}, MesonOptions...)
		lg.Info("systemd source build: meson setup (nice -n 19)", "options", len(MesonOptions))
		if err := run(ctx, o.Stdout, "nice", setup...); err != nil {
			return nil, err
		}
	}
	ninja := []string{"-n", "19", "ninja", "-C", bld, "-j", fmt.Sprint(o.Jobs)}
	for _, p := range Programs {
		ninja = append(ninja, p.Target)
	}
	lg.Info("systemd source build: ninja (nice -n 19)", "jobs", o.Jobs, "targets", len(Programs))
	if err := run(ctx, o.Stdout, "nice", ninja...); err != nil {
		return nil, err
	}
	res.Version, err = projectVersion(bld)
	if err != nil {
		return nil, err
	}
	if res.Files, err = stage(bld, res.Root); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, stampName), b, 0o644); err != nil {
		return nil, fmt.Errorf("systemdsrc: %w", err)
	}
	lg.Info("systemd source build: staged", "version", res.Version, "root", res.Root)
	return res, nil
}

func run(ctx context.Context, out io.Writer, name string, args ...string) error {
	var tail tailBuffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = io.MultiWriter(out, &tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		what := args[2]
		if len(args) > 3 {
			what += " " + args[3]
		}
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

// last returns the last non-empty output line.
func (t *tailBuffer) last() string {
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func toolVersions(ctx context.Context) (string, error) {
	var parts []string
	for _, c := range [][]string{{"meson", "--version"}, {"ninja", "--version"}, {"cc", "--version"}} {
		out, err := exec.CommandContext(ctx, c[0], c[1:]...).Output()
		if err != nil {
			return "", fmt.Errorf("systemdsrc: %s --version: %w", c[0], err)
		}
		parts = append(parts, c[0]+" "+strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0])
	}
	return strings.Join(parts, "; "), nil
}

func projectVersion(bld string) (string, error) {
	b, err := os.ReadFile(filepath.Join(bld, "meson-info", "intro-projectinfo.json"))
	if err != nil {
		return "", fmt.Errorf("systemdsrc: %w", err)
	}
	var info struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return "", fmt.Errorf("systemdsrc: project info: %w", err)
	}
	return info.Version, nil
}

// extract unpacks a .tar.gz/.tar.xz into dir, dropping the first path
// component; names escaping dir, and entry types other than files,
// directories and symlinks, are errors.
func extract(tarball, dir string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("systemdsrc: %w", err)
	}
	defer f.Close()
	head := make([]byte, 8)
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("systemdsrc: %s: %w", tarball, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("systemdsrc: %w", err)
	}
	zr, err := compress.NewReader(f, compress.Detect(head))
	if err != nil {
		return fmt.Errorf("systemdsrc: %s: %w", tarball, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("systemdsrc: %s: %w", tarball, err)
		}
		name := path.Clean(h.Name)
		if name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return fmt.Errorf("systemdsrc: %s: entry %q escapes the source tree", tarball, h.Name)
		}
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		} else {
			continue // the top directory itself
		}
		if name == "" || name == "." || path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("systemdsrc: %s: entry %q escapes the source tree", tarball, h.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(dst, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
				err = writeFile(dst, tr, os.FileMode(h.Mode)&0o755|0o644)
			}
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
				err = os.Symlink(h.Linkname, dst)
			}
		case tar.TypeXGlobalHeader:
		default:
			return fmt.Errorf("systemdsrc: %s: %s: unsupported entry type %q", tarball, h.Name, h.Typeflag)
		}
		if err != nil {
			return fmt.Errorf("systemdsrc: %w", err)
		}
	}
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

// stage copies the programs and libraries to their installed paths under
// root, rewriting RUNPATH to LibDir.
func stage(bld, root string) ([]string, error) {
	type item struct{ from, to, runpath string }
	var items []item
	for _, p := range Programs {
		items = append(items, item{filepath.Join(bld, p.Target), p.Path, LibDir})
	}
	for _, g := range libraryGlobs {
		m, err := filepath.Glob(filepath.Join(bld, g))
		if err != nil || len(m) != 1 {
			return nil, fmt.Errorf("systemdsrc: want one %s in the build, found %d", g, len(m))
		}
		// The libraries sit together: $ORIGIN finds the others (it is also
		// short enough for the build RUNPATH's room, which LibDir is not).
		items = append(items, item{m[0], LibDir + "/" + filepath.Base(m[0]), "$ORIGIN"})
	}
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
