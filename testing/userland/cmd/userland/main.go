// Command userland runs the user-programs differential suite
// (testing/userland): busybox, libc builds, threads, a fork tree, signals,
// mmap and bad pointers on the reference Linux kernel and on Aramid, in
// QEMU, and compares the output. It exits 1 when any test is not PASS or
// XFAIL, and 2 when the suite could not run.
//
//	go run ./testing/userland/cmd/userland -kernels linux,aramid
//	go run ./testing/userland/cmd/userland -kernels linux -run libc/
//	go run ./testing/userland/cmd/userland -kernels linux,aramid=build/kernel.elf
//
// "aramid" without a path builds a private kernel with mkkernel into the
// build directory, since build/kernel.elf is rebuilt by others all the time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"aramid/testing/contract"
	"aramid/testing/userland"
)

func main() {
	ok, err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "userland:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// kernelSpec is one entry of -kernels: a name and a path ("" = default).
type kernelSpec struct{ name, path string }

// parseKernels splits "linux,aramid=path": the reference first, then at
// most one candidate, with distinct names.
func parseKernels(spec string) ([]kernelSpec, error) {
	var ks []kernelSpec
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, path, _ := strings.Cut(f, "=")
		if name == "" {
			return nil, fmt.Errorf("-kernels %q: empty kernel name", spec)
		}
		ks = append(ks, kernelSpec{name, path})
	}
	switch {
	case len(ks) == 0 || len(ks) > 2:
		return nil, fmt.Errorf("-kernels %q: want a reference and at most one candidate", spec)
	case len(ks) == 2 && ks[0].name == ks[1].name:
		return nil, errors.New("the two kernels need different names (name=path)")
	}
	return ks, nil
}

// resolve gives each kernel its image: linux defaults to build/linux/vmlinuz,
// aramid to a fresh private build (its directory is appended to *cleanup);
// any other name needs a path.
func resolve(ctx context.Context, ks kernelSpec, buildDir string, cleanup *[]string, stderr io.Writer) (contract.Kernel, error) {
	k := contract.Kernel{Name: ks.name, Path: ks.path}
	if k.Path == "" {
		switch ks.name {
		case "linux":
			k.Path = "build/linux/vmlinuz"
		case "aramid":
			dir, err := os.MkdirTemp(buildDir, "kernel-")
			if err != nil {
				return k, err
			}
			*cleanup = append(*cleanup, dir)
			k.Path = filepath.Join(dir, "kernel.elf")
			fmt.Fprintf(stderr, "userland: building a private Aramid kernel into %s\n", k.Path)
			cmd := exec.CommandContext(ctx, "go", "run", "./platform/x64/boot/cmd/mkkernel", "-o", k.Path)
			cmd.Stdout, cmd.Stderr = stderr, stderr
			if err := cmd.Run(); err != nil {
				return k, fmt.Errorf("building aramid: %w", err)
			}
		default:
			return k, fmt.Errorf("kernel %q needs a path (name=path)", ks.name)
		}
	}
	if _, err := os.Stat(k.Path); err != nil {
		return k, fmt.Errorf("kernel %s: %w", k.Name, err)
	}
	return k, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("userland", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kernels := fs.String("kernels", "linux,aramid", "reference kernel first, then the candidate: name or name=path")
	filter := fs.String("run", "", "run only tests whose category/name contains this")
	dir := fs.String("dir", "testing/userland", "suite directory (tests.txt, progs/, runner/)")
	include := fs.String("include", "testing/contracts", "directory holding contract.h")
	buildDir := fs.String("build", "build/userland", "build and report directory")
	bootTimeout := fs.Duration("boot-timeout", 90*time.Second, "time for a kernel to reach the runner")
	mem := fs.String("m", "256M", "guest memory")
	jobs := fs.Int("j", 2, "parallel compilations")
	busybox := fs.String("busybox", "/bin/busybox", "static busybox (Debian busybox-static)")
	appendArgs := fs.String("append", "", "extra kernel command-line words (e.g. aramid.strace=1)")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	specs, err := parseKernels(*kernels)
	if err != nil {
		return false, err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	if err := os.MkdirAll(*buildDir, 0o755); err != nil {
		return false, err
	}
	var ks []contract.Kernel
	var cleanup []string
	defer func() {
		for _, d := range cleanup {
			os.RemoveAll(d)
		}
	}()
	for _, s := range specs {
		k, err := resolve(ctx, s, *buildDir, &cleanup, stderr)
		if err != nil {
			return false, err
		}
		ks = append(ks, k)
	}
	var cand *contract.Kernel
	if len(ks) == 2 {
		cand = &ks[1]
		// loglevel=1 keeps both consoles quiet; the candidate still
		// prints every kernel line (its "not implemented" notes, which
		// the report collects) with ignore_loglevel.
		cand.Append = "ignore_loglevel"
	}
	// Everything after "--" reaches PID 1 as arguments on both kernels;
	// RunKernel appends contract_start= and contract_timeout= there.
	appendLine := strings.TrimSpace("console=ttyS0 rdinit=/init loglevel=1 panic=-1 " + *appendArgs + " --")
	start := time.Now()
	rep, err := userland.Run(ctx, userland.Options{
		Dir: *dir, Include: *include, BuildDir: *buildDir, Reference: ks[0], Candidate: cand,
		Filter: *filter, Busybox: *busybox, Jobs: *jobs,
		Boot: contract.BootConfig{Memory: *mem, Append: appendLine,
			BootTimeout: *bootTimeout, Grace: 30 * time.Second},
		Out: stdout,
	})
	if err != nil {
		return false, err
	}
	fmt.Fprintf(stdout, "userland: wall time %s\n", time.Since(start).Round(time.Second))
	return rep.Summary.OK(), nil
}
