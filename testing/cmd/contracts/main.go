// Command contracts runs the differential contract suite: every program under
// testing/contracts on the reference Linux kernel and on Aramid, in QEMU, and
// compares the two. It exits 1 when any contract is FAIL, DIVERGE, TIMEOUT or
// CRASH, and 2 when the suite could not run.
//
//	go run ./testing/cmd/contracts -kernels linux,aramid
//	go run ./testing/cmd/contracts -kernels linux -run fd/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"aramid/testing/contract"
)

func main() {
	ok, err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "contracts:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// defaultKernels maps the short kernel names to their build outputs.
var defaultKernels = map[string]string{
	"linux":  "build/linux/vmlinuz",
	"aramid": "build/kernel.elf",
}

// parseKernels turns "linux,aramid" or "linux=path,aramid=path" into kernels.
// The reference must come first. A default kernel whose file is missing is
// dropped with a note, except the reference.
func parseKernels(spec string, stderr io.Writer) (ref contract.Kernel, cand *contract.Kernel, err error) {
	var ks []contract.Kernel
	for i, f := range strings.Split(spec, ",") {
		name, path, explicit := strings.Cut(strings.TrimSpace(f), "=")
		if !explicit {
			path = defaultKernels[name]
			if path == "" {
				return ref, nil, fmt.Errorf("unknown kernel %q (use name=path)", name)
			}
		}
		if _, err := os.Stat(path); err != nil {
			if i == 0 || explicit {
				return ref, nil, fmt.Errorf("kernel %s: %w", name, err)
			}
			fmt.Fprintf(stderr, "contracts: %s: %s does not exist; running without it\n", name, path)
			continue
		}
		ks = append(ks, contract.Kernel{Name: name, Path: path})
	}
	switch len(ks) {
	case 1:
		return ks[0], nil, nil
	case 2:
		if ks[0].Name == ks[1].Name {
			return ref, nil, errors.New("the two kernels need different names (name=path)")
		}
		return ks[0], &ks[1], nil
	}
	return ref, nil, fmt.Errorf("-kernels %q: want a reference and at most one candidate", spec)
}

// ContractMAC is the NIC's MAC address the net contracts expect.
const ContractMAC = "52:54:00:12:34:56"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("contracts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kernels := fs.String("kernels", "linux,aramid", "reference kernel first, then the candidate: name or name=path")
	filter := fs.String("run", "", "run only contracts whose category/name contains this")
	dir := fs.String("dir", "testing/contracts", "contract sources")
	buildDir := fs.String("build", "build/contracts", "build and report directory")
	timeout := fs.Duration("timeout", 10*time.Second, "per-test timeout (enforced by the guest runner)")
	bootTimeout := fs.Duration("boot-timeout", 60*time.Second, "time for a kernel to reach the runner")
	mem := fs.String("m", "256M", "guest memory")
	smp := fs.Int("smp", 1, "guest CPUs (above 1: multi-threaded TCG)")
	cpuModel := fs.String("cpu", "", "QEMU -cpu model for every boot (default max), e.g. qemu64")
	jobs := fs.Int("j", 2, "parallel compilations")
	cc := fs.String("cc", "musl-gcc", "C compiler for the static guest programs")
	busybox := fs.String("busybox", "/bin/busybox", "static busybox for the programs category")
	disk := fs.String("disk", "auto", `raw disk image attached as virtio-blk (snapshot=on) to every boot: "auto" writes the test disk to the build directory, "none" attaches none`)
	nic := fs.String("nic", ContractMAC, `MAC address of the virtio-net NIC (QEMU user network, restrict=on) every boot gets as eth0; "none" attaches none`)
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	ref, cand, err := parseKernels(*kernels, stderr)
	if err != nil {
		return false, err
	}
	diskPath := *disk
	switch diskPath {
	case "none":
		diskPath = ""
	case "auto":
		if err := os.MkdirAll(*buildDir, 0o755); err != nil {
			return false, err
		}
		diskPath = filepath.Join(*buildDir, "disk.img")
		if err := contract.WriteTestDisk(diskPath); err != nil {
			return false, err
		}
	}
	// The reference kernel has virtio-blk as modules: the runner loads
	// them (Aramid has the driver built in and refuses modules).
	if *nic == "none" {
		*nic = ""
	}
	var modules []string
	if diskPath != "" || *nic != "" {
		if modules = contract.ReferenceModules(ref.Path); modules == nil {
			fmt.Fprintf(stderr, "contracts: no virtio modules beside %s: the reference kernel will not see the disk or the NIC\n", ref.Path)
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	start := time.Now()
	rep, err := contract.Run(ctx, contract.Options{
		Dir: *dir, BuildDir: *buildDir, Reference: ref, Candidate: cand,
		Filter: *filter, Busybox: *busybox, Modules: modules,
		Compiler: &contract.Compiler{CC: *cc, Jobs: *jobs},
		Boot: contract.BootConfig{
			Memory: *mem, Append: "console=ttyS0 loglevel=1 panic=-1",
			TestTimeout: *timeout, BootTimeout: *bootTimeout, Grace: 30 * time.Second,
			Disk: diskPath, SMP: *smp, CPU: *cpuModel, NIC: *nic,
		},
		Out: stdout,
	})
	if err != nil {
		return false, err
	}
	fmt.Fprintf(stdout, "contracts: wall time %s\n", time.Since(start).Round(time.Second))
	return rep.Summary.OK(), nil
}
