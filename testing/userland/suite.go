package userland

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"aramid/testing/contract"
)

// Options configures one run of the suite.
type Options struct {
	Dir       string           // testing/userland: tests.txt, progs/, runner/, known-divergences.txt
	Include   string           // directory with contract.h (testing/contracts)
	BuildDir  string           // build/userland: cache, image, logs, report
	Reference contract.Kernel  // Linux
	Candidate *contract.Kernel // Aramid; nil runs the reference alone
	Filter    string           // run only tests whose name contains this
	Busybox   string           // host busybox-static
	Jobs      int              // parallel compilations
	Boot      contract.BootConfig
	BootFunc  contract.BootFunc // nil means QEMU
	Out       io.Writer
}

// Report is the JSON report of one run.
type Report struct {
	Reference string              `json:"reference"`
	Candidate string              `json:"candidate,omitempty"`
	Summary   contract.Summary    `json:"summary"`
	Results   []contract.Result   `json:"results"`
	Seconds   map[string]float64  `json:"seconds"`
	Stale     []string            `json:"stale_known_divergences,omitempty"`
	LogLines  map[string][]string `json:"candidate_log_lines,omitempty"` // test → notable kernel lines
}

// Run builds the image, boots the reference and (if any) the candidate,
// classifies every test, prints the results and writes BuildDir/report.json.
// The error is non-nil only when the suite could not run at all.
func Run(ctx context.Context, o Options) (*Report, error) {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	if err := os.MkdirAll(o.BuildDir, 0o755); err != nil {
		return nil, fmt.Errorf("userland: %w", err)
	}
	mf, err := os.Open(filepath.Join(o.Dir, "tests.txt"))
	if err != nil {
		return nil, fmt.Errorf("userland: %w", err)
	}
	all, err := ParseManifest(mf, mf.Name())
	mf.Close()
	if err != nil {
		return nil, err
	}
	tests := Filter(all, o.Filter)
	if len(tests) == 0 {
		return nil, fmt.Errorf("userland: no test matches %q", o.Filter)
	}
	known, err := loadKnown(filepath.Join(o.Dir, "known-divergences.txt"))
	if err != nil {
		return nil, err
	}
	initrd, err := buildImage(ctx, o, tests)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "userland: %d tests, image %s\n", len(tests), initrd)

	names := make([]string, len(tests))
	for i, t := range tests {
		names[i] = t.Name
	}
	bc := o.Boot
	bc.Initrd = initrd
	bc.LogDir = o.BuildDir
	if bc.Progress == nil {
		bc.Progress = out
	}
	if bc.TestTimeout == 0 {
		bc.TestTimeout = time.Duration(MaxTimeout(tests)) * time.Second
	}
	rep := &Report{Reference: o.Reference.Name, Seconds: map[string]float64{}}
	kernels := []contract.Kernel{o.Reference}
	if o.Candidate != nil {
		kernels = append(kernels, *o.Candidate)
		rep.Candidate = o.Candidate.Name
	}
	runs := make([][]*contract.Outcome, len(kernels))
	for i, k := range kernels {
		removeLogs(o.BuildDir, k.Name)
		t0 := time.Now()
		runs[i] = contract.RunKernel(ctx, k, names, bc, o.BootFunc)
		rep.Seconds[k.Name] = time.Since(t0).Seconds()
	}
	for i, n := range names {
		var cand *contract.Outcome
		if o.Candidate != nil {
			cand = runs[1][i]
		}
		r := contract.Classify(n, runs[0][i], cand, known)
		r.Runs = map[string]*contract.Outcome{o.Reference.Name: runs[0][i]}
		if cand != nil {
			r.Runs[o.Candidate.Name] = cand
		}
		r.Diff = Unified(r.Diff, 3)
		rep.Results = append(rep.Results, r)
	}
	rep.Summary = contract.Summarize(rep.Results)
	if o.Filter == "" {
		rep.Stale = Stale(known, names, rep.Results, o.Candidate != nil)
	}
	if o.Candidate != nil {
		rep.LogLines, _ = ScanLogs(o.BuildDir, o.Candidate.Name)
	}
	Print(out, rep)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return rep, fmt.Errorf("userland: report: %w", err)
	}
	p := filepath.Join(o.BuildDir, "report.json")
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return rep, fmt.Errorf("userland: report: %w", err)
	}
	fmt.Fprintf(out, "userland: report written to %s (serial logs %s/<kernel>-boot<N>.log)\n", p, o.BuildDir)
	return rep, nil
}

