// Package compile builds the C programs of testing/ into static binaries with
// gcc (glibc) or musl-gcc, caching each result under a key that hashes the
// source, the compiler's identity (its --version text) and the flags, so a
// rebuild happens exactly when one of them changes.
package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Toolchains maps a recipe toolchain name to its compiler command.
var Toolchains = map[string]string{"gcc": "gcc", "musl": "musl-gcc"}

// baseFlags are always used: static, reproducible paths, no build id.
var baseFlags = []string{"-static", "-O2", "-Wall", "-Wl,--build-id=none"}

// Result is one compiled program.
type Result struct {
	Data     []byte
	Key      string // cache key (hex sha256)
	Compiler string // first line of the compiler's --version
	Cached   bool
}

// Compiler builds programs with a cache directory.
type Compiler struct {
	RepoDir  string // sources are relative to this
	CacheDir string
}

// Version returns the first line of "<cc> --version".
func Version(ctx context.Context, toolchain string) (string, error) {
	cc, ok := Toolchains[toolchain]
	if !ok {
		return "", fmt.Errorf("compile: unknown toolchain %q", toolchain)
	}
	out, err := exec.CommandContext(ctx, cc, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("compile: %s --version: %w (make deps installs gcc and musl-tools)", cc, err)
	}
	return strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0], nil
}

// Build compiles source (relative to RepoDir) with toolchain and extra flags.
func (c *Compiler) Build(ctx context.Context, source, toolchain string, flags []string) (*Result, error) {
	cc := Toolchains[toolchain]
	ver, err := Version(ctx, toolchain)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(filepath.Join(c.RepoDir, source))
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	args := append(append([]string{}, baseFlags...), flags...)
	args = append(args, "-ffile-prefix-map="+c.RepoDir+"=.")
	h := sha256.New()
	fmt.Fprintf(h, "source %d\n", len(src))
	h.Write(src)
	fmt.Fprintf(h, "\ncompiler %s\n%s\nflags %q\n", cc, ver, args)
	key := hex.EncodeToString(h.Sum(nil))
	res := &Result{Key: key, Compiler: ver}
	cached := filepath.Join(c.CacheDir, key)
	if data, err := os.ReadFile(cached); err == nil {
		res.Data, res.Cached = data, true
		return res, nil
	}
	if err := os.MkdirAll(c.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("compile: cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.CacheDir, ".build-*")
	if err != nil {
		return nil, fmt.Errorf("compile: cache: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.CommandContext(ctx, cc, append(args, "-o", tmp.Name(), filepath.Join(c.RepoDir, source))...)
	cmd.Dir = c.RepoDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("compile: %s %s: %w: %s", cc, source, err, strings.Join(strings.Fields(string(out)), " "))
	}
	data, err := os.ReadFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	if err := os.Rename(tmp.Name(), cached); err != nil {
		return nil, fmt.Errorf("compile: cache: %w", err)
	}
	res.Data = data
	return res, nil
}
