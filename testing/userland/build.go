package userland

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"aramid/testing/contract"
)

// Builder compiles the suite's programs. Static builds go through
// contract.Compiler (one per compiler driver); dynamic builds are compiled
// here with the same content-hash caching.
type Builder struct {
	ProgDir  string // testing/userland/progs
	Include  string // directory holding contract.h (testing/contracts)
	CacheDir string // build/userland/cache
	Jobs     int    // parallel compilations

	once   sync.Once
	static map[string]*contract.Compiler // by driver
	vers   sync.Map                      // driver → --version output
}

func (b *Builder) compiler(cc string) *contract.Compiler {
	b.once.Do(func() {
		b.static = map[string]*contract.Compiler{}
		for _, d := range []string{"musl-gcc", "gcc"} {
			b.static[d] = &contract.Compiler{CC: d, Include: b.Include, CacheDir: b.CacheDir,
				Flags: []string{"-lm"}, Jobs: 1}
		}
	})
	return b.static[cc]
}

// driver returns the compiler driver of a build.
func driver(build string) string {
	if strings.HasPrefix(build, "gcc-") {
		return "gcc"
	}
	return "musl-gcc"
}

// Runner compiles the PID-1 runner (musl, static).
func (b *Builder) Runner(ctx context.Context, src string) (string, error) {
	if err := os.MkdirAll(b.CacheDir, 0o755); err != nil {
		return "", err
	}
	return b.compiler("musl-gcc").Compile(ctx, src)
}

// Compile builds one test's program and returns the host path of the file to
// install (the script itself for busybox tests).
func (b *Builder) Compile(ctx context.Context, t Test) (string, error) {
	src := filepath.Join(b.ProgDir, t.Source)
	switch t.Build {
	case BuildBusybox:
		if _, err := os.Stat(src); err != nil {
			return "", fmt.Errorf("userland: %s: %w", t.Name, err)
		}
		return src, nil
	case BuildMuslStatic, BuildGCCStatic:
		return b.compiler(driver(t.Build)).Compile(ctx, src)
	default:
		return b.compileDynamic(ctx, driver(t.Build), src)
	}
}

// CompileAll compiles every test with up to Jobs compilations at once; the
// result maps test names to host files. All errors are reported together.
func (b *Builder) CompileAll(ctx context.Context, tests []Test) (map[string]string, error) {
	if err := os.MkdirAll(b.CacheDir, 0o755); err != nil {
		return nil, err
	}
	jobs := max(b.Jobs, 1)
	out := make([]string, len(tests))
	errs := make([]error, len(tests))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, t := range tests {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = b.Compile(ctx, t)
		}()
	}
	wg.Wait()
	var msgs []string
	m := map[string]string{}
	for i, t := range tests {
		if errs[i] != nil {
			msgs = append(msgs, fmt.Sprintf("%s: %v", t.Name, errs[i]))
		}
		m[t.Name] = out[i]
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("userland: %d of %d programs failed to build:\n%s", len(msgs), len(tests), strings.Join(msgs, "\n"))
	}
	return m, nil
}

func (b *Builder) version(cc string) (string, error) {
	if v, ok := b.vers.Load(cc); ok {
		return v.(string), nil
	}
	out, err := exec.Command(cc, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("userland: %s --version: %w: %s", cc, err, out)
	}
	b.vers.Store(cc, string(out))
	return string(out), nil
}

// dynamicArgs are the flags of a dynamically linked build.
func dynamicArgs(include, src, out string) []string {
	return []string{"-O2", "-Wall", "-Wno-unused-function", "-I", include, "-o", out, src, "-lpthread", "-lm"}
}

// compileDynamic builds src as a dynamically linked PIE with cc, cached by
// a hash of the driver, its version, the flags, the source and the headers.
func (b *Builder) compileDynamic(ctx context.Context, cc, src string) (string, error) {
	ver, err := b.version(cc)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "dynamic\x00%s\x00%s\x00%q\x00", cc, ver, dynamicArgs("", "", ""))
	files := []string{src}
	hdrs, _ := filepath.Glob(filepath.Join(b.Include, "*.h"))
	local, _ := filepath.Glob(filepath.Join(filepath.Dir(src), "*.h"))
	for _, f := range append(append(files, hdrs...), local...) {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("userland: compile: %w", err)
		}
		fmt.Fprintf(h, "\x00%s\x00", filepath.Base(f))
		h.Write(data)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:20]
	out := filepath.Join(b.CacheDir, fmt.Sprintf("%s-%s-dyn-%s", strings.TrimSuffix(filepath.Base(src), ".c"), cc, sum))
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	tmp := out + ".tmp"
	cmd := exec.CommandContext(ctx, cc, dynamicArgs(b.Include, src, tmp)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("userland: %s %s: %w\n%s", cc, src, err, stderr.String())
	}
	return out, os.Rename(tmp, out)
}

// LibDirs are the host directories searched for DT_NEEDED libraries; a
// library is installed in the guest under the directory it was found in.
var LibDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/lib", "/usr/lib"}

