package contract

import (
	"regexp"
	"strconv"
	"strings"
)

// ansiPrefix matches terminal escape sequences firmware leaves at the start
// of a line (SeaBIOS clears the screen just before the kernel's output).
var ansiPrefix = regexp.MustCompile(`^(\x1b\[[0-9;?]*[A-Za-z]|\x1b[A-Za-z]|\r)+`)

// StripEscapes removes leading terminal escape sequences from a console line.
func StripEscapes(line string) string { return ansiPrefix.ReplaceAllString(line, "") }

// Verdict is what one test did on one kernel, or the comparison of two kernels.
type Verdict string

// The verdicts. PASS, FAIL, TIMEOUT and CRASH describe one kernel's run;
// DIVERGE and XFAIL only arise when two kernels are compared.
const (
	Pass    Verdict = "PASS"
	Fail    Verdict = "FAIL"
	Diverge Verdict = "DIVERGE"
	XFail   Verdict = "XFAIL"
	Timeout Verdict = "TIMEOUT"
	Crash   Verdict = "CRASH"
)

// Outcome is one contract's run on one kernel.
type Outcome struct {
	Lines []string `json:"lines"`          // what the contract printed
	End   string   `json:"end"`            // "exit N", "signal N", "timeout", "crash"
	Note  string   `json:"note,omitempty"` // why a crash or timeout was declared
	Boot  int      `json:"boot"`           // which boot ran it (0-based)
}

// Verdict classifies the outcome on its own.
func (o *Outcome) Verdict() Verdict {
	switch {
	case o == nil:
		return Crash
	case o.End == "timeout":
		return Timeout
	case o.End == "crash":
		return Crash
	case o.End == "exit 0" && len(o.Lines) > 0 && o.Lines[len(o.Lines)-1] == "CONTRACT_PASS":
		return Pass
	}
	return Fail
}

// Why summarises a non-passing outcome in one line.
func (o *Outcome) Why() string {
	if o == nil {
		return "not run"
	}
	last := ""
	for i := len(o.Lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(o.Lines[i], "CONTRACT_FAIL") {
			last = o.Lines[i]
			break
		}
	}
	if last == "" && len(o.Lines) > 0 {
		last = "last line: " + o.Lines[len(o.Lines)-1]
	}
	parts := []string{o.End}
	if o.Note != "" {
		parts = append(parts, o.Note)
	}
	if last != "" {
		parts = append(parts, last)
	}
	return strings.Join(parts, "; ")
}

// Transcript is the text compared between kernels: the output lines and the
// way the program ended.
func (o *Outcome) Transcript() []string {
	if o == nil {
		return nil
	}
	t := append([]string(nil), o.Lines...)
	return append(t, "@@end: "+o.End)
}

// Parser consumes one boot's serial lines. It is not safe for concurrent use.
type Parser struct {
	Boot       int
	RunnerSeen bool
	Done       bool   // @@SUITE_DONE seen
	Panic      string // first kernel panic line seen, if any
	Current    int    // index of the running test, or -1
	LastEnded  int    // index of the last test that ended, or -1
	Outcomes   map[int]*Outcome
	Names      map[int]string
	Events     int // framing lines seen, for progress tracking
}

// NewParser returns a parser for one boot.
func NewParser(boot int) *Parser {
	return &Parser{Boot: boot, Current: -1, LastEnded: -1,
		Outcomes: make(map[int]*Outcome), Names: make(map[int]string)}
}

// IsPanic reports whether a console line (outside a contract's output) shows
// the kernel giving up: Linux's "Kernel panic" or a Go runtime panic.
func IsPanic(line string) bool {
	return strings.Contains(line, "Kernel panic - not syncing") ||
		strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")
}

// Feed consumes one serial line and reports whether the boot is over (the
// suite finished or the kernel panicked).
func (p *Parser) Feed(line string) bool {
	line = StripEscapes(strings.TrimRight(line, "\r"))
	// The runner's first line can land after an unterminated kernel line
	// (Linux ends "Probing EDD ... ok" without a newline): cut to the marker.
	if i := strings.Index(line, "@@"); i > 0 && !strings.HasPrefix(line, "|") {
		line = line[i:]
	}
	switch {
	case strings.HasPrefix(line, "| "), line == "|":
		if p.Current >= 0 {
			o := p.Outcomes[p.Current]
			o.Lines = append(o.Lines, strings.TrimPrefix(strings.TrimPrefix(line, "|"), " "))
		}
	case strings.HasPrefix(line, "@@RUNNER"):
		p.RunnerSeen = true
		p.Events++
	case strings.HasPrefix(line, "@@BEGIN "):
		idx, name, _, ok := frame(line)
		if ok {
			p.Current = idx
			p.Names[idx] = name
			p.Outcomes[idx] = &Outcome{Boot: p.Boot}
		}
		p.Events++
	case strings.HasPrefix(line, "@@END "):
		idx, _, rest, ok := frame(line)
		if ok {
			if o := p.Outcomes[idx]; o != nil {
				o.End = rest
			}
			p.Current = -1
			p.LastEnded = idx
		}
		p.Events++
	case line == "@@SUITE_DONE":
		p.Done = true
		p.Events++
		return true
	case IsPanic(line):
		if p.Panic == "" {
			p.Panic = line
		}
		return true
	}
	return false
}

// frame splits "@@X <index> <name> [rest]".
func frame(line string) (idx int, name, rest string, ok bool) {
	f := strings.SplitN(line, " ", 4)
	if len(f) < 3 {
		return 0, "", "", false
	}
	idx, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, "", "", false
	}
	if len(f) == 4 {
		rest = f[3]
	}
	return idx, f[2], rest, true
}
