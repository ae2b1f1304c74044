package contract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Compiler builds static guest programs and caches them by content hash.
type Compiler struct {
	CC       string   // compiler driver, default musl-gcc
	Flags    []string // extra flags (after the defaults)
	Include  string   // directory holding contract.h
	CacheDir string   // where built binaries are kept, named by hash
	Jobs     int      // parallel compilations, default 2

	once    sync.Once
	version string
	kinc    string
	err     error
}

func (c *Compiler) cc() string {
	if c.CC == "" {
		return "musl-gcc"
	}
	return c.CC
}

// setup records the compiler version (part of every cache key) and prepares
// the kernel-header directory: musl ships no <linux/...> headers, so the
// host's UAPI headers are linked in under the cache.
func (c *Compiler) setup() error {
	c.once.Do(func() {
		out, err := exec.Command(c.cc(), "--version").CombinedOutput()
		if err != nil {
			c.err = fmt.Errorf("contract: %s --version: %w: %s", c.cc(), err, out)
			return
		}
		c.version = string(out)
		c.kinc = filepath.Join(c.CacheDir, "kinc")
		if err := os.MkdirAll(c.kinc, 0o755); err != nil {
			c.err = fmt.Errorf("contract: %w", err)
			return
		}
		for link, target := range map[string]string{
			"linux": "/usr/include/linux", "asm-generic": "/usr/include/asm-generic",
			"asm": "/usr/include/x86_64-linux-gnu/asm",
		} {
			p := filepath.Join(c.kinc, link)
			if _, err := os.Lstat(p); err == nil {
				continue
			}
			if err := os.Symlink(target, p); err != nil {
				c.err = fmt.Errorf("contract: kernel headers: %w", err)
				return
			}
		}
	})
	return c.err
}

func (c *Compiler) args(src, out string) []string {
	a := []string{"-static", "-O2", "-Wall", "-Wno-unused-function", "-I", c.Include,
		"-isystem", c.kinc, "-o", out, src, "-lpthread"}
	return append(a, c.Flags...)
}

// Compile builds src (once: the result is cached under a hash of the
// compiler version, flags, shared header and source) and returns the
// binary's path.
func (c *Compiler) Compile(ctx context.Context, src string) (string, error) {
	if err := c.setup(); err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%q\x00", c.cc(), c.version, c.Flags)
	b, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("contract: compile: %w", err)
	}
	h.Write(b)
	// Headers the program may include: the shared ones and its directory's.
	hdrs, _ := filepath.Glob(filepath.Join(c.Include, "*.h"))
	local, _ := filepath.Glob(filepath.Join(filepath.Dir(src), "*.h"))
	for _, f := range append(hdrs, local...) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("contract: compile: %w", err)
		}
		fmt.Fprintf(h, "\x00%s\x00", filepath.Base(f))
		h.Write(b)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:20]
	out := filepath.Join(c.CacheDir, strings.TrimSuffix(filepath.Base(src), ".c")+"-"+sum)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	tmp := out + ".tmp"
	cmd := exec.CommandContext(ctx, c.cc(), c.args(src, tmp)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("contract: compile %s: %w\n%s", src, err, stderr.String())
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("contract: compile %s: %w", src, err)
	}
	return out, nil
}

// CompileAll compiles every source with up to Jobs compilers at once and
// returns the binaries in the same order. All errors are reported together.
func (c *Compiler) CompileAll(ctx context.Context, srcs []string) ([]string, error) {
	jobs := c.Jobs
	if jobs <= 0 {
		jobs = 2
	}
	out := make([]string, len(srcs))
	errs := make([]error, len(srcs))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, s := range srcs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = c.Compile(ctx, s)
		}()
	}
	wg.Wait()
	var msgs []string
	for _, e := range errs {
		if e != nil {
			msgs = append(msgs, e.Error())
		}
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("%d of %d programs failed to compile:\n%s", len(msgs), len(srcs),
			strings.Join(msgs, "\n"))
	}
	return out, nil
}