func loadKnown(p string) (contract.Known, error) {
	f, err := os.Open(p)
	if os.IsNotExist(err) {
		return contract.Known{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("userland: %w", err)
	}
	defer f.Close()
	return contract.ParseKnown(f, p)
}

func removeLogs(dir, kernel string) {
	old, _ := filepath.Glob(filepath.Join(dir, kernel+"-boot*.log"))
	for _, f := range old {
		os.Remove(f)
	}
}

func buildImage(ctx context.Context, o Options, tests []Test) (string, error) {
	b := &Builder{ProgDir: filepath.Join(o.Dir, "progs"), Include: o.Include,
		CacheDir: filepath.Join(o.BuildDir, "cache"), Jobs: o.Jobs}
	runner, err := b.Runner(ctx, filepath.Join(o.Dir, "runner", "init.c"))
	if err != nil {
		return "", err
	}
	files, err := b.CompileAll(ctx, tests)
	if err != nil {
		return "", err
	}
	im := &Image{Runner: runner, Tests: tests, Files: files, LibDirs: LibDirs}
	for _, t := range tests {
		if t.Build == BuildBusybox {
			if o.Busybox == "" {
				return "", fmt.Errorf("userland: %s needs busybox (-busybox)", t.Name)
			}
			im.Busybox = o.Busybox
			if im.Applets, err = Applets(o.Busybox); err != nil {
				return "", err
			}
			break
		}
	}
	tree, err := im.Tree()
	if err != nil {
		return "", err
	}
	p := filepath.Join(o.BuildDir, "userland.cpio")
	return p, tree.WriteFile(p)
}

// Stale lists known-divergence entries that need attention: names that are
// not tests, and (when a candidate ran) tests that are listed but passed.
func Stale(known contract.Known, names []string, results []contract.Result, candidateRan bool) []string {
	var out []string
	for _, n := range known.Unknown(names) {
		out = append(out, n+": no such test")
	}
	if candidateRan {
		for _, r := range results {
			if r.Listed != "" && r.Verdict == contract.Pass {
				out = append(out, r.Name+": listed but passes")
			}
		}
	}
	sort.Strings(out)
	return out
}

// notable matches kernel log lines worth handing to the kernel engineers.
var notable = regexp.MustCompile(`(?i)not implemented|unimplemented|segfault|ENOSYS|kernel panic`)

// ScanLogs reads the candidate's serial logs and returns, per test, the
// kernel lines (not the test's own framed output) that mention an
// unimplemented call, a segfault or a kernel panic. Lines outside any test are filed under
// "(runner)".
func ScanLogs(dir, kernel string) (map[string][]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, kernel+"-boot*.log"))
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return bootNum(files[i]) < bootNum(files[j]) })
	out := map[string][]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return out, err
		}
		scanLog(fh, out)
		fh.Close()
	}
	return out, nil
}

func bootNum(p string) int {
	var n int
	base := filepath.Base(p)
	i := strings.LastIndex(base, "-boot")
	if i >= 0 {
		fmt.Sscanf(base[i+5:], "%d", &n)
	}
	return n
}

