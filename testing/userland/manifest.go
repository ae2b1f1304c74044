// Package userland is the user-programs differential suite (issue 6): real
// Linux programs — Debian's busybox-static running a shell script, one C
// program built with glibc and musl, static and dynamic, and C tests of
// threads, a fork tree, signals, mmap and bad pointers — packed with a PID-1
// runner into one initramfs and booted on the reference Linux kernel and on
// Aramid. A test passes when it prints its own success line (CONTRACT_PASS)
// on both kernels and Aramid's output is identical to Linux's.
//
// It reuses testing/contract: the runner speaks the contract suite's serial
// protocol, so the boot loop (booting again after a crash), the parser, the
// verdicts, the known-divergences format, the cpio writer and the static
// compiler all come from there. What is particular here is the manifest
// (tests.txt), builds other than musl-static, shared libraries in the image,
// busybox applet links, hunk-style diffs and the scan of Aramid's log.
package userland

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Builds a test can ask for.
const (
	BuildBusybox     = "busybox"
	BuildMuslStatic  = "musl-static"
	BuildMuslDynamic = "musl-dynamic"
	BuildGCCStatic   = "gcc-static"
	BuildGCCDynamic  = "gcc-dynamic"
)

var builds = map[string]bool{BuildBusybox: true, BuildMuslStatic: true, BuildMuslDynamic: true,
	BuildGCCStatic: true, BuildGCCDynamic: true}

// Test is one line of the manifest.
type Test struct {
	Name    string   // category/name
	Build   string   // one of the Build* constants
	Source  string   // file under the programs directory
	Timeout int      // seconds, enforced by the guest runner
	Args    []string // extra arguments
}

// GuestPath is where the test's program (or script) lives in the image.
func (t Test) GuestPath() string {
	if t.Build == BuildBusybox {
		return "/userland/" + t.Name + ".sh"
	}
	return "/userland/" + t.Name
}

// Argv is the command line the runner executes.
func (t Test) Argv() []string {
	var a []string
	if t.Build == BuildBusybox {
		a = []string{"/bin/busybox", "sh", t.GuestPath()}
	} else {
		a = []string{t.GuestPath()}
	}
	return append(a, t.Args...)
}

// ParseManifest reads tests.txt: "<category/name> <build> <source> <timeout>
// [args...]" per line, '#' comments and blank lines ignored. Names are unique.
func ParseManifest(r io.Reader, file string) ([]Test, error) {
	var tests []Test
	seen := map[string]bool{}
	s := bufio.NewScanner(r)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			return nil, fmt.Errorf("%s:%d: want <category/name> <build> <source> <timeout> [args...]", file, n)
		}
		t := Test{Name: f[0], Build: f[1], Source: f[2], Args: f[4:]}
		cat, name, ok := strings.Cut(t.Name, "/")
		if !ok || cat == "" || name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("%s:%d: %q is not category/name", file, n, t.Name)
		}
		if !builds[t.Build] {
			return nil, fmt.Errorf("%s:%d: unknown build %q", file, n, t.Build)
		}
		if strings.Contains(t.Source, "/") || t.Source == "" {
			return nil, fmt.Errorf("%s:%d: source %q must be a file name under the programs directory", file, n, t.Source)
		}
		to, err := strconv.Atoi(f[3])
		if err != nil || to <= 0 {
			return nil, fmt.Errorf("%s:%d: timeout %q is not a positive number of seconds", file, n, f[3])
		}
		t.Timeout = to
		if seen[t.Name] {
			return nil, fmt.Errorf("%s:%d: %s listed twice", file, n, t.Name)
		}
		seen[t.Name] = true
		tests = append(tests, t)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(tests) == 0 {
		return nil, fmt.Errorf("%s: no tests", file)
	}
	return tests, nil
}

// Filter keeps the tests whose name contains sub (all when sub is empty).
func Filter(tests []Test, sub string) []Test {
	if sub == "" {
		return tests
	}
	var out []Test
	for _, t := range tests {
		if strings.Contains(t.Name, sub) {
			out = append(out, t)
		}
	}
	return out
}

// ListFile renders /userland/list for the runner: "<name> <timeout> <argv...>".
func ListFile(tests []Test) string {
	var b strings.Builder
	for _, t := range tests {
		fmt.Fprintf(&b, "%s %d %s\n", t.Name, t.Timeout, strings.Join(t.Argv(), " "))
	}
	return b.String()
}

// MaxTimeout is the longest per-test timeout, in seconds.
func MaxTimeout(tests []Test) int {
	m := 0
	for _, t := range tests {
		m = max(m, t.Timeout)
	}
	return m
}
