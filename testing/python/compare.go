package python

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Module is one regrtest module of the run list with its per-module limit
// (passed to regrtest's --timeout; the harness allows a grace on top).
type Module struct {
	Name    string
	Timeout int      // seconds
	Args    []string // extra regrtest arguments (-m PATTERN to pick tests)
}

// ParseModules reads the module list: "name timeout-seconds [regrtest
// arguments...]" per line, '#' comments and blank lines ignored. file names
// the source in errors.
func ParseModules(r io.Reader, file string) ([]Module, error) {
	var ms []Module
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: want \"module timeout [args]\", got %q", file, n, sc.Text())
		}
		t, err := strconv.Atoi(f[1])
		if err != nil || t <= 0 {
			return nil, fmt.Errorf("%s:%d: bad timeout %q", file, n, f[1])
		}
		if seen[f[0]] {
			return nil, fmt.Errorf("%s:%d: %s listed twice", file, n, f[0])
		}
		seen[f[0]] = true
		m := Module{Name: f[0], Timeout: t}
		if len(f) > 2 {
			m.Args = f[2:]
		}
		ms = append(ms, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return ms, nil
}

// Known is the reviewed list of divergences. An entry's pattern is a test
// id, a prefix ending in ".*" (every test under it), or "errno:N": every
// test whose failure on the candidate ends in an OSError with that errno
// ("[Errno N] ..."), for a cause as precise as a missing address family.
// Each entry carries its reason.
type Known struct {
	Entries []KnownEntry
}

// KnownEntry is one line of the known-divergence file.
type KnownEntry struct {
	Pattern string
	Reason  string
	Line    int
}

// Match reports whether the entry covers test id, whose failure's last
// line on the candidate is why ("" when none was printed).
func (e KnownEntry) Match(id, why string) bool {
	if n, ok := strings.CutPrefix(e.Pattern, "errno:"); ok {
		return why != "" && strings.Contains(why, "[Errno "+n+"] ")
	}
	if p, ok := strings.CutSuffix(e.Pattern, ".*"); ok {
		return strings.HasPrefix(id, p+".")
	}
	return id == e.Pattern
}

// ParseKnown reads "pattern reason..." lines; every entry needs a reason.
func ParseKnown(r io.Reader, file string) (Known, error) {
	var k Known
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pat, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return Known{}, fmt.Errorf("%s:%d: %s has no reason", file, n, pat)
		}
		if e, ok := strings.CutPrefix(pat, "errno:"); ok {
			if v, err := strconv.Atoi(e); err != nil || v <= 0 {
				return Known{}, fmt.Errorf("%s:%d: bad errno pattern %q", file, n, pat)
			}
		}
		k.Entries = append(k.Entries, KnownEntry{Pattern: pat, Reason: reason, Line: n})
	}
	if err := sc.Err(); err != nil {
		return Known{}, fmt.Errorf("%s: %w", file, err)
	}
	return k, nil
}

// Find returns the entry covering id (failing with why).
func (k Known) Find(id, why string) (KnownEntry, bool) {
	for _, e := range k.Entries {
		if e.Match(id, why) {
			return e, true
		}
	}
	return KnownEntry{}, false
}

// Divergence is a test that passed on the reference and did not on the
// candidate.
type Divergence struct {
	Module string
	Test   string
	Got    Status
	Known  bool
	Reason string // from the known-divergence file
	Note   string // the module's end on the candidate when it did not finish
	Why    string // the last line of the candidate's failure report, if any
}

// Comparison is the verdict of one candidate against the reference.
type Comparison struct {
	Divergences []Divergence
	// Better lists tests the candidate passed and the reference did not
	// (informational: the reference decides what is expected).
	Better []string
	// Stale lists known-divergence entries that matched no divergence.
	Stale []KnownEntry
	// RefIncomplete names reference modules that did not finish (their
	// tests are compared as far as they were reported).
	RefIncomplete []string
}

// Unexpected counts divergences not in the known file.
func (c *Comparison) Unexpected() int {
	n := 0
	for _, d := range c.Divergences {
		if !d.Known {
			n++
		}
	}
	return n
}

// Compare judges cand against ref module by module.
func Compare(ref, cand []*ModuleResult, known Known) *Comparison {
	c := &Comparison{}
	used := map[int]bool{}
	byName := map[string]*ModuleResult{}
	for _, m := range cand {
		if m != nil {
			byName[m.Name] = m
		}
	}
	for _, r := range ref {
		if r == nil {
			continue
		}
		if r.End != EndDone {
			c.RefIncomplete = append(c.RefIncomplete, r.Name+" ("+r.End+")")
		}
		cm := byName[r.Name]
		for _, id := range sortedIDs(r.Tests) {
			got := Missing
			if cm != nil {
				if s, ok := cm.Tests[id]; ok {
					got = s
				}
			}
			if r.Tests[id] != Pass {
				if got == Pass {
					c.Better = append(c.Better, id)
				}
				continue
			}
			if got == Pass {
				continue
			}
			d := Divergence{Module: r.Name, Test: id, Got: got}
			if cm != nil && cm.End != EndDone {
				d.Note = cm.End + ": " + cm.Note
			}
			if cm != nil {
				d.Why = whyOf(cm, id)
			}
			if e, ok := known.Find(id, d.Why); ok {
				d.Known, d.Reason = true, e.Reason
				used[e.Line] = true
			}
			c.Divergences = append(c.Divergences, d)
		}
	}
	for _, e := range known.Entries {
		if !used[e.Line] {
			c.Stale = append(c.Stale, e)
		}
	}
	return c
}

func sortedIDs(m map[string]Status) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// whyOf finds the candidate's failure report for id: its own, else its
// class's or module's failed fixture.
func whyOf(m *ModuleResult, id string) string {
	for p := id; p != ""; {
		if w, ok := m.Why[p]; ok {
			return LastLine(w)
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return ""
}
