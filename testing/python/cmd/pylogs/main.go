// Command pylogs judges serial logs a python run left behind (complete or
// not) without booting anything: it parses build/python/<kernel>-boot*.log,
// keeps each module's finished result, and prints the comparison of Aramid
// against Linux as the driver would for those modules.
//
//	go run ./testing/python/cmd/pylogs -dir build/python
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"aramid/testing/python"
)

func main() {
	dir := flag.String("dir", "build/python", "directory with <kernel>-boot<N>.log")
	linuxDir := flag.String("linux-dir", "", "the reference's logs, if not in -dir")
	knownF := flag.String("known", "testing/python/known-divergences.txt", "known divergences")
	flag.Parse()
	if *linuxDir == "" {
		*linuxDir = *dir
	}
	if err := run(*linuxDir, *dir, *knownF); err != nil {
		fmt.Fprintln(os.Stderr, "pylogs:", err)
		os.Exit(1)
	}
}

func load(dir, kernel string) ([]*python.ModuleResult, error) {
	logs, err := filepath.Glob(filepath.Join(dir, kernel+"-boot*.log"))
	if err != nil {
		return nil, err
	}
	boot := func(p string) int {
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), kernel+"-boot"), ".log"))
		return n
	}
	sort.Slice(logs, func(i, j int) bool { return boot(logs[i]) < boot(logs[j]) })
	byIndex := map[int]*python.ModuleResult{}
	for _, l := range logs {
		f, err := os.Open(l)
		if err != nil {
			return nil, err
		}
		p, err := python.ParseLog(f, boot(l))
		f.Close()
		if err != nil {
			return nil, err
		}
		for i, m := range p.Modules {
			if m.End == python.EndDone {
				byIndex[i] = m
			}
		}
	}
	var out []*python.ModuleResult
	for _, m := range byIndex {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

func run(linuxDir, dir, knownF string) error {
	kf, err := os.Open(knownF)
	if err != nil {
		return err
	}
	known, err := python.ParseKnown(kf, knownF)
	kf.Close()
	if err != nil {
		return err
	}
	ref, err := load(linuxDir, "linux")
	if err != nil {
		return err
	}
	cand, err := load(dir, "aramid")
	if err != nil {
		return err
	}
	// Judge only modules both kernels finished.
	done := map[string]bool{}
	for _, m := range cand {
		done[m.Name] = true
	}
	var both []*python.ModuleResult
	for _, m := range ref {
		if done[m.Name] {
			both = append(both, m)
		}
	}
	fmt.Printf("pylogs: %d modules finished on linux, %d on aramid, %d on both\n", len(ref), len(cand), len(both))
	for _, k := range []struct {
		name string
		ms   []*python.ModuleResult
	}{{"linux", both}, {"aramid", cand}} {
		tot := map[python.Status]int{}
		secs := 0
		for _, m := range k.ms {
			for st, n := range m.Counts() {
				tot[st] += n
			}
			secs += m.Secs
		}
		fmt.Printf("pylogs: %s (modules finished on both): pass %d fail %d error %d skip %d, guest seconds %d\n",
			k.name, tot[python.Pass], tot[python.Fail], tot[python.Error], tot[python.Skip], secs)
	}
	c := python.Compare(both, cand, known)
	for _, e := range c.Stale {
		fmt.Printf("pylogs: STALE known entry (line %d): %s\n", e.Line, e.Pattern)
	}
	for _, d := range c.Divergences {
		tag := "UNEXPECTED"
		if d.Known {
			tag = "known"
		}
		fmt.Printf("DIVERGENCE %s %s: aramid %s -- %s\n", tag, d.Test, d.Got, d.Why)
	}
	fmt.Printf("pylogs: %d divergences, %d unexpected\n", len(c.Divergences), c.Unexpected())
	return nil
}
