// Command stress runs the stress suite (testing/stress): every workload in
// one boot per kernel, the reference Linux kernel first, and prints one
// verdict line per workload per kernel with wall times and, for the
// candidate, the ratio to the reference. It exits 1 when any workload fails,
// hangs, or takes the candidate more than -ratio times the reference's wall
// time, and 2 when the suite could not run.
//
//	go run ./testing/stress/cmd/stress -kernels linux,aramid
//	go run ./testing/stress/cmd/stress -kernels aramid -run timerfd,final
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"aramid/testing/contract"
	"aramid/testing/stress"
)

func main() {
	ok, err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

var defaultKernels = map[string]string{
	"linux":  "build/linux/vmlinuz",
	"aramid": "build/kernel.elf",
}

func parseKernels(spec string) ([]contract.Kernel, error) {
	var ks []contract.Kernel
	seen := map[string]bool{}
	for _, f := range strings.Split(spec, ",") {
		name, path, explicit := strings.Cut(strings.TrimSpace(f), "=")
		if !explicit {
			path = defaultKernels[name]
			if path == "" {
				return nil, fmt.Errorf("unknown kernel %q (use name=path)", name)
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("kernel %q named twice", name)
		}
		seen[name] = true
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("kernel %s: %w", name, err)
		}
		ks = append(ks, contract.Kernel{Name: name, Path: path})
	}
	if len(ks) == 0 || len(ks) > 2 {
		return nil, fmt.Errorf("-kernels %q: want a reference and at most one candidate", spec)
	}
	return ks, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("stress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kernels := fs.String("kernels", "linux,aramid", "reference kernel first, then the candidate: name or name=path")
	only := fs.String("run", "", "comma-separated workloads to run (default all, in order)")
	guest := fs.String("guest", "testing/stress/guest", "guest program sources")
	buildDir := fs.String("build", "build/stress", "build and log directory")
	mem := fs.String("m", "256M", "guest memory")
	timeout := fs.Duration("timeout", 60*time.Second, "per-workload limit (the guest runner kills the workload)")
	ratio := fs.Float64("ratio", 3, "largest allowed candidate/reference wall-time ratio")
	slack := fs.Duration("slack", 100*time.Millisecond, "absolute allowance on top of ratio x reference")
	parallel := fs.Bool("parallel", true, "boot the two kernels at the same time")
	appendArgs := fs.String("append", "", "extra kernel command-line words")
	verbose := fs.Bool("v", false, "print every workload's own summary lines")
	again := fs.Int("remeasure", 2, "times a workload over the ratio is measured again on both kernels (best time kept)")
	smp := fs.Int("smp", 1, "guest CPUs (above 1: multi-threaded TCG)")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	ks, err := parseKernels(*kernels)
	if err != nil {
		return false, err
	}
	wls := stress.Workloads
	if *only != "" {
		wls = nil
		for _, w := range strings.Split(*only, ",") {
			found := false
			for _, k := range stress.Workloads {
				found = found || k == w
			}
			if !found {
				return false, fmt.Errorf("unknown workload %q (have %s)", w, strings.Join(stress.Workloads, ","))
			}
			wls = append(wls, w)
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	start := time.Now()
	_, ok, err := stress.Run(ctx, stress.Options{
		GuestDir: *guest, BuildDir: *buildDir, Kernels: ks, Memory: *mem, Workloads: wls,
		WorkloadTimeout: *timeout, MaxRatio: *ratio, Slack: *slack, Parallel: *parallel,
		Append: *appendArgs, Out: stdout, Verbose: *verbose, Remeasure: *again, SMP: *smp,
	})
	if err != nil {
		return false, err
	}
	fmt.Fprintf(stdout, "stress: wall time %s\n", time.Since(start).Round(time.Second))
	return ok, nil
}
