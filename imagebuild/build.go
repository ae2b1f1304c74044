// Package imagebuild turns a recipe into image files. Build composes the
// stages, each a pure step from the one before: the recipe becomes a tree
// (harvested, compiled and generated files), the tree becomes bytes (a newc
// cpio, compressed; a GPT disk), and a manifest records what went in. No
// stage reads the clock, the environment, the host's user ids or map order:
// time comes from Options.Epoch and every identifier from the recipe's seed.
//
// Outputs are written to a temporary directory inside the output directory
// and renamed into place only when every one of them is complete, so a
// failed build leaves nothing behind.
package imagebuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"aramid/imagebuild/compile"
	"aramid/imagebuild/compress"
	"aramid/imagebuild/cpio"
	"aramid/imagebuild/harvest"
	"aramid/imagebuild/recipe"
	"aramid/imagebuild/repro"
	"aramid/imagebuild/tree"
)

// Output file names inside the output directory.
const (
	ManifestName  = "manifest.json"
	InitramfsBase = "initramfs.cpio"
	DiskName      = "disk.img"
)

// Options are the inputs of a build that are not in the recipe.
type Options struct {
	RepoDir   string    // repository root: relative host paths of a recipe without its own Dir resolve here
	OutDir    string    // created if missing
	CacheDir  string    // compile and source-build cache
	Formats   []string  // outputs to write; empty means the recipe's
	Epoch     time.Time // SOURCE_DATE_EPOCH
	EpochFrom string    // where Epoch came from, for the manifest
	// Compression overrides the recipe's (xz when neither says).
	Compression string
	// Linux and Aramid are kernel files placed on the disk image's ESP.
	Linux  string
	Aramid string
	// BootDefault names the GRUB menu entry booted by default: linux or aramid.
	BootDefault string
	// AramidAppend is added to the Aramid entry's command line (after the
	// recipe's), e.g. "aramid.selftest=1".
	AramidAppend string
	Log          *slog.Logger
	// BuildOutput receives the output of long source builds (meson, ninja);
	// nil discards it.
	BuildOutput io.Writer
	// SystemdSource is a systemd source tarball that replaces the recipe's
	// systemd.source (mkimage --systemd-source).
	SystemdSource string
	// RefreshLock resolves a debian recipe's packages against the archive
	// again and rewrites its lock (mkimage --refresh-lock).
	RefreshLock bool
	// DebianNoCache builds a debian recipe's root tarball even when the
	// cache holds it.
	DebianNoCache bool
}

func (o *Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o.Log
}

// Image is an assembled tree with what the manifest needs to say about it.
type Image struct {
	Tree      *tree.Tree
	Notices   []string
	Toolchain map[string]string
	Sources   map[string]string
}

// Assemble builds the recipe's tree: harvested files, compiled programs,
// generated files, and /init.
func Assemble(ctx context.Context, r *recipe.Recipe, o Options) (*Image, error) {
	r = resolved(r, o)
	img := &Image{Tree: tree.New(), Toolchain: map[string]string{}, Sources: map[string]string{}}
	t := img.Tree
	lg := o.log()
	var overlay, overlayOrigin string
	if s := r.Systemd; s != nil {
		note, err := systemdSource(ctx, r, s, o)
		if err != nil {
			return nil, err
		}
		img.Sources["systemd"] = note.source
		if note.notice != "" {
			img.Notices = append(img.Notices, note.notice)
			lg.Warn("!!! " + note.notice)
		}
		if note.tools != "" {
			img.Toolchain["systemd-build"] = note.tools
		}
		for k, v := range note.extra {
			img.Sources[k] = v
		}
		overlay, overlayOrigin = note.overlay, note.origin
	}
	if r.Debian != nil {
		if err := debianRoot(ctx, r, o, img); err != nil {
			return nil, err
		}
	}
	h, err := harvest.NewOverlay(r.Harvest.Sysroot, overlay, overlayOrigin, t)
	if err != nil {
		return nil, err
	}
	for i, p := range r.Harvest.Binaries {
		lg.Info("harvest", "binary", p)
		if err := h.Binary(p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.File, r.Line(fmt.Sprintf("harvest.binaries[%d]", i)), err)
		}
	}
	for i, p := range r.Harvest.Libraries {
		lg.Info("harvest", "library", p)
		if err := h.Binary(p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.File, r.Line(fmt.Sprintf("harvest.libraries[%d]", i)), err)
		}
	}
	for i, p := range r.Harvest.Files {
		if err := h.File(p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.File, r.Line(fmt.Sprintf("harvest.files[%d]", i)), err)
		}
	}
	if len(r.Compile) > 0 {
		for i, c := range r.Compile {
			lg.Info("compile", "source", c.Source, "toolchain", c.Toolchain)
			// A relative source compiles from the recipe's folder; an
			// absolute one from its own, so the binary (whose file
			// names are mapped to ".") does not depend on where it is.
			cc := &compile.Compiler{RepoDir: r.Dir, CacheDir: filepath.Join(o.CacheDir, "compile")}
			src := c.Source
			if filepath.IsAbs(src) {
				cc.RepoDir, src = filepath.Dir(src), filepath.Base(src)
			}
			res, err := cc.Build(ctx, src, c.Toolchain, c.Flags)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", r.File, r.Line(fmt.Sprintf("compile[%d]", i)), err)
			}
			img.Toolchain[c.Toolchain] = res.Compiler
			e := tree.Entry{Path: c.Output, Type: tree.Regular, Mode: 0o755, Data: res.Data,
				Origin: fmt.Sprintf("compiled from %s with %s (cache key %s)", c.Source, c.Toolchain, res.Key[:16])}
			if err := t.Add(e); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", r.File, r.Line(fmt.Sprintf("compile[%d]", i)), err)
			}
		}
	}
	for i, f := range r.Files {
		e, err := generated(r, f)
		if err == nil {
			err = t.Add(e)
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.File, r.Line(fmt.Sprintf("files[%d]", i)), err)
		}
	}
	if r.Init != "" {
		if _, ok := t.Get("/init"); !ok && r.Init != "/init" {
			rel := strings.TrimPrefix(r.Init, "/")
			if err := t.Add(tree.Entry{Path: "/init", Type: tree.Symlink, Mode: 0o777, Target: rel,
				Origin: "generated: Linux runs /init from an initramfs"}); err != nil {
				return nil, fmt.Errorf("%s: init: %w", r.File, err)
			}
		}
	}
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", r.File, err)
	}
	return img, nil
}

