package selftest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestChecksOnHost runs every check on the host (Linux is the reference):
// a check that fails here is a wrong check, not a kernel bug.
func TestChecksOnHost(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 1 GiB")
	}
	start := time.Now()
	env := &Env{Clock: func() time.Duration { return time.Since(start) }}
	var out bytes.Buffer
	passed, failed := Run(&out, env, Checks())
	if failed != 0 || passed != len(Checks()) {
		t.Fatalf("passed=%d failed=%d\n%s", passed, failed, out.String())
	}
}

func TestRunReports(t *testing.T) {
	checks := []Check{
		{"ok", func(*Env) error { return nil }},
		{"bad", func(*Env) error { return errors.New("broken") }},
		{"panics", func(*Env) error { panic("boom") }},
	}
	var out bytes.Buffer
	passed, failed := Run(&out, &Env{}, checks)
	want := "SELFTEST PASS ok\nSELFTEST FAIL bad: broken\nSELFTEST FAIL panics: panic: boom\nSELFTEST END passed=1 failed=2\n"
	if passed != 1 || failed != 2 || out.String() != want {
		t.Errorf("got passed=%d failed=%d\n%s", passed, failed, out.String())
	}
	if !strings.Contains(out.String(), "SELFTEST END") {
		t.Error("no END line")
	}
}