// Discover lists the contracts under dir as "category/name", sorted, with
// their source paths. Only dir/<category>/<name>.c files count; the runner
// directory is skipped. filter, if non-empty, keeps names containing it.
func Discover(dir, filter string) (names, srcs []string, err error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*", "*.c"))
	if err != nil {
		return nil, nil, fmt.Errorf("contract: discover: %w", err)
	}
	sort.Strings(matches)
	for _, m := range matches {
		cat := filepath.Base(filepath.Dir(m))
		if cat == "runner" {
			continue
		}
		name := cat + "/" + strings.TrimSuffix(filepath.Base(m), ".c")
		if filter != "" && !strings.Contains(name, filter) {
			continue
		}
		names = append(names, name)
		srcs = append(srcs, m)
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("contract: no contracts under %s matching %q", dir, filter)
	}
	return names, srcs, nil
}

// Image describes the suite's initramfs.
type Image struct {
	Init     string            // the runner binary, installed as /init
	Names    []string          // contracts in run order
	Binaries []string          // built program for each name
	Extra    map[string]string // more files: guest path → host path (mode 0755)
	Symlinks map[string]string // guest path → target
	// Modules are kernel modules (host paths) the runner loads in order
	// at boot, from /lib/modules/contract/NN.ko listed in
	// /lib/modules/contract/list: the reference kernel's virtio-blk. A
	// kernel without module loading refuses them and goes on.
	Modules []string
}

// Build assembles the tree: /init, /contracts/list, /contracts/<name>,
// /dev/console (the kernel opens it for PID 1's stdio) and the extras.
func (im *Image) Build() (*Tree, error) {
	var t Tree
	add := func(guest, host string) error {
		b, err := os.ReadFile(host)
		if err != nil {
			return fmt.Errorf("contract: image: %w", err)
		}
		return t.AddFile(strings.TrimPrefix(guest, "/"), 0o755, b)
	}
	if err := add("init", im.Init); err != nil {
		return nil, err
	}
	for _, d := range []string{"dev", "proc", "sys", "tmp", "run", "root"} {
		if err := t.AddDir(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := t.AddCharDev("dev/console", 0o600, 5, 1); err != nil {
		return nil, err
	}
	if err := t.AddCharDev("dev/null", 0o666, 1, 3); err != nil {
		return nil, err
	}
	if len(im.Names) != len(im.Binaries) {
		return nil, fmt.Errorf("contract: image: %d names, %d binaries", len(im.Names), len(im.Binaries))
	}
	for i, n := range im.Names {
		if err := add("contracts/"+n, im.Binaries[i]); err != nil {
			return nil, err
		}
	}
	list := strings.Join(im.Names, "\n") + "\n"
	if err := t.AddFile("contracts/list", 0o644, []byte(list)); err != nil {
		return nil, err
	}
	for _, g := range sortedKeys(im.Extra) {
		if err := add(g, im.Extra[g]); err != nil {
			return nil, err
		}
	}
	var mods []string
	for i, m := range im.Modules {
		g := fmt.Sprintf("lib/modules/contract/%02d.ko", i)
		if err := add(g, m); err != nil {
			return nil, err
		}
		mods = append(mods, "/"+g)
	}
	if len(mods) > 0 {
		if err := t.AddFile("lib/modules/contract/list", 0o644, []byte(strings.Join(mods, "\n")+"\n")); err != nil {
			return nil, err
		}
	}
	for _, g := range sortedKeys(im.Symlinks) {
		if err := t.AddSymlink(strings.TrimPrefix(g, "/"), im.Symlinks[g]); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// WriteFile writes the tree as a cpio archive to path (via a temporary file).
func (t *Tree) WriteFile(path string) error {
	var buf bytes.Buffer
	if err := t.WriteCPIO(&buf); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("contract: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("contract: %w", err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
