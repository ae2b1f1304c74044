package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options configures one run of the suite.
type Options struct {
	Dir       string  // testing/contracts: sources, runner, known divergences
	BuildDir  string  // build/contracts: cache, image, logs, report
	Reference Kernel  // the kernel whose behaviour is the contract (Linux)
	Candidate *Kernel // the kernel under test; nil runs the reference alone
	Filter    string  // run only contracts whose name contains this
	Busybox   string  // host busybox binary for the programs category
	// Modules are kernel modules the runner loads at boot (the reference
	// kernel's virtio-blk, see ReferenceModules).
	Modules  []string
	Compiler *Compiler // CacheDir and Include are filled in if empty; nil means defaults
	Boot     BootConfig
	BootFunc BootFunc // nil means QEMU
	Out      io.Writer
}

// Report is the JSON report of one run.
type Report struct {
	Reference  string                     `json:"reference"`
	Candidate  string                     `json:"candidate,omitempty"`
	Summary    Summary                    `json:"summary"`
	Categories map[string]map[Verdict]int `json:"categories"`
	Results    []Result                   `json:"results"`
	Seconds    map[string]float64         `json:"seconds"` // wall time per kernel
	Stale      []string                   `json:"stale_known_divergences,omitempty"`
}

// Run builds the image, runs the suite on the reference and (if any) the
// candidate kernel, classifies every contract, prints the results and writes
// BuildDir/report.json. The error is non-nil only when the suite could not be
// run at all; a failing suite is reported through Report.Summary.OK.
func Run(ctx context.Context, o Options) (*Report, error) {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	if err := os.MkdirAll(o.BuildDir, 0o755); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	known, err := loadKnown(filepath.Join(o.Dir, "known-divergences.txt"))
	if err != nil {
		return nil, err
	}
	names, srcs, err := Discover(o.Dir, o.Filter)
	if err != nil {
		return nil, err
	}
	// The filesystem family runs in boots of its own, with its disk and
	// the digest program after it (fsdisk.go).
	mainN, mainS, fsN, fsS := splitFS(names, srcs)
	if len(fsN) > 0 {
		fsN, fsS = append(fsN, DigestName), append(fsS, filepath.Join(o.Dir, "runner", "ext4_digest.c"))
	}
	names = append(mainN, fsN...)
	bins, err := compileAll(ctx, o, append(mainS, fsS...))
	if err != nil {
		return nil, err
	}
	initrd, err := writeImage(o, "contracts.cpio", bins[0], mainN, bins[1:1+len(mainN)])
	if err != nil {
		return nil, err
	}
	fsInitrd, digestInitrd := "", ""
	if len(fsN) > 0 {
		fsBins := bins[1+len(mainN):]
		if fsInitrd, err = writeImage(o, "contracts-fs.cpio", bins[0], fsN, fsBins); err != nil {
			return nil, err
		}
		if digestInitrd, err = writeImage(o, "contracts-digest.cpio", bins[0], fsN[len(fsN)-1:], fsBins[len(fsBins)-1:]); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(out, "contracts: %d programs, image %s\n", len(names), initrd)

	bc := o.Boot
	bc.Initrd = initrd
	bc.LogDir = o.BuildDir
	if bc.Progress == nil {
		bc.Progress = out
	}
	// runAll runs both groups on k: the main one, then the filesystem
	// family on a fresh disk of k's own.
	runAll := func(k Kernel) ([]*Outcome, error) {
		var res []*Outcome
		if len(mainN) > 0 {
			res = RunKernel(ctx, k, mainN, bc, o.BootFunc)
		}
		if len(fsN) > 0 {
			fbc := bc
			fbc.Initrd = fsInitrd
			fbc.FSDisk = FSDiskPath(o.BuildDir, k)
			fbc.TestTimeout = max(fbc.TestTimeout, FSTestTimeout)
			fbc.LogDir = filepath.Join(o.BuildDir, FSFamily)
			if err := os.MkdirAll(fbc.LogDir, 0o755); err != nil {
				return nil, fmt.Errorf("contract: %w", err)
			}
			if err := WriteFSDisk(ctx, fbc.FSDisk); err != nil {
				return nil, err
			}
			res = append(res, RunKernel(ctx, k, fsN, fbc, o.BootFunc)...)
		}
		return res, nil
	}
	rep := &Report{Reference: o.Reference.Name, Seconds: map[string]float64{}}
	t0 := time.Now()
	ref, err := runAll(o.Reference)
	if err != nil {
		return nil, err
	}
	rep.Seconds[o.Reference.Name] = time.Since(t0).Seconds()
	var cand []*Outcome
	if o.Candidate != nil {
		rep.Candidate = o.Candidate.Name
		t1 := time.Now()
		if cand, err = runAll(*o.Candidate); err != nil {
			return nil, err
		}
		rep.Seconds[o.Candidate.Name] = time.Since(t1).Seconds()
	}
	for i, n := range names {
		var c *Outcome
		if cand != nil {
			c = cand[i]
		}
		r := Classify(n, ref[i], c, known)
		r.Runs = map[string]*Outcome{o.Reference.Name: ref[i]}
		if c != nil {
			r.Runs[o.Candidate.Name] = c
		}
		rep.Results = append(rep.Results, r)
	}
	if len(fsN) > 0 {
		var candDigest *Outcome
		if cand != nil {
			candDigest = cand[len(cand)-1]
		}
		rep.Results = append(rep.Results, FSChecks(ctx, o, bc, digestInitrd, candDigest, known)...)
	}
	if o.Filter == "" {
		rep.Stale = known.Unknown(names)
	}
	rep.Summary = Summarize(rep.Results)
	rep.Categories = byCategory(rep.Results)
	Print(out, rep)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return rep, fmt.Errorf("contract: report: %w", err)
	}
	path := filepath.Join(o.BuildDir, "report.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return rep, fmt.Errorf("contract: report: %w", err)
	}
	fmt.Fprintf(out, "contracts: report written to %s\n", path)
	return rep, nil
}