// resolved returns r with Dir set (the repository when the recipe has none)
// and its harvest sysroot made absolute, so every stage reads the host paths
// the recipe means whatever the working directory.
func resolved(r *recipe.Recipe, o Options) *recipe.Recipe {
	c := *r
	if c.Dir == "" {
		c.Dir = o.RepoDir
	}
	c.Harvest.Sysroot = c.Path(c.Harvest.Sysroot)
	return &c
}

// generated turns a recipe file entry into a tree entry.
func generated(r *recipe.Recipe, f recipe.File) (tree.Entry, error) {
	e := tree.Entry{Path: f.Path, UID: f.UID, GID: f.GID, Origin: "generated"}
	mode := func(def uint32) {
		if f.Mode != nil {
			e.Mode = os.FileMode(*f.Mode)
		} else {
			e.Mode = os.FileMode(def)
		}
	}
	switch {
	case f.Contents != nil:
		e.Type, e.Data = tree.Regular, []byte(*f.Contents)
		mode(0o644)
	case f.Symlink != "":
		e.Type, e.Target, e.Mode = tree.Symlink, f.Symlink, 0o777
	case f.Hardlink != "":
		e.Type, e.Target = tree.Hardlink, f.Hardlink
	case f.Directory:
		e.Type = tree.Dir
		mode(0o755)
	case f.Fifo:
		e.Type = tree.Fifo
		mode(0o644)
	case f.Device != nil:
		e.Type, e.Major, e.Minor = tree.CharDev, f.Device.Major, f.Device.Minor
		if f.Device.Kind == "block" {
			e.Type = tree.BlockDev
		}
		mode(0o600)
	case f.Generate == "machine-id":
		e.Type, e.Data = tree.Regular, []byte(repro.MachineID(r.Seed)+"\n")
		e.Origin = "generated: machine-id from the recipe seed"
		mode(0o444)
	default:
		return e, fmt.Errorf("%s: no source", f.Path)
	}
	return e, nil
}

