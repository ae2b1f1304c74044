// Package kernelbuild builds the Aramid kernel from this tree once per
// test binary, for the QEMU suites that boot the kernel of the tree under
// test rather than whatever build/kernel.elf holds.
package kernelbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"aramid/testing/srcdeps"
)

var build struct {
	once sync.Once
	path string
	err  error
}

// Path builds the kernel (once per test binary, at low priority, into a
// temporary directory) and returns its path; a failed build fails t.
// repo is the repository root.
func Path(t testing.TB, repo string) string {
	t.Helper()
	build.once.Do(func() {
		// The kernel is built in a subprocess: make go test's cache see its sources.
		if build.err = srcdeps.Track("kernel", "platform"); build.err != nil {
			return
		}
		dir, err := os.MkdirTemp("", "aramid-kernel-")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "kernel.elf")
		cmd := exec.Command("nice", "-n", "19", "go", "run", "./platform/x64/boot/cmd/mkkernel", "-o", build.path)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("mkkernel: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// Remove deletes the built kernel, if any: call it from TestMain after
// m.Run.
func Remove() {
	if build.path != "" {
		os.RemoveAll(filepath.Dir(build.path))
	}
}
