package systemd

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Split is systemd's "Startup finished in ..." line as durations.
type Split struct {
	Kernel, Initrd, Userspace, Total time.Duration
}

// ParseSplit reads the split Judge.Startup holds, e.g.
// "10.733s (kernel) + 299ms (userspace) = 11.033s" (an "(initrd)" part may
// come between).
func ParseSplit(s string) (Split, error) {
	var sp Split
	parts := strings.SplitN(s, " = ", 2)
	if len(parts) != 2 {
		return sp, fmt.Errorf("systemd split %q: no total", s)
	}
	var err error
	if sp.Total, err = parseTimespan(parts[1]); err != nil {
		return sp, err
	}
	for _, term := range strings.Split(parts[0], " + ") {
		open := strings.LastIndex(term, " (")
		if open < 0 || !strings.HasSuffix(term, ")") {
			return sp, fmt.Errorf("systemd split %q: bad term %q", s, term)
		}
		d, err := parseTimespan(term[:open])
		if err != nil {
			return sp, err
		}
		switch term[open+2 : len(term)-1] {
		case "kernel":
			sp.Kernel = d
		case "initrd":
			sp.Initrd = d
		case "userspace":
			sp.Userspace = d
		default:
			return sp, fmt.Errorf("systemd split %q: unknown part %q", s, term)
		}
	}
	return sp, nil
}

// parseTimespan reads systemd's format_timespan output: space-separated
// numbers with units, e.g. "1min 2.345s", "299ms", "950us".
func parseTimespan(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		d      time.Duration
	}{{"min", time.Minute}, {"ms", time.Millisecond}, {"us", time.Microsecond}, {"h", time.Hour}, {"s", time.Second}}
	var total time.Duration
	fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if len(fields) == 0 {
		return 0, fmt.Errorf("systemd timespan %q: empty", s)
	}
	for _, f := range fields {
		matched := false
		for _, u := range units {
			if num, ok := strings.CutSuffix(f, u.suffix); ok {
				v, err := strconv.ParseFloat(num, 64)
				if err != nil || v < 0 {
					return 0, fmt.Errorf("systemd timespan %q: bad number in %q", s, f)
				}
				total += time.Duration(v * float64(u.d))
				matched = true
				break
			}
		}
		if !matched {
			return 0, fmt.Errorf("systemd timespan %q: unknown unit in %q", s, f)
		}
	}
	return total, nil
}
