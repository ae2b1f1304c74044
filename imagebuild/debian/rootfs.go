package debian

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Keyring is the archive keyring the private apt configuration trusts.
const Keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

// Options describe one root file system.
type Options struct {
	Suite     string   // bookworm
	Mirror    string   // http://deb.debian.org/debian
	Variant   string   // mmdebstrap --variant (apt, minbase, ...)
	Packages  []string // --include
	Customize []string // --customize-hook commands, in order, after the image's sources.list is written
	LockFile  string   // the lock beside the recipe
	Refresh   bool     // resolve again and rewrite the lock
	// RefreshHint is the command that refreshes the lock, for errors.
	RefreshHint string
	CacheDir    string    // build/cache/debian: private apt, .debs, root tarballs
	Epoch       time.Time // SOURCE_DATE_EPOCH for mmdebstrap
	// NoTarballCache builds the tarball even when the cache holds it (the
	// reproducibility check builds twice from the same lock).
	NoTarballCache bool
	Log            *slog.Logger
	Output         io.Writer // mmdebstrap's and apt's output; nil discards it
}

// Result is a built root file system.
type Result struct {
	Tarball    string // in the cache
	SHA256     string // of the tarball
	Lock       *Lock
	LockSHA256 string
	Resolved   bool   // the lock was written by this build
	Tool       string // mmdebstrap version
	Reused     bool   // the tarball came from the cache
}

func (o *Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o.Log
}

func (o *Options) out() io.Writer {
	if o.Output == nil {
		return io.Discard
	}
	return o.Output
}

