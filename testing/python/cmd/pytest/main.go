// Command pytest runs CPython's regression suite on the reference Linux
// kernel and on Aramid and compares them test by test (see package
// aramid/testing/python). It exits 1 when a test that passes on Linux does
// not pass on Aramid and is not in the known-divergence file, or when a
// kernel never reaches the runner.
//
//	go run ./testing/python/cmd/pytest -debroot build/python/root
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"aramid/imagebuild/compress"
	"aramid/testing/python"
)

func main() {
	var (
		kernels  = flag.String("kernels", "linux,aramid", "kernels to run, in order: linux (the reference) and/or aramid")
		linuxK   = flag.String("linux", "build/linux/vmlinuz", "reference Linux kernel")
		aramidK  = flag.String("aramid", "build/kernel.elf", "Aramid kernel")
		debroot  = flag.String("debroot", "build/python/root", "the python3.11 .debs extracted (dpkg-deb -x)")
		busybox  = flag.String("busybox", "/bin/busybox", "static busybox for /bin/sh and the applets")
		modules  = flag.String("modules", "testing/python/modules.txt", "module list")
		knownF   = flag.String("known", "testing/python/known-divergences.txt", "known divergences")
		out      = flag.String("out", "build/python", "initramfs, serial logs and report.json go here")
		run      = flag.String("run", "", "comma-separated substrings: only modules matching one of them")
		memory   = flag.String("m", "1G", "guest memory")
		grace    = flag.Duration("grace", 2*time.Minute, "watchdog grace on top of a module's timeout")
		bootWait = flag.Duration("boot-timeout", 5*time.Minute, "limit for a boot to reach the runner")
		compr    = flag.String("compression", "gzip", "initramfs compression (gzip, xz, none)")
		parallel = flag.Bool("parallel", false, "boot the kernels at the same time (one QEMU each) instead of one after the other")
	)
	flag.Parse()
	if err := mainErr(*kernels, *linuxK, *aramidK, *debroot, *busybox, *modules, *knownF, *out, *run, *memory, *compr, *grace, *bootWait, *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "pytest:", err)
		os.Exit(1)
	}
}

