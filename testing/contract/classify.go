package contract

import "fmt"

// Result is the classification of one contract.
type Result struct {
	Name    string              `json:"name"`
	Verdict Verdict             `json:"verdict"`
	Reason  string              `json:"reason,omitempty"`
	Diff    string              `json:"diff,omitempty"`
	Listed  string              `json:"known_divergence,omitempty"` // reason from the known list
	Runs    map[string]*Outcome `json:"runs"`                       // kernel name → outcome
}

// Classify compares a candidate kernel's outcome with the reference's. With
// cand == nil (only the reference was run) the verdict is the reference's own.
// A contract the reference fails is a wrong contract: FAIL, never XFAIL.
// Otherwise a non-passing candidate listed in known becomes XFAIL.
func Classify(name string, ref, cand *Outcome, known Known) Result {
	r := Result{Name: name}
	if rv := ref.Verdict(); rv != Pass {
		r.Verdict = Fail
		if rv == Timeout || rv == Crash {
			r.Verdict = rv
		}
		r.Reason = "reference kernel: " + ref.Why()
		return r
	}
	if cand == nil {
		r.Verdict = Pass
		return r
	}
	r.Diff = Diff(ref.Transcript(), cand.Transcript())
	switch cv := cand.Verdict(); {
	case cv == Timeout || cv == Crash || cv == Fail:
		r.Verdict = cv
		r.Reason = cand.Why()
	case r.Diff != "":
		r.Verdict = Diverge
		r.Reason = "output differs from the reference"
	default:
		r.Verdict = Pass
	}
	if why, ok := known[name]; ok {
		r.Listed = why
		if r.Verdict != Pass {
			r.Reason = fmt.Sprintf("%s (was %s: %s)", why, r.Verdict, r.Reason)
			r.Verdict = XFail
		}
	}
	return r
}

// Summary counts results by verdict.
type Summary struct {
	Total int             `json:"total"`
	By    map[Verdict]int `json:"by_verdict"`
}

// Summarize counts results.
func Summarize(rs []Result) Summary {
	s := Summary{Total: len(rs), By: make(map[Verdict]int)}
	for _, r := range rs {
		s.By[r.Verdict]++
	}
	return s
}

// Line renders the summary line the suite prints last.
func (s Summary) Line() string {
	return fmt.Sprintf("Results: %d/%d PASS | %d XFAIL | %d DIVERGE | %d FAIL | %d TIMEOUT | %d CRASH",
		s.By[Pass], s.Total, s.By[XFail], s.By[Diverge], s.By[Fail], s.By[Timeout], s.By[Crash])
}

// OK reports whether the suite passes: nothing is FAIL, DIVERGE, TIMEOUT or CRASH.
func (s Summary) OK() bool {
	return s.By[Fail]+s.By[Diverge]+s.By[Timeout]+s.By[Crash] == 0
}
