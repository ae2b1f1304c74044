package systemd

import "slices"

// KnownDifference is a systemd message Aramid's boot may print and Linux's
// does not, with the reason it is allowed for now.
type KnownDifference struct {
	Message string // as Message returns it
	Reason  string
}

// Diff is the outcome of comparing systemd's messages on two kernels.
type Diff struct {
	// Unexpected are messages of the candidate's boot (Aramid) that the
	// reference boot (Linux) did not print and no known difference names:
	// each one fails the comparison.
	Unexpected []string
	// Known are candidate-only messages a KnownDifference allows.
	Known []KnownDifference
	// ReferenceOnly are messages only the reference printed (reported, not
	// a failure: Aramid's warnings must be a subset of Linux's).
	ReferenceOnly []string
	// Unused are known differences that did not occur in this boot.
	Unused []KnownDifference
}

// Pass reports whether the candidate's messages are a subset of the
// reference's, up to the known differences.
func (d Diff) Pass() bool { return len(d.Unexpected) == 0 }

// Differential compares systemd's messages (from Judge.Messages) of a
// reference and a candidate boot of the same image: every distinct
// candidate message must appear among the reference's, unless known lists
// it. Messages are compared exactly (Message has already dropped colours,
// timestamps and kmsg process ids) and as sets, each reported once, in the order the
// candidate printed them.
func Differential(reference, candidate []string, known []KnownDifference) Diff {
	var d Diff
	ref := map[string]bool{}
	for _, m := range reference {
		ref[m] = true
	}
	cand := map[string]bool{}
	used := map[string]bool{}
	for _, m := range candidate {
		if cand[m] {
			continue
		}
		cand[m] = true
		if ref[m] {
			continue
		}
		i := slices.IndexFunc(known, func(k KnownDifference) bool { return k.Message == m })
		if i >= 0 {
			d.Known = append(d.Known, known[i])
			used[m] = true
			continue
		}
		d.Unexpected = append(d.Unexpected, m)
	}
	seen := map[string]bool{}
	for _, m := range reference {
		if !cand[m] && !seen[m] {
			seen[m] = true
			d.ReferenceOnly = append(d.ReferenceOnly, m)
		}
	}
	for _, k := range known {
		if !used[k.Message] {
			d.Unused = append(d.Unused, k)
		}
	}
	return d
}
