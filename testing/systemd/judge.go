// Package systemd boots mkimage's images under QEMU and judges the serial log
// of a systemd boot: "Welcome to", "Reached target", the console shell
// started, "Startup finished", and no unit failed. The judge stops QEMU as
// soon as every check has matched; nothing here sleeps a fixed time.
package systemd

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"aramid/testing/qemu"
)

// Expect holds the texts a boot must show (from the recipe's checks).
type Expect struct {
	Welcome      string // after "Welcome to"
	Target       string // description of the default target
	ConsoleShell string // description of the console shell service
}

// Check names, in the order they are reported.
const (
	CheckWelcome  = "Welcome to"
	CheckTarget   = "Reached target"
	CheckStartup  = "Startup finished"
	CheckShell    = "console shell started"
	CheckNoFailed = "0 failed units"
)

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// Clean strips terminal escape sequences and carriage returns from a line.
func Clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(ansi.ReplaceAllString(s, ""), "\r", ""))
}

var startupRE = regexp.MustCompile(`Startup finished in (.*?)\.?$`)

// Judge watches serial lines. It is not safe for concurrent use; qemu.Run
// calls it from one goroutine.
type Judge struct {
	exp     Expect
	seen    map[string]time.Duration
	Failed  []string // lines reporting a failed unit
	Startup string   // the "Startup finished in ..." split, as printed
	Panic   string   // a kernel panic line, if any
}

// NewJudge returns a judge for exp.
func NewJudge(exp Expect) *Judge {
	return &Judge{exp: exp, seen: map[string]time.Duration{}}
}

// Observe takes one serial line and reports whether the run can stop.
func (j *Judge) Observe(l qemu.Line) bool {
	s := Clean(l.Text)
	mark := func(k string) {
		if _, ok := j.seen[k]; !ok {
			j.seen[k] = l.At
		}
	}
	switch {
	case strings.Contains(s, "Welcome to "+j.exp.Welcome):
		mark(CheckWelcome)
	case strings.Contains(s, "Reached target") && strings.Contains(s, j.exp.Target):
		mark(CheckTarget)
	case strings.Contains(s, "Started") && strings.Contains(s, j.exp.ConsoleShell):
		mark(CheckShell)
	case strings.Contains(s, "[FAILED]") || strings.Contains(s, "Failed to start"):
		j.Failed = append(j.Failed, s)
	case strings.Contains(s, "Kernel panic"):
		j.Panic = s
		return true
	}
	if m := startupRE.FindStringSubmatch(s); m != nil {
		j.Startup = m[1]
		mark(CheckStartup)
	}
	_, a := j.seen[CheckWelcome]
	_, b := j.seen[CheckTarget]
	_, c := j.seen[CheckShell]
	_, d := j.seen[CheckStartup]
	return a && b && c && d
}

// Result is one check's verdict.
type Result struct {
	Name string
	Pass bool
	At   time.Duration
	Note string
}

// Results returns every check's verdict, in report order.
func (j *Judge) Results() []Result {
	var out []Result
	for _, k := range []string{CheckWelcome, CheckTarget, CheckStartup, CheckShell} {
		at, ok := j.seen[k]
		out = append(out, Result{Name: k, Pass: ok, At: at})
	}
	out = append(out, Result{Name: CheckNoFailed, Pass: len(j.Failed) == 0,
		Note: fmt.Sprintf("%d failed", len(j.Failed))})
	return out
}

// Pass reports whether every check passed.
func (j *Judge) Pass() bool {
	for _, r := range j.Results() {
		if !r.Pass {
			return false
		}
	}
	return true
}

// Report prints one PASS/FAIL line per check and the startup split.
func (j *Judge) Report(w io.Writer, label string) {
	for _, r := range j.Results() {
		verdict := "FAIL"
		if r.Pass {
			verdict = "PASS"
		}
		extra := ""
		if r.At > 0 {
			extra = fmt.Sprintf(" (at %.1fs)", r.At.Seconds())
		}
		if r.Note != "" {
			extra += " (" + r.Note + ")"
		}
		fmt.Fprintf(w, "%s %s: %s%s\n", verdict, label, r.Name, extra)
	}
	for _, f := range j.Failed {
		fmt.Fprintf(w, "  failed unit: %s\n", f)
	}
	if j.Panic != "" {
		fmt.Fprintf(w, "  %s\n", j.Panic)
	}
	if j.Startup != "" {
		fmt.Fprintf(w, "startup split %s: %s\n", label, j.Startup)
	}
}
