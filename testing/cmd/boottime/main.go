// Command boottime boots the Aramid kernel with aramid.selftest=1 several
// times under QEMU TCG and reports, as medians, the time from QEMU start to
// the first Go instruction (the nucleus's first line), to the kernel's main,
// and to the end of the self-checks, plus the kernel's memory use.
//
// Usage: go run ./testing/cmd/boottime [-kernel build/kernel.elf] [-n 5]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"aramid/testing/qemu"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "boottime:", err)
		os.Exit(1)
	}
}

// marks are the serial lines timed, in boot order.
var marks = []struct{ name, substr string }{
	{"first Go instruction (nucleus)", "Aramid: nucleus entered"},
	{"kernel main", "Aramid 0.1.0 ("},
	{"selftest end", "SELFTEST END"},
}

var (
	memImage  = regexp.MustCompile(`kernel image (\d+) KiB`)
	memAtMain = regexp.MustCompile(`(\d+) KiB allocated at main`)
	memAfter  = regexp.MustCompile(`selftest done: (\d+) KiB allocated`)
)

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("boottime", flag.ContinueOnError)
	kernel := fs.String("kernel", "build/kernel.elf", "kernel image")
	n := fs.Int("n", 5, "boots")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	times := make([][]time.Duration, len(marks))
	var kib [3][]int
	for i := 0; i < *n; i++ {
		cfg := qemu.Config{Kernel: *kernel, Append: "console=ttyS0 aramid.selftest=1", Timeout: 180 * time.Second}
		res, err := qemu.Run(context.Background(), cfg, nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("boot %d: QEMU exit code %d:\n%s", i+1, res.ExitCode, res.Log())
		}
		for m, mk := range marks {
			l, ok := res.Find(mk.substr)
			if !ok {
				return fmt.Errorf("boot %d: no %q line", i+1, mk.substr)
			}
			times[m] = append(times[m], l.At)
		}
		log := res.Log()
		for k, re := range []*regexp.Regexp{memImage, memAtMain, memAfter} {
			if mm := re.FindStringSubmatch(log); mm != nil {
				v, _ := strconv.Atoi(mm[1])
				kib[k] = append(kib[k], v)
			}
		}
		fmt.Fprintf(w, "boot %d: %s\n", i+1, summary(times, i))
	}
	fmt.Fprintf(w, "\nmedian of %d boots (QEMU TCG, -m 128M), from QEMU start:\n", *n)
	for m, mk := range marks {
		fmt.Fprintf(w, "  %-32s %8.1f ms\n", mk.name, ms(median(times[m])))
	}
	if len(kib[0]) > 0 && len(kib[1]) > 0 && len(kib[2]) > 0 {
		img := medianInt(kib[0])
		fmt.Fprintf(w, "  %-32s %8d KiB\n", "kernel image (text, data, bss)", img)
		fmt.Fprintf(w, "  %-32s %8d KiB (image + %d KiB allocated)\n", "kernel memory at main", img+medianInt(kib[1]), medianInt(kib[1]))
		fmt.Fprintf(w, "  %-32s %8d KiB (image + %d KiB allocated)\n", "kernel memory after selftest", img+medianInt(kib[2]), medianInt(kib[2]))
	}
	return nil
}

func summary(times [][]time.Duration, i int) string {
	var parts []string
	for m := range marks {
		parts = append(parts, fmt.Sprintf("%.1f ms", ms(times[m][i])))
	}
	return strings.Join(parts, " / ")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianInt(v []int) int {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