func mainErr(kernels, linuxK, aramidK, debroot, busybox, modulesF, knownF, out, run, memory, compr string, grace, bootWait time.Duration, parallel bool) error {
	f, err := os.Open(modulesF)
	if err != nil {
		return err
	}
	mods, err := python.ParseModules(f, modulesF)
	f.Close()
	if err != nil {
		return err
	}
	if run != "" {
		var keep []python.Module
		for _, m := range mods {
			for _, s := range strings.Split(run, ",") {
				if s != "" && strings.Contains(m.Name, s) {
					keep = append(keep, m)
					break
				}
			}
		}
		mods = keep
	}
	if len(mods) == 0 {
		return fmt.Errorf("no modules selected")
	}
	kf, err := os.Open(knownF)
	if err != nil {
		return err
	}
	known, err := python.ParseKnown(kf, knownF)
	kf.Close()
	if err != nil {
		return err
	}
	method, err := compress.Parse(compr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	initrd := filepath.Join(out, "initramfs.cpio"+method.Ext())
	t0 := time.Now()
	if err := python.BuildImage(python.ImageOptions{DebRoot: debroot, Busybox: busybox, Modules: mods, Compression: method}, initrd); err != nil {
		return err
	}
	fi, err := os.Stat(initrd)
	if err != nil {
		return err
	}
	fmt.Printf("python: image %s (%.1f MiB, %d modules) built in %v\n", initrd, float64(fi.Size())/(1<<20), len(mods), time.Since(t0).Round(time.Millisecond))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var order []string
	paths := map[string]string{}
	for _, k := range strings.Split(kernels, ",") {
		path := map[string]string{"linux": linuxK, "aramid": aramidK}[k]
		if path == "" {
			return fmt.Errorf("unknown kernel %q", k)
		}
		if _, err := os.Stat(path); err != nil {
			return err
		}
		matches, _ := filepath.Glob(filepath.Join(out, k+"-boot*.log"))
		for _, m := range matches {
			os.Remove(m)
		}
		order = append(order, k)
		paths[k] = path
	}
	results := make([]*python.KernelRun, len(order))
	var wg sync.WaitGroup
	for i, k := range order {
		run := func() {
			defer wg.Done()
			fmt.Printf("python: %s: %d modules, one boot (more after a crash or hang)\n", k, len(mods))
			results[i] = python.RunKernel(ctx, python.RunConfig{
				Name: k, Kernel: paths[k], Initrd: initrd, Memory: memory,
				Append:      "console=ttyS0 rdinit=/init quiet panic=-1",
				Modules:     mods,
				BootTimeout: bootWait, Grace: grace, LogDir: out, Progress: os.Stdout,
			})
		}
		wg.Add(1)
		if parallel {
			go run()
		} else {
			run()
		}
	}
	wg.Wait()
	runs := map[string]*python.KernelRun{}
	for i, k := range order {
		runs[k] = results[i]
		printRun(results[i])
	}
	if err := writeReport(filepath.Join(out, "report.json"), runs); err != nil {
		return err
	}
	var problems []string
	for _, k := range order {
		if up := reached(runs[k]); !up {
			problems = append(problems, k+" never reached the runner")
		}
	}
	ref, cand := runs["linux"], runs["aramid"]
	if ref != nil && cand != nil {
		c := python.Compare(ref.Modules, cand.Modules, known)
		printComparison(c, known)
		if n := c.Unexpected(); n > 0 {
			problems = append(problems, fmt.Sprintf("%d test(s) pass on Linux and not on Aramid, unlisted", n))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("FAIL: %s", strings.Join(problems, "; "))
	}
	fmt.Println("python: PASS")
	return nil
}

func reached(kr *python.KernelRun) bool {
	for _, m := range kr.Modules {
		if m.End == python.EndDone {
			return true
		}
	}
	return false
}

func printRun(kr *python.KernelRun) {
	tot := map[python.Status]int{}
	fmt.Printf("python: %s results (%d boots, wall %v):\n", kr.Name, kr.Boots, kr.Wall.Round(time.Second))
	for _, m := range kr.Modules {
		c := m.Counts()
		for s, n := range c {
			tot[s] += n
		}
		note := ""
		if m.End != python.EndDone {
			note = " " + strings.ToUpper(m.End) + ": " + m.Note
		}
		fmt.Printf("  %-34s rc=%-3d %4ds pass %4d fail %3d error %3d skip %3d%s\n", m.Name, m.RC, m.Secs,
			c[python.Pass], c[python.Fail], c[python.Error], c[python.Skip], note)
	}
	fmt.Printf("python: %s total: pass %d fail %d error %d skip %d, wall %v\n", kr.Name,
		tot[python.Pass], tot[python.Fail], tot[python.Error], tot[python.Skip], kr.Wall.Round(time.Second))
}

func printComparison(c *python.Comparison, known python.Known) {
	for _, r := range c.RefIncomplete {
		fmt.Printf("python: WARNING: reference module did not finish: %s\n", r)
	}
	byMod := map[string]int{}
	for _, d := range c.Divergences {
		tag := "UNEXPECTED"
		if d.Known {
			tag = "known (" + d.Reason + ")"
		}
		note := ""
		if d.Why != "" {
			note = " -- " + d.Why
		}
		if d.Note != "" {
			note += " [" + d.Note + "]"
		}
		fmt.Printf("python: DIVERGENCE %s: linux pass, aramid %s: %s%s\n", d.Test, d.Got, tag, note)
		byMod[d.Module]++
	}
	mods := make([]string, 0, len(byMod))
	for m := range byMod {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		fmt.Printf("python: divergences in %s: %d\n", m, byMod[m])
	}
	for _, e := range c.Stale {
		fmt.Printf("python: STALE known divergence (line %d): %s: it passes now or did not run\n", e.Line, e.Pattern)
	}
	if len(c.Better) > 0 {
		fmt.Printf("python: %d test(s) pass on Aramid but not on Linux (not judged)\n", len(c.Better))
	}
	fmt.Printf("python: divergences: %d (%d unexpected, %d known; known-divergence entries: %d)\n",
		len(c.Divergences), c.Unexpected(), len(c.Divergences)-c.Unexpected(), len(known.Entries))
}

func writeReport(file string, runs map[string]*python.KernelRun) error {
	b, err := json.MarshalIndent(runs, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}
