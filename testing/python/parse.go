// Package python runs CPython's regression suite (regrtest, from Debian
// bookworm's python3.11 and libpython3.11-testsuite) as a differential
// oracle: the same initramfs boots on the reference Linux kernel and on
// Aramid, /init (guest/init.sh) runs one regrtest module per python process,
// and every test that passes on Linux must pass on Aramid or be listed in
// known-divergences.txt with its reason.
//
// The guest frames each module on the serial console (see guest/init.sh);
// Parser turns those lines into per-test outcomes, RunKernel boots a kernel
// as often as needed to get through the module list (a module that hangs or
// crashes the kernel is charged to that module and the next boot starts
// after it), and Compare judges Aramid against Linux.
package python

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Status is one test's outcome.
type Status string

// Test outcomes. Missing is a test the reference ran that the candidate did
// not report at all (its module crashed, hung, or its class failed to set up).
const (
	Pass    Status = "pass"
	Skip    Status = "skip"
	Fail    Status = "fail"
	Error   Status = "error"
	Missing Status = "missing"
)

// Module end states.
const (
	EndDone    = "done"    // regrtest ran and the runner printed END
	EndCrash   = "crash"   // the kernel died or QEMU exited during the module
	EndTimeout = "timeout" // the harness's watchdog stopped the kernel
	EndNotRun  = "notrun"  // the suite stopped before the module
)

// ModuleResult is what one module did on one kernel.
type ModuleResult struct {
	Index int
	Name  string
	End   string
	RC    int // regrtest's exit status; -1 without END
	Secs  int // guest wall seconds, from END
	Boot  int // which boot ran it
	Note  string
	Tests map[string]Status
	// Why holds the first lines of unittest's report for a failed test or
	// a failed class or module fixture ("setUpClass (test.m.Class)" is
	// recorded under "test.m.Class").
	Why map[string][]string `json:",omitempty"`
}

// whyLines bounds what is kept of one failure report.
const whyLines = 30

// Counts returns how many tests had each status.
func (m *ModuleResult) Counts() map[Status]int {
	c := map[Status]int{}
	for _, s := range m.Tests {
		c[s]++
	}
	return c
}

// Parser follows one boot's serial log.
type Parser struct {
	Boot       int
	RunnerSeen bool
	Done       bool
	Current    int // index of the module running now, -1 between modules
	LastEnded  int // index of the last module that printed END, -1 if none
	Modules    map[int]*ModuleResult
	// Events counts framing lines; the harness watches it for progress.
	Events int
	// watchdog says why the harness stopped this boot, if it did.
	watchdog string
	// why is the failure report being collected (its id), "" when none.
	why string
}

// NewParser returns a parser for boot number boot.
func NewParser(boot int) *Parser {
	return &Parser{Boot: boot, Current: -1, LastEnded: -1, Modules: map[int]*ModuleResult{}}
}

// unittest's failure headers: "FAIL: test_x (test.test_m.Class.test_x)" with
// an optional subtest description after it. A test whose subtest failed has
// no name in the junit file, so these lines are what marks it failed.
var failHeader = regexp.MustCompile(`^(FAIL|ERROR): (\S+) \(([\w.]+)\)`)

// fixtureHeader is a failed class or module fixture: "ERROR: setUpClass
// (test.m.Class)"; the tests under it never run.
var fixtureHeader = regexp.MustCompile(`^ERROR: (setUpClass|tearDownClass|setUpModule|tearDownModule) \(([\w.]+)\)`)

// report follows unittest's failure reports in a module's output: a header
// marks the test failed and starts collecting its text, a separator line
// ends it.
func (p *Parser) report(mod *ModuleResult, line string) {
	if m := fixtureHeader.FindStringSubmatch(line); m != nil {
		p.startWhy(mod, m[2])
		return
	}
	if m := failHeader.FindStringSubmatch(line); m != nil {
		st := Fail
		if m[1] == "ERROR" {
			st = Error
		}
		if mod.Tests[m[3]] != Error {
			mod.Tests[m[3]] = st
		}
		p.startWhy(mod, m[3])
		return
	}
	if p.why == "" {
		return
	}
	if strings.HasPrefix(line, "=====") || strings.HasPrefix(line, "Ran ") {
		p.why = ""
		return
	}
	if strings.HasPrefix(line, "-----") && len(mod.Why[p.why]) == 0 {
		return
	}
	if len(mod.Why[p.why]) < whyLines {
		mod.Why[p.why] = append(mod.Why[p.why], line)
	}
}

func (p *Parser) startWhy(mod *ModuleResult, id string) {
	if mod.Why == nil {
		mod.Why = map[string][]string{}
	}
	if _, ok := mod.Why[id]; ok {
		p.why = "" // a second report (a rerun) adds nothing
		return
	}
	mod.Why[id] = nil
	p.why = id
}

// Feed takes one serial line; it returns true when the suite is done.
func (p *Parser) Feed(line string) bool {
	line = strings.TrimRight(line, "\r")
	i := strings.Index(line, "@@PY ")
	if i < 0 {
		if p.Current >= 0 {
			p.report(p.Modules[p.Current], line)
		}
		return false
	}
	p.why = ""
	f := strings.Fields(line[i+len("@@PY "):])
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "READY":
		p.RunnerSeen = true
		p.Events++
	case "BEGIN":
		if len(f) < 3 {
			return false
		}
		idx, err := strconv.Atoi(f[1])
		if err != nil {
			return false
		}
		p.Current = idx
		p.Modules[idx] = &ModuleResult{Index: idx, Name: f[2], RC: -1, Boot: p.Boot, Tests: map[string]Status{}}
		p.Events++
	case "T":
		if len(f) < 4 {
			return false
		}
		idx, err := strconv.Atoi(f[1])
		mod, ok := p.Modules[idx]
		if err != nil || !ok {
			return false
		}
		st := Status(f[2])
		switch st {
		case Pass, Skip, Fail, Error:
		default:
			return false
		}
		id := strings.Join(f[3:], " ")
		// A failure header seen earlier (a subtest) wins over a later pass.
		if old, ok := mod.Tests[id]; !ok || old == Pass || old == Skip {
			mod.Tests[id] = st
		}
		p.Events++
	case "END":
		if len(f) < 3 {
			return false
		}
		idx, err := strconv.Atoi(f[1])
		mod, ok := p.Modules[idx]
		if err != nil || !ok {
			return false
		}
		mod.End = EndDone
		for _, kv := range f[3:] {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.Atoi(v)
			if err != nil {
				continue
			}
			switch k {
			case "rc":
				mod.RC = n
			case "secs":
				mod.Secs = n
			}
		}
		p.Current, p.LastEnded = -1, idx
		p.Events++
	case "DONE":
		p.Done = true
		p.Events++
		return true
	}
	return false
}

// ParseLog feeds a whole serial log to a new parser.
func ParseLog(r io.Reader, boot int) (*Parser, error) {
	p := NewParser(boot)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if p.Feed(sc.Text()) {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return p, fmt.Errorf("python: reading log: %w", err)
	}
	return p, nil
}

// LastLine is the last line of a failure report that says something (the
// exception, usually), "" for none.
func LastLine(why []string) string {
	for i := len(why) - 1; i >= 0; i-- {
		l := strings.TrimSpace(why[i])
		if l != "" && !strings.HasPrefix(l, "-----") {
			return l
		}
	}
	return ""
}