func loadKnown(path string) (Known, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return Known{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	defer f.Close()
	return ParseKnown(f, path)
}

// compileAll compiles the runner and then srcs, in that order.
func compileAll(ctx context.Context, o Options, srcs []string) ([]string, error) {
	c := o.Compiler
	if c == nil {
		c = &Compiler{}
	}
	if c.CacheDir == "" {
		c.CacheDir = filepath.Join(o.BuildDir, "cache")
	}
	if c.Include == "" {
		c.Include = o.Dir
	}
	if err := os.MkdirAll(c.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	return c.CompileAll(ctx, append([]string{filepath.Join(o.Dir, "runner", "init.c")}, srcs...))
}

// writeImage writes an initramfs running names (built as bins) to
// BuildDir/file and returns its path.
func writeImage(o Options, file, init string, names, bins []string) (string, error) {
	im := Image{Init: init, Names: names, Binaries: bins, Modules: o.Modules}
	if o.Busybox != "" {
		im.Extra = map[string]string{"bin/busybox": o.Busybox}
		im.Symlinks = map[string]string{}
		for _, a := range []string{"sh", "echo", "cat", "wc", "tr", "sort", "uniq", "head", "true", "false", "ls", "grep", "sed"} {
			im.Symlinks["bin/"+a] = "busybox"
		}
	}
	t, err := im.Build()
	if err != nil {
		return "", err
	}
	path := filepath.Join(o.BuildDir, file)
	return path, t.WriteFile(path)
}

// Category returns the category part of a contract name.
func Category(name string) string {
	c, _, _ := strings.Cut(name, "/")
	return c
}

func byCategory(rs []Result) map[string]map[Verdict]int {
	m := make(map[string]map[Verdict]int)
	for _, r := range rs {
		c := Category(r.Name)
		if m[c] == nil {
			m[c] = make(map[Verdict]int)
		}
		m[c][r.Verdict]++
	}
	return m
}

// Print writes every non-passing result (with its diff), the per-category
// table and the summary line.
func Print(w io.Writer, rep *Report) {
	for _, r := range rep.Results {
		if r.Verdict == Pass {
			continue
		}
		fmt.Fprintf(w, "%-8s %s: %s\n", r.Verdict, r.Name, r.Reason)
		if r.Diff != "" && (r.Verdict == Diverge || r.Verdict == Fail) {
			for _, l := range strings.Split(strings.TrimRight(r.Diff, "\n"), "\n") {
				fmt.Fprintf(w, "         %s\n", l)
			}
		}
	}
	for _, s := range rep.Stale {
		fmt.Fprintf(w, "note: known-divergences lists %s, which does not exist\n", s)
	}
	cats := make([]string, 0, len(rep.Categories))
	for c := range rep.Categories {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	fmt.Fprintf(w, "%-12s %5s %5s %5s %7s %5s %7s %5s\n", "category", "total", "PASS", "XFAIL", "DIVERGE", "FAIL", "TIMEOUT", "CRASH")
	for _, c := range cats {
		m := rep.Categories[c]
		t := 0
		for _, v := range m {
			t += v
		}
		fmt.Fprintf(w, "%-12s %5d %5d %5d %7d %5d %7d %5d\n", c, t, m[Pass], m[XFail], m[Diverge], m[Fail], m[Timeout], m[Crash])
	}
	kernels := rep.Reference
	if rep.Candidate != "" {
		kernels = rep.Candidate + " vs " + rep.Reference
	}
	fmt.Fprintf(w, "kernels: %s\n", kernels)
	fmt.Fprintln(w, rep.Summary.Line())
}