// SharedObjects lists what a dynamically linked binary needs at run time:
// its PT_INTERP and, transitively, its DT_NEEDED libraries, as guest path →
// host file (symlinks resolved). A static binary needs nothing. musl's
// loader is also its libc, so "libc.so" is satisfied by a musl interpreter.
func SharedObjects(bin string, dirs []string) (map[string]string, error) {
	out := map[string]string{}
	f, err := elf.Open(bin)
	if err != nil {
		return nil, fmt.Errorf("userland: %w", err)
	}
	interp := ""
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				f.Close()
				return nil, fmt.Errorf("userland: %s: PT_INTERP: %w", bin, err)
			}
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	f.Close()
	if interp == "" {
		return out, nil
	}
	host, err := filepath.EvalSymlinks(interp)
	if err != nil {
		return nil, fmt.Errorf("userland: %s: interpreter: %w", bin, err)
	}
	out[interp] = host
	musl := strings.Contains(path.Base(interp), "musl")
	queue := []string{bin}
	done := map[string]bool{}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if done[cur] {
			continue
		}
		done[cur] = true
		ef, err := elf.Open(cur)
		if err != nil {
			return nil, fmt.Errorf("userland: %w", err)
		}
		libs, err := ef.ImportedLibraries()
		ef.Close()
		if err != nil {
			return nil, fmt.Errorf("userland: %s: %w", cur, err)
		}
		for _, lib := range libs {
			if musl && lib == "libc.so" {
				continue
			}
			found := false
			for _, d := range dirs {
				p := filepath.Join(d, lib)
				real, err := filepath.EvalSymlinks(p)
				if err != nil {
					continue
				}
				out[path.Join(d, lib)] = real
				queue = append(queue, real)
				found = true
				break
			}
			if !found {
				return nil, fmt.Errorf("userland: %s needs %s, not found in %v", cur, lib, dirs)
			}
		}
	}
	return out, nil
}

// Image is what goes into the suite's initramfs.
type Image struct {
	Runner  string            // /init
	Tests   []Test            // in run order
	Files   map[string]string // test name → host file
	Busybox string            // host busybox installed as /bin/busybox ("" for none)
	Applets []string          // applet names linked to busybox in /bin
	LibDirs []string          // search path for shared libraries
}

// Tree assembles the initramfs: /init, /userland/list, the programs, the
// shared objects the dynamic ones need, busybox and its applet links, the
// device nodes PID 1 and the tests need, and empty /proc, /tmp, /sys.
func (im *Image) Tree() (*contract.Tree, error) {
	var t contract.Tree
	added := map[string]bool{}
	addFile := func(guest, host string, perm uint32) error {
		guest = strings.TrimPrefix(guest, "/")
		if added[guest] {
			return nil
		}
		data, err := os.ReadFile(host)
		if err != nil {
			return fmt.Errorf("userland: image: %w", err)
		}
		added[guest] = true
		return t.AddFile(guest, perm, data)
	}
	if err := addFile("init", im.Runner, 0o755); err != nil {
		return nil, err
	}
	for _, d := range []string{"dev", "proc", "sys", "tmp", "root", "etc"} {
		if err := t.AddDir(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, n := range []struct {
		name         string
		perm         uint32
		major, minor uint32
	}{{"dev/console", 0o600, 5, 1}, {"dev/null", 0o666, 1, 3}, {"dev/zero", 0o666, 1, 5},
		{"dev/full", 0o666, 1, 7}, {"dev/urandom", 0o666, 1, 9}, {"dev/tty", 0o666, 5, 0}} {
		if err := t.AddCharDev(n.name, n.perm, n.major, n.minor); err != nil {
			return nil, err
		}
	}
	if err := t.AddFile("userland/list", 0o644, []byte(ListFile(im.Tests))); err != nil {
		return nil, err
	}
	var shared []map[string]string
	for _, tt := range im.Tests {
		host, ok := im.Files[tt.Name]
		if !ok {
			return nil, fmt.Errorf("userland: image: no file for %s", tt.Name)
		}
		perm := uint32(0o755)
		if tt.Build == BuildBusybox {
			perm = 0o644
		}
		if err := addFile(tt.GuestPath(), host, perm); err != nil {
			return nil, err
		}
		if tt.Build == BuildMuslDynamic || tt.Build == BuildGCCDynamic {
			so, err := SharedObjects(host, im.LibDirs)
			if err != nil {
				return nil, err
			}
			shared = append(shared, so)
		}
	}
	for _, so := range shared {
		keys := make([]string, 0, len(so))
		for g := range so {
			keys = append(keys, g)
		}
		sort.Strings(keys)
		for _, g := range keys {
			if err := addFile(g, so[g], 0o755); err != nil {
				return nil, err
			}
		}
	}
	if im.Busybox != "" {
		if err := addFile("bin/busybox", im.Busybox, 0o755); err != nil {
			return nil, err
		}
		for _, a := range im.Applets {
			if a == "busybox" || a == "" || strings.ContainsAny(a, "/ ") || added["bin/"+a] {
				continue
			}
			added["bin/"+a] = true
			if err := t.AddSymlink("bin/"+a, "busybox"); err != nil {
				return nil, err
			}
		}
	}
	return &t, nil
}

// Applets asks a busybox binary for its applet list.
func Applets(busybox string) ([]string, error) {
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("userland: %s --list: %w", busybox, err)
	}
	return strings.Fields(string(out)), nil
}