func scanLog(r io.Reader, out map[string][]string) {
	cur := "(runner)"
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		line := contract.StripEscapes(strings.TrimRight(s.Text(), "\r"))
		if strings.HasPrefix(line, "| ") || line == "|" {
			continue
		}
		if i := strings.Index(line, "@@BEGIN "); i >= 0 {
			if f := strings.Fields(line[i:]); len(f) >= 3 {
				cur = f[2]
			}
			continue
		}
		if i := strings.Index(line, "@@END "); i >= 0 {
			cur = "(runner)"
			continue
		}
		if notable.MatchString(line) {
			seen := false
			for _, l := range out[cur] {
				if l == line {
					seen = true
					break
				}
			}
			if !seen {
				out[cur] = append(out[cur], line)
			}
		}
	}
}

// Unified turns contract.Diff's full listing ("  " same, "- " reference
// only, "+ " candidate only) into hunks with ctx lines of context and
// "@@ -a,b +c,d @@" headers, as diff -u prints them. Empty stays empty.
func Unified(full string, ctx int) string {
	if full == "" {
		return ""
	}
	lines := strings.Split(strings.TrimSuffix(full, "\n"), "\n")
	changed := make([]bool, len(lines))
	for i, l := range lines {
		changed[i] = strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "+ ")
	}
	keep := make([]bool, len(lines))
	for i := range lines {
		if !changed[i] {
			continue
		}
		for j := max(0, i-ctx); j <= min(len(lines)-1, i+ctx); j++ {
			keep[j] = true
		}
	}
	var b strings.Builder
	a, c := 1, 1 // next line numbers in reference and candidate
	for i := 0; i < len(lines); {
		if !keep[i] {
			if !changed[i] {
				a++
				c++
			}
			i++
			continue
		}
		j := i
		na, nc := 0, 0
		for j < len(lines) && keep[j] {
			switch {
			case strings.HasPrefix(lines[j], "- "):
				na++
			case strings.HasPrefix(lines[j], "+ "):
				nc++
			default:
				na++
				nc++
			}
			j++
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", a, na, c, nc)
		for k := i; k < j; k++ {
			l := lines[k]
			switch {
			case changed[k]:
				b.WriteString(l[:1] + l[2:] + "\n")
			default:
				b.WriteString(" " + strings.TrimPrefix(l, "  ") + "\n")
			}
		}
		a += na
		c += nc
		i = j
	}
	return b.String()
}

// Print writes every non-passing test with its reason and diff, the stale
// known-divergence entries, the notable candidate log lines, a per-test
// table and the summary line.
func Print(w io.Writer, rep *Report) {
	for _, r := range rep.Results {
		if r.Verdict == contract.Pass {
			continue
		}
		fmt.Fprintf(w, "%-8s %s: %s\n", r.Verdict, r.Name, r.Reason)
		if r.Diff != "" {
			fmt.Fprintf(w, "         --- %s\n         +++ %s\n", rep.Reference, rep.Candidate)
			for _, l := range strings.Split(strings.TrimRight(r.Diff, "\n"), "\n") {
				fmt.Fprintf(w, "         %s\n", l)
			}
		}
	}
	for _, s := range rep.Stale {
		fmt.Fprintf(w, "stale known divergence: %s\n", s)
	}
	if len(rep.LogLines) > 0 {
		fmt.Fprintf(w, "%s log lines mentioning unimplemented calls or segfaults:\n", rep.Candidate)
		keys := make([]string, 0, len(rep.LogLines))
		for k := range rep.LogLines {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, l := range rep.LogLines[k] {
				fmt.Fprintf(w, "  %s: %s\n", k, l)
			}
		}
	}
	for _, r := range rep.Results {
		ends := []string{}
		for _, k := range []string{rep.Reference, rep.Candidate} {
			if o := r.Runs[k]; k != "" && o != nil {
				ends = append(ends, fmt.Sprintf("%s=%s/%d lines", k, o.End, len(o.Lines)))
			}
		}
		fmt.Fprintf(w, "%-8s %-24s %s\n", r.Verdict, r.Name, strings.Join(ends, " "))
	}
	kernels := rep.Reference
	if rep.Candidate != "" {
		kernels = rep.Candidate + " vs " + rep.Reference
	}
	fmt.Fprintf(w, "kernels: %s\n", kernels)
	fmt.Fprintln(w, rep.Summary.Line())
}
