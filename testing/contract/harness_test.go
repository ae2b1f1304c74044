package contract

import (
	"strings"
	"testing"
)

func TestParseKnown(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Known
		wantErr string
	}{
		{"empty", "# only a comment\n\n", Known{}, ""},
		{"entries", "fd/dup_basic  dup is not done yet\nvm/brk_grow\tbrk shrink unsupported\n",
			Known{"fd/dup_basic": "dup is not done yet", "vm/brk_grow": "brk shrink unsupported"}, ""},
		{"no reason", "fd/dup_basic\n", nil, "reason is required"},
		{"no reason spaces", "fd/dup_basic   \n", nil, "reason is required"},
		{"no category", "dup_basic why\n", nil, "not category/name"},
		{"duplicate", "a/b one\na/b two\n", nil, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKnown(strings.NewReader(tt.in), "known")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
		})
	}
	k := Known{"a/x": "r", "b/y": "r"}
	if s := k.Unknown([]string{"a/x"}); len(s) != 1 || s[0] != "b/y" {
		t.Errorf("Unknown = %v", s)
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want string
	}{
		{"equal", []string{"x", "y"}, []string{"x", "y"}, ""},
		{"changed", []string{"k: 1", "CONTRACT_PASS"}, []string{"k: 2", "CONTRACT_PASS"},
			"- k: 1\n+ k: 2\n  CONTRACT_PASS\n"},
		{"added", []string{"a"}, []string{"a", "b"}, "  a\n+ b\n"},
		{"removed", []string{"a", "b", "c"}, []string{"a", "c"}, "  a\n- b\n  c\n"},
		{"empty candidate", []string{"a"}, nil, "- a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(tt.a, tt.b); got != tt.want {
				t.Errorf("Diff =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func out(end string, lines ...string) *Outcome { return &Outcome{Lines: lines, End: end} }

func TestClassify(t *testing.T) {
	pass := out("exit 0", "x: 1", "CONTRACT_PASS")
	tests := []struct {
		name      string
		ref, cand *Outcome
		known     Known
		want      Verdict
		wantDiff  bool
	}{
		{"reference only pass", pass, nil, nil, Pass, false},
		{"reference only fail", out("exit 1", "CONTRACT_FAIL bad"), nil, nil, Fail, false},
		{"reference timeout", out("timeout"), nil, nil, Timeout, false},
		{"reference fails: never xfail", out("exit 1", "CONTRACT_FAIL x"), pass, Known{"c/t": "r"}, Fail, false},
		{"identical", pass, out("exit 0", "x: 1", "CONTRACT_PASS"), nil, Pass, false},
		{"diverge", pass, out("exit 0", "x: 2", "CONTRACT_PASS"), nil, Diverge, true},
		{"exit code differs", pass, out("exit 3", "x: 1", "CONTRACT_PASS"), nil, Fail, true},
		{"candidate fail", pass, out("exit 1", "CONTRACT_FAIL no"), nil, Fail, true},
		{"candidate timeout", pass, out("timeout", "x: 1"), nil, Timeout, true},
		{"candidate crash", pass, out("crash"), nil, Crash, true},
		{"candidate missing", pass, nil, nil, Pass, false},
		{"listed divergence", pass, out("exit 0", "x: 2", "CONTRACT_PASS"), Known{"c/t": "why"}, XFail, true},
		{"listed crash", pass, out("crash"), Known{"c/t": "why"}, XFail, true},
		{"listed but passing", pass, out("exit 0", "x: 1", "CONTRACT_PASS"), Known{"c/t": "why"}, Pass, false},
		{"pass line not last", pass, out("exit 0", "CONTRACT_PASS", "x: 1"), nil, Fail, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Classify("c/t", tt.ref, tt.cand, tt.known)
			if r.Verdict != tt.want {
				t.Errorf("verdict %s, want %s (reason %q)", r.Verdict, tt.want, r.Reason)
			}
			if (r.Diff != "") != tt.wantDiff {
				t.Errorf("diff %q, want diff: %v", r.Diff, tt.wantDiff)
			}
			if tt.want == XFail && !strings.Contains(r.Reason, "why") {
				t.Errorf("XFAIL reason %q lacks the listed reason", r.Reason)
			}
		})
	}
}

func TestSummaryLine(t *testing.T) {
	rs := []Result{{Verdict: Pass}, {Verdict: Pass}, {Verdict: XFail}, {Verdict: Diverge}, {Verdict: Crash}}
	s := Summarize(rs)
	want := "Results: 2/5 PASS | 1 XFAIL | 1 DIVERGE | 0 FAIL | 0 TIMEOUT | 1 CRASH"
	if got := s.Line(); got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
	if s.OK() {
		t.Error("OK with DIVERGE and CRASH")
	}
	if !Summarize([]Result{{Verdict: Pass}, {Verdict: XFail}}).OK() {
		t.Error("not OK with only PASS and XFAIL")
	}
}

func TestParser(t *testing.T) {
	p := NewParser(0)
	lines := []string{
		"\x1bc\x1b[?7l\x1b[2J[    0.5] kernel noise",
		"Probing EDD (edd=off to disable)... ok\x1bc\x1b[2J@@RUNNER start=0 total=3 timeout=10",
		"@@BEGIN 0 fd/a",
		"| k: v",
		"[    1.2] printk inside a test is ignored",
		"|",
		"| CONTRACT_PASS",
		"@@END 0 fd/a exit 0",
		"@@BEGIN 1 fd/b",
		"| half",
	}
	for _, l := range lines {
		if p.Feed(l) {
			t.Fatalf("stopped early at %q", l)
		}
	}
	if !p.RunnerSeen || p.Current != 1 || p.LastEnded != 0 {
		t.Errorf("state: runner %v current %d last %d", p.RunnerSeen, p.Current, p.LastEnded)
	}
	a := p.Outcomes[0]
	if got := strings.Join(a.Lines, "|"); got != "k: v||CONTRACT_PASS" || a.End != "exit 0" || a.Verdict() != Pass {
		t.Errorf("outcome 0: %q end %q", got, a.End)
	}
	if !p.Feed("Kernel panic - not syncing: Attempted to kill init!") || p.Panic == "" {
		t.Error("panic not detected")
	}
	q := NewParser(1)
	if !q.Feed("@@SUITE_DONE") || !q.Done {
		t.Error("done not detected")
	}
	if IsPanic("| panic: inside output") {
		t.Error("contract output taken for a panic")
	}
}
