// Command fuzz runs the random-system-call fuzzer (testing/fuzz) on one or
// more kernels with one or more seeds and reports calls per second, panics,
// hangs and the health checks. It exits 1 if any run failed, naming the
// seed and the command that replays it.
//
//	go run ./testing/fuzz/cmd/fuzz -kernels linux,aramid -n 1000000 -seeds 1,2,3
//
// A seed of "random" (the default) draws one and prints it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"aramid/testing/fuzz"
)

func main() {
	os.Exit(run())
}

func run() int {
	kernels := flag.String("kernels", "linux,aramid", "kernels: linux, aramid, or image paths (comma-separated)")
	n := flag.Uint64("n", 1000000, "calls per phase (root, unprivileged)")
	seeds := flag.String("seeds", "random", "comma-separated seeds; \"random\" draws one, \"random3\" three")
	procs := flag.Int("procs", 8, "worker processes")
	threads := flag.Int("threads", 4, "threads per worker")
	phases := flag.String("phases", "root,user", "phases to run")
	calls := flag.String("calls", "", "only these calls (comma-separated names)")
	trace := flag.Bool("trace", false, "log every call on the console before it is made (slow)")
	hang := flag.Duration("hang", 120*time.Second, "console silence that counts as a hang")
	stuck := flag.Int("stuck", 30, "seconds a guest thread may make no call before it is reported stuck (and its worker killed)")
	mem := flag.String("m", "256M", "QEMU memory")
	buildDir := flag.String("build", "build/fuzz", "build directory (image, serial logs)")
	src := flag.String("src", "testing/fuzz/guest/fuzz.c", "the guest program")
	aramid := flag.String("aramid", "build/kernel.elf", "the Aramid kernel image")
	linux := flag.String("linux", "build/linux/vmlinuz", "the reference Linux kernel image")
	flag.Parse()

	ctx := context.Background()
	var seedList []uint64
	for _, s := range strings.Split(*seeds, ",") {
		s = strings.TrimSpace(s)
		switch s {
		case "", "random":
			seedList = append(seedList, randomSeed())
		case "random3":
			seedList = append(seedList, randomSeed(), randomSeed(), randomSeed())
		default:
			v, err := strconv.ParseUint(s, 0, 64)
			if err != nil {
				fmt.Fprintf(os.Stderr, "fuzz: bad seed %q\n", s)
				return 2
			}
			seedList = append(seedList, v)
		}
	}
	initrd, err := fuzz.Image(ctx, *src, *buildDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	type rate struct {
		calls uint64
		secs  float64
	}
	rates := map[string]*rate{}
	var failed []string
	var order []string
	for _, k := range strings.Split(*kernels, ",") {
		name, path := k, k
		switch k {
		case "aramid":
			path = *aramid
		case "linux":
			path = *linux
		default:
			name = filepath.Base(k)
		}
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(os.Stderr, "fuzz: kernel %s: %v\n", name, err)
			return 2
		}
		order = append(order, name)
		rates[name] = &rate{}
		for _, seed := range seedList {
			o := fuzz.Options{Src: *src, BuildDir: *buildDir, Kernel: path, Name: name, Seed: seed, N: *n,
				Procs: *procs, Threads: *threads, Phases: *phases, Calls: *calls, Trace: *trace,
				Memory: *mem, Hang: *hang, Stuck: *stuck}
			fmt.Printf("fuzz: %s seed=%d n=%d per phase, %d processes x %d threads (log %s-seed%d.log)\n",
				name, seed, *n, *procs, *threads, filepath.Join(*buildDir, name), seed)
			res, err := fuzz.Run(ctx, o, initrd)
			if err != nil {
				fmt.Fprintf(os.Stderr, "fuzz: %s seed=%d: %v\n", name, seed, err)
				return 2
			}
			fmt.Println("fuzz: " + res.Verdict())
			for _, p := range res.Panics {
				fmt.Println("  panic: " + p)
			}
			for _, s := range res.Stuck {
				fmt.Println("  " + s)
			}
			for _, f := range res.Failures {
				fmt.Println("  " + f)
			}
			for _, nt := range res.Notes {
				fmt.Println("  note: " + nt)
			}
			for _, p := range res.Phases {
				rates[name].calls += p.Calls
				rates[name].secs += p.Seconds
			}
			if !res.OK() {
				failed = append(failed, fmt.Sprintf("%s seed=%d (log %s); replay: %s", name, seed, res.Log, o.Replay()))
			}
		}
	}
	for _, name := range order {
		r := rates[name]
		if r.secs > 0 {
			fmt.Printf("fuzz: %s: %d calls in %.1f s of fuzzing: %.0f calls/s\n", name, r.calls, r.secs, float64(r.calls)/r.secs)
		}
	}
	if len(failed) > 0 {
		fmt.Printf("fuzz: %d of %d runs FAILED:\n", len(failed), len(order)*len(seedList))
		for _, f := range failed {
			fmt.Println("  " + f)
		}
		return 1
	}
	fmt.Printf("fuzz: all %d runs passed (0 kernel panics, 0 hangs, health checks ok)\n", len(order)*len(seedList))
	return 0
}

func randomSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint64(time.Now().UnixNano())
	}
	return binary.LittleEndian.Uint64(b[:]) >> 16 // short enough to type
}