// Build assembles the recipe and writes the requested outputs and the
// manifest into o.OutDir.
func Build(ctx context.Context, r *recipe.Recipe, o Options) (m *tree.Manifest, err error) {
	if o.SystemdSource != "" && r.Systemd == nil {
		return nil, fmt.Errorf("imagebuild: --systemd-source: recipe %s has no systemd section", r.Name)
	}
	formats := o.Formats
	if len(formats) == 0 {
		formats = r.Outputs
	}
	for _, f := range formats {
		if f != "initramfs" && f != "disk" && f != "manifest" {
			return nil, fmt.Errorf("imagebuild: unknown format %q (want initramfs, disk or manifest)", f)
		}
	}
	// Nothing is written for a recipe that does not validate against the
	// outputs this build writes.
	if err := r.ValidateFor(formats); err != nil {
		return nil, err
	}
	r = resolved(r, o)
	method := compress.Xz
	for _, c := range []string{r.Compression, o.Compression} {
		if c != "" {
			if method, err = compress.Parse(c); err != nil {
				return nil, err
			}
		}
	}
	if fi, err := os.Stat(o.OutDir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("imagebuild: output directory %s is a file", o.OutDir)
	}
	created := false
	if _, err := os.Stat(o.OutDir); errors.Is(err, os.ErrNotExist) {
		created = true
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("imagebuild: %w", err)
	}
	tmp, err := os.MkdirTemp(o.OutDir, ".mkimage-")
	if err != nil {
		return nil, fmt.Errorf("imagebuild: %w", err)
	}
	defer func() {
		os.RemoveAll(tmp)
		if err != nil && created {
			os.Remove(o.OutDir)
		}
	}()

	t0, c0 := time.Now(), cpuSeconds()
	img, err := Assemble(ctx, r, o)
	if err != nil {
		return nil, err
	}
	o.log().Info("stage", "name", "assemble", "entries", img.Tree.Len(), "seconds", since(t0), "cpu_seconds", cpuSince(c0))
	m = &tree.Manifest{
		Recipe: r.Name, RecipeFile: filepath.ToSlash(recipeFile(o.RepoDir, r.File)), RecipeHash: r.SHA256, Seed: r.Seed,
		Epoch: o.Epoch.Unix(), EpochFrom: o.EpochFrom, Cmdline: r.Cmdline, Init: r.Init,
		Notices: img.Notices, Toolchain: img.Toolchain, Sources: img.Sources,
		Outputs: map[string]tree.Output{}, Files: img.Tree.Rows(),
	}
	m.Toolchain["mkimage"] = "aramid mkimage (Go " + goVersion() + ")"
	var names []string
	var initrd []byte // the compressed initramfs
	if slices.Contains(formats, "initramfs") {
		t0, c0 := time.Now(), cpuSeconds()
		var stats compress.XzStats
		if initrd, err = compressInitramfs(img.Tree, o, method, &stats); err != nil {
			return nil, err
		}
		o.log().Info("stage", "name", "cpio+"+string(method), "entries", img.Tree.Len(), "bytes", len(initrd),
			"xz_blocks_compressed", stats.Compressed, "xz_blocks_reused", stats.Reused, "seconds", since(t0), "cpu_seconds", cpuSince(c0))
	}
	for _, f := range formats {
		switch f {
		case "initramfs":
			name := InitramfsBase + method.Ext()
			o.log().Info("write", "file", name, "entries", img.Tree.Len())
			if err := os.WriteFile(filepath.Join(tmp, name), initrd, 0o644); err != nil {
				return nil, fmt.Errorf("imagebuild: %w", err)
			}
			names = append(names, name)
		case "disk":
			o.log().Info("write", "file", DiskName)
			t0, c0 := time.Now(), cpuSeconds()
			if err := writeDisk(ctx, filepath.Join(tmp, DiskName), r, img, o, method); err != nil {
				return nil, err
			}
			o.log().Info("stage", "name", "disk", "seconds", since(t0), "cpu_seconds", cpuSince(c0))
			names = append(names, DiskName)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		out, err := digest(filepath.Join(tmp, n))
		if err != nil {
			return nil, err
		}
		out.File = n
		key := "initramfs"
		if n == DiskName {
			key = "disk"
		}
		m.Outputs[key] = out
	}
	mf, err := os.Create(filepath.Join(tmp, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("imagebuild: %w", err)
	}
	if err := m.Encode(mf); err != nil {
		mf.Close()
		return nil, err
	}
	if err := mf.Close(); err != nil {
		return nil, fmt.Errorf("imagebuild: %w", err)
	}
	for _, n := range append(names, ManifestName) {
		if err := os.Rename(filepath.Join(tmp, n), filepath.Join(o.OutDir, n)); err != nil {
			return nil, fmt.Errorf("imagebuild: %w", err)
		}
	}
	return m, nil
}

// compressInitramfs returns the tree as a compressed newc cpio archive; xz
// blocks go through the cache under o.CacheDir.
func compressInitramfs(t *tree.Tree, o Options, m compress.Method, stats *compress.XzStats) ([]byte, error) {
	var b bytes.Buffer
	xo := compress.XzOptions{Stats: stats}
	if o.CacheDir != "" {
		xo.CacheDir = filepath.Join(o.CacheDir, "blocks")
	}
	zw, err := compress.NewWriterWith(&b, m, xo)
	if err != nil {
		return nil, err
	}
	if err := cpio.WriteTree(zw, t, o.Epoch); err != nil {
		return nil, fmt.Errorf("imagebuild: initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("imagebuild: initramfs: %w", err)
	}
	return b.Bytes(), nil
}

func since(t time.Time) string { return fmt.Sprintf("%.3f", time.Since(t).Seconds()) }

// cpuSeconds is the CPU time (user and system) this process and its
// finished children have used: the stage logs show it beside the wall time,
// which a loaded machine stretches.
func cpuSeconds() float64 {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return sec(self.Utime) + sec(self.Stime) + sec(kids.Utime) + sec(kids.Stime)
}

func cpuSince(c0 float64) string { return fmt.Sprintf("%.3f", cpuSeconds()-c0) }

func digest(file string) (tree.Output, error) {
	f, err := os.Open(file)
	if err != nil {
		return tree.Output{}, fmt.Errorf("imagebuild: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return tree.Output{}, fmt.Errorf("imagebuild: %w", err)
	}
	return tree.Output{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// recipeFile is where the manifest says the recipe came from: relative to
// the repository when it lies inside it, else its absolute path.
func recipeFile(repo, file string) string {
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	return relTo(repo, file)
}

func relTo(base, p string) string {
	if base == "" {
		return p
	}
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