// Rootfs returns the root tarball of o: from the cache when the same lock,
// options and mmdebstrap made it before, else built by mmdebstrap from the
// locked packages only. Without a lock (or with Refresh) it first resolves
// the package list against the archive and writes the lock.
func Rootfs(ctx context.Context, o Options) (*Result, error) {
	if o.Suite == "" || o.Mirror == "" || o.LockFile == "" || o.CacheDir == "" {
		return nil, errors.New("debian: suite, mirror, lock file and cache directory are required")
	}
	tool, err := mmdebstrapVersion(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Tool: tool}
	apt := &privateApt{dir: filepath.Join(o.CacheDir, "apt-"+o.Suite), suite: o.Suite, mirror: o.Mirror}
	debs := filepath.Join(o.CacheDir, "debs")
	var lock *Lock
	if !o.Refresh {
		lock, err = ReadLock(o.LockFile)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if lock != nil && (lock.Suite != o.Suite || lock.Mirror != o.Mirror) {
			return nil, fmt.Errorf("debian: %s locks %s from %s, the recipe asks for %s from %s; refresh the lock: %s",
				o.LockFile, lock.Suite, lock.Mirror, o.Suite, o.Mirror, o.RefreshHint)
		}
	}
	if lock == nil {
		if lock, err = resolve(ctx, o, apt, debs); err != nil {
			return nil, err
		}
		if err := writeAtomic(o.LockFile, lock.Format()); err != nil {
			return nil, fmt.Errorf("debian: writing the lock: %w", err)
		}
		res.Resolved = true
		o.log().Info("debian: lock written", "file", o.LockFile, "packages", len(lock.Packages))
	}
	res.Lock = lock
	lockBytes := lock.Format()
	ls := sha256.Sum256(lockBytes)
	res.LockSHA256 = hex.EncodeToString(ls[:])
	if err := fetch(ctx, o, apt, debs, lock); err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "debian rootfs v1\x00%s\x00%s\x00%d\x00%q\x00%q\x00", tool, o.Variant, o.Epoch.Unix(), o.Packages, o.Customize)
	h.Write(lockBytes)
	key := hex.EncodeToString(h.Sum(nil))
	res.Tarball = filepath.Join(o.CacheDir, "rootfs", key+".tar")
	if !o.NoTarballCache {
		if want, err := os.ReadFile(res.Tarball + ".sha256"); err == nil {
			if got, err := fileSHA256(res.Tarball); err == nil && got == strings.TrimSpace(string(want)) {
				res.SHA256, res.Reused = got, true
				o.log().Info("debian: root tarball reused from the cache", "key", key[:16])
				return res, nil
			}
		}
	}
	if err := build(ctx, o, debs, lock, res.Tarball); err != nil {
		return nil, err
	}
	if res.SHA256, err = fileSHA256(res.Tarball); err != nil {
		return nil, err
	}
	if err := os.WriteFile(res.Tarball+".sha256", []byte(res.SHA256+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	return res, nil
}

func mmdebstrapVersion(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "mmdebstrap", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("debian: mmdebstrap --version: %w (make deps installs the mmdebstrap package)", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// privateApt is an apt configuration of its own under dir (sources, lists,
// cache) naming one suite of the mirror, signed by Debian's keyring: apt-get
// runs with it through -o options and the host's apt setup is never touched.
type privateApt struct {
	dir, suite, mirror string
	updated            bool
}

func (a *privateApt) opts() []string {
	return []string{
		"-o", "Dir::Etc::SourceList=" + filepath.Join(a.dir, "sources.list"),
		"-o", "Dir::Etc::SourceParts=" + filepath.Join(a.dir, "parts"),
		"-o", "Dir::State::Lists=" + filepath.Join(a.dir, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(a.dir, "cache"),
		"-o", "Acquire::GzipIndexes=false", "-o", "Acquire::Languages=none",
	}
}

func (a *privateApt) run(ctx context.Context, o Options, dir string, args ...string) error {
	if !a.updated {
		for _, d := range []string{"parts", "lists/partial", "cache/archives/partial"} {
			if err := os.MkdirAll(filepath.Join(a.dir, d), 0o755); err != nil {
				return fmt.Errorf("debian: %w", err)
			}
		}
		src := fmt.Sprintf("Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n", a.mirror, a.suite, Keyring)
		if err := os.WriteFile(filepath.Join(a.dir, "parts", "debian.sources"), []byte(src), 0o644); err != nil {
			return fmt.Errorf("debian: %w", err)
		}
		if err := os.WriteFile(filepath.Join(a.dir, "sources.list"), nil, 0o644); err != nil {
			return fmt.Errorf("debian: %w", err)
		}
		a.updated = true
		if err := a.run(ctx, o, "", "update", "-q"); err != nil {
			a.updated = false
			return err
		}
	}
	cmd := exec.CommandContext(ctx, "apt-get", append(a.opts(), args...)...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(&buf, o.out())
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debian: apt-get %s (private configuration %s): %w: %s", args[0], a.dir, err, lastLine(buf.Bytes()))
	}
	return nil
}

// index reads the Packages index of the private configuration (updating it
// first) into a map keyed by "name version arch".
func (a *privateApt) index(ctx context.Context, o Options) (map[string]Stanza, error) {
	if err := a.run(ctx, o, "", "--version"); err != nil {
		return nil, err
	}
	files, _ := filepath.Glob(filepath.Join(a.dir, "lists", "*_binary-*_Packages"))
	if len(files) == 0 {
		return nil, fmt.Errorf("debian: no Packages index under %s after apt-get update", filepath.Join(a.dir, "lists"))
	}
	sort.Strings(files)
	idx := map[string]Stanza{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("debian: %w", err)
		}
		ss, err := ParseStanzas(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("debian: %s: %w", f, err)
		}
		for _, s := range ss {
			idx[s["Package"]+" "+s["Version"]+" "+s["Architecture"]] = s
		}
	}
	return idx, nil
}

// resolve runs mmdebstrap against the archive itself with the recipe's
// package list, keeps the .debs it downloaded and locks each one with the
// version, size, sha256 and pool path the archive's Packages index gives
// for it (the file's own sha256 must be that one).
func resolve(ctx context.Context, o Options, apt *privateApt, debs string) (*Lock, error) {
	o.log().Info("debian: resolving the package list against the archive (no lock yet)", "suite", o.Suite, "mirror", o.Mirror)
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	tmp, err := os.MkdirTemp(o.CacheDir, "resolve-")
	if err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	defer os.RemoveAll(tmp)
	got := filepath.Join(tmp, "archives")
	args := mmdebstrapArgs(o)
	args = append(args, "--skip=essential/unlink", "--skip=download/empty",
		"--customize-hook=sync-out /var/cache/apt/archives "+got,
		o.Suite, filepath.Join(tmp, "root.tar"),
		fmt.Sprintf("deb [signed-by=%s] %s %s main", Keyring, o.Mirror, o.Suite))
	if err := runMmdebstrap(ctx, o, args); err != nil {
		return nil, err
	}
	idx, err := apt.index(ctx, o)
	if err != nil {
		return nil, err
	}
	files, _ := filepath.Glob(filepath.Join(got, "*.deb"))
	if len(files) == 0 {
		return nil, fmt.Errorf("debian: mmdebstrap kept no .deb files in %s", got)
	}
	lock := &Lock{Suite: o.Suite, Mirror: o.Mirror}
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	for _, f := range files {
		name, version, arch, err := debName(filepath.Base(f))
		if err != nil {
			return nil, err
		}
		s, ok := idx[name+" "+version+" "+arch]
		if !ok {
			return nil, fmt.Errorf("debian: %s %s (%s) was installed but is not in the archive's Packages index; resolve again", name, version, arch)
		}
		size, _ := strconv.ParseInt(s["Size"], 10, 64)
		p := Package{Name: name, Version: version, Arch: arch, Size: size, SHA256: s["SHA256"], Filename: s["Filename"]}
		sum, err := fileSHA256(f)
		if err != nil {
			return nil, err
		}
		if sum != p.SHA256 {
			return nil, fmt.Errorf("debian: %s: sha256 %s, the archive's index says %s", filepath.Base(f), sum, p.SHA256)
		}
		if err := os.Rename(f, filepath.Join(debs, path.Base(p.Filename))); err != nil {
			return nil, fmt.Errorf("debian: %w", err)
		}
		lock.Packages = append(lock.Packages, p)
	}
	sortPackages(lock.Packages)
	return lock, nil
}

// debName splits apt's archive file name NAME_VERSION_ARCH.deb (a version's
// epoch colon escaped as %3a).
func debName(base string) (name, version, arch string, err error) {
	f := strings.Split(strings.TrimSuffix(base, ".deb"), "_")
	if len(f) != 3 || !strings.HasSuffix(base, ".deb") {
		return "", "", "", fmt.Errorf("debian: %q is not NAME_VERSION_ARCH.deb", base)
	}
	return f[0], strings.ReplaceAll(f[1], "%3a", ":"), f[2], nil
}

// fetch makes sure every locked .deb is in the cache with its locked
// sha256, downloading the missing ones with apt-get download through the
// private configuration. A locked version the archive's index no longer
// lists is an error naming it and the refresh command.
func fetch(ctx context.Context, o Options, apt *privateApt, debs string, lock *Lock) error {
	var missing []Package
	for _, p := range lock.Packages {
		if sum, err := fileSHA256(filepath.Join(debs, path.Base(p.Filename))); err != nil || sum != p.SHA256 {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	o.log().Info("debian: downloading locked packages", "count", len(missing))
	idx, err := apt.index(ctx, o)
	if err != nil {
		return err
	}
	var want []string
	for _, p := range missing {
		s, ok := idx[p.Name+" "+p.Version+" "+p.Arch]
		if !ok || s["SHA256"] != p.SHA256 {
			return fmt.Errorf("debian: %s %s (%s) locked in %s is no longer served by %s %s; refresh the lock: %s",
				p.Name, p.Version, p.Arch, o.LockFile, o.Mirror, o.Suite, o.RefreshHint)
		}
		want = append(want, p.Name+":"+p.Arch+"="+p.Version)
	}
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	if err := apt.run(ctx, o, debs, append([]string{"download", "-q"}, want...)...); err != nil {
		return err
	}
	for _, p := range missing {
		f := filepath.Join(debs, path.Base(p.Filename))
		if sum, err := fileSHA256(f); err != nil || sum != p.SHA256 {
			return fmt.Errorf("debian: %s: downloaded file does not have the locked sha256 %s", f, p.SHA256)
		}
	}
	return nil
}

// mmdebstrapArgs are the options every run shares.
func mmdebstrapArgs(o Options) []string {
	a := []string{"--mode=root", "--format=tar", "--variant=" + o.Variant,
		"--aptopt=Acquire::Languages \"none\";", "--dpkgopt=path-exclude=/usr/share/locale/*"}
	if len(o.Packages) > 0 {
		a = append(a, "--include="+strings.Join(o.Packages, ","))
	}
	return a
}

func runMmdebstrap(ctx context.Context, o Options, args []string) error {
	o.log().Info("debian: mmdebstrap", "args", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "nice", append([]string{"-n", "10", "mmdebstrap"}, args...)...)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+strconv.FormatInt(o.Epoch.Unix(), 10), "LC_ALL=C.UTF-8", "TZ=UTC")
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(&buf, o.out())
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debian: mmdebstrap: %w: %s", err, lastLine(buf.Bytes()))
	}
	return nil
}

// build runs mmdebstrap on a flat repository holding exactly the locked
// .debs, writes the image's apt sources (the real archive) and the
// recipe's customize hooks, and checks that dpkg's status in the result
// lists exactly the locked packages.
func build(ctx context.Context, o Options, debs string, lock *Lock, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	repo, err := os.MkdirTemp(o.CacheDir, "repo-")
	if err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	defer os.RemoveAll(repo)
	for _, p := range lock.Packages {
		b := path.Base(p.Filename)
		if err := os.Link(filepath.Join(debs, b), filepath.Join(repo, b)); err != nil {
			return fmt.Errorf("debian: %w", err)
		}
	}
	scan := exec.CommandContext(ctx, "dpkg-scanpackages", "--multiversion", ".")
	scan.Dir = repo
	var stderr bytes.Buffer
	scan.Stderr = &stderr
	idx, err := scan.Output()
	if err != nil {
		return fmt.Errorf("debian: dpkg-scanpackages: %w: %s", err, lastLine(stderr.Bytes()))
	}
	if err := os.WriteFile(filepath.Join(repo, "Packages"), idx, 0o644); err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	sources := fmt.Sprintf("deb %s %s main", o.Mirror, o.Suite)
	args := mmdebstrapArgs(o)
	args = append(args, "--customize-hook=printf '%s\\n' '"+sources+"' > \"$1/etc/apt/sources.list\"")
	for _, c := range o.Customize {
		args = append(args, "--customize-hook="+c)
	}
	tmp := out + ".tmp"
	args = append(args, o.Suite, tmp, "deb [trusted=yes] copy://"+repo+" ./")
	if err := runMmdebstrap(ctx, o, args); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := checkInstalled(tmp, lock); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

// checkInstalled compares dpkg's status in the tarball with the lock.
func checkInstalled(tarball string, lock *Lock) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fmt.Errorf("debian: %s has no var/lib/dpkg/status", tarball)
		}
		if err != nil {
			return fmt.Errorf("debian: %s: %w", tarball, err)
		}
		if strings.TrimPrefix(h.Name, "./") != "var/lib/dpkg/status" {
			continue
		}
		ss, err := ParseStanzas(tr)
		if err != nil {
			return err
		}
		want := map[string]bool{}
		for _, p := range lock.Packages {
			want[p.Name+" "+p.Version+" "+p.Arch] = true
		}
		var extra []string
		for _, s := range ss {
			if !strings.HasSuffix(s["Status"], " installed") {
				continue
			}
			k := s["Package"] + " " + s["Version"] + " " + s["Architecture"]
			if !want[k] {
				extra = append(extra, k)
			}
			delete(want, k)
		}
		if len(extra) > 0 || len(want) > 0 {
			var left []string
			for k := range want {
				left = append(left, k)
			}
			sort.Strings(left)
			return fmt.Errorf("debian: installed set differs from the lock: not locked %q, locked but not installed %q", extra, left)
		}
		return nil
	}
}

func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("debian: %s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeAtomic(file string, data []byte) error {
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
