package contract

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Known is the reviewed list of known divergences: contract name → reason.
type Known map[string]string

// ParseKnown reads a known-divergences file. Each non-blank line that does
// not start with '#' is "<category/name> <reason>"; the reason is required
// (a listing is a reviewed decision, so it must say why) and a name may appear
// only once. Errors name the line.
func ParseKnown(r io.Reader, file string) (Known, error) {
	k := make(Known)
	s := bufio.NewScanner(r)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		name, reason := f[0], strings.Join(f[1:], " ")
		if !strings.Contains(name, "/") {
			return nil, fmt.Errorf("%s:%d: %q is not category/name", file, n, name)
		}
		if reason == "" {
			return nil, fmt.Errorf("%s:%d: %s: a reason is required", file, n, name)
		}
		if _, dup := k[name]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", file, n, name)
		}
		k[name] = reason
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return k, nil
}

// Unknown returns the listed names that are not in tests (stale entries).
func (k Known) Unknown(tests []string) []string {
	have := make(map[string]bool, len(tests))
	for _, t := range tests {
		have[t] = true
	}
	var out []string
	for n := range k {
		if !have[n] {
			out = append(out, n)
		}
	}
	sortStrings(out)
	return out
}
