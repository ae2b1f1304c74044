package python

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"aramid/testing/qemu"
)

const sampleLog = `[    0.000000] Linux version 6.1
@@PY READY start=0
@@PY BEGIN 0 test_x
0:00:00 load avg: 0.00 [1/1] test_x
test_a (test.test_x.A.test_a) ... ok
======================================================================
FAIL: test_sub (test.test_x.A.test_sub) (n=3)
----------------------------------------------------------------------
Traceback (most recent call last):
AssertionError: 3 != 4
======================================================================
ERROR: setUpClass (test.test_x.B)
----------------------------------------------------------------------
Traceback (most recent call last):
OSError: [Errno 97] Address family not supported by protocol
----------------------------------------------------------------------
Ran 3 tests in 0.1s
@@PY T 0 pass test.test_x.A.test_a
@@PY T 0 skip test.test_x.A.test_skipped
@@PY T 0 error test.test_x.A.test_err
@@PY END 0 test_x rc=2 secs=7
@@PY BEGIN 1 test_y
@@PY T 1 pass test.test_y.C.test_c
`

func TestParser(t *testing.T) {
	p, err := ParseLog(strings.NewReader(sampleLog), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !p.RunnerSeen || p.Done || p.Current != 1 || p.LastEnded != 0 {
		t.Fatalf("state: seen=%v done=%v current=%d lastEnded=%d", p.RunnerSeen, p.Done, p.Current, p.LastEnded)
	}
	m := p.Modules[0]
	want := map[string]Status{
		"test.test_x.A.test_a": Pass, "test.test_x.A.test_skipped": Skip,
		"test.test_x.A.test_err": Error, "test.test_x.A.test_sub": Fail,
	}
	if !reflect.DeepEqual(m.Tests, want) {
		t.Errorf("tests = %v, want %v", m.Tests, want)
	}
	if m.End != EndDone || m.RC != 2 || m.Secs != 7 || m.Name != "test_x" {
		t.Errorf("module = %+v", m)
	}
	if got := m.Why["test.test_x.A.test_sub"]; len(got) != 2 || got[1] != "AssertionError: 3 != 4" {
		t.Errorf("why(test_sub) = %q", got)
	}
	if got := LastLine(m.Why["test.test_x.B"]); got != "OSError: [Errno 97] Address family not supported by protocol" {
		t.Errorf("why(B) last line = %q", got)
	}
	if p.Modules[1].End != "" {
		t.Errorf("unfinished module has End %q", p.Modules[1].End)
	}
}

func TestParseModulesAndKnown(t *testing.T) {
	ms, err := ParseModules(strings.NewReader("# c\ntest_os 60\n\ntest_socket 90 -m *Unix*\n"), "m.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Module{{Name: "test_os", Timeout: 60}, {Name: "test_socket", Timeout: 90, Args: []string{"-m", "*Unix*"}}}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("modules = %+v", ms)
	}
	for _, bad := range []string{"test_os\n", "test_os x\n", "test_os 0\n", "a 1\na 2\n"} {
		if _, err := ParseModules(strings.NewReader(bad), "m.txt"); err == nil {
			t.Errorf("ParseModules(%q) accepted", bad)
		}
	}
	k, err := ParseKnown(strings.NewReader("# c\ntest.m.C.t one reason\ntest.m.D.* class reason\nerrno:97 no AF_INET\n"), "k.txt")
	if err != nil {
		t.Fatal(err)
	}
	const afinet = "OSError: [Errno 97] Address family not supported by protocol"
	for _, c := range []struct {
		id, why string
		want    bool
	}{
		{"test.m.C.t", "", true}, {"test.m.C.t2", "", false}, {"test.m.D.x", "", true}, {"test.m.Dx.y", "", false},
		{"test.m.E.t", afinet, true}, {"test.m.E.t", "OSError: [Errno 9] Bad file descriptor", false},
		{"test.m.E.t", "AssertionError: 97 != 98", false},
	} {
		if _, ok := k.Find(c.id, c.why); ok != c.want {
			t.Errorf("Find(%s, %q) = %v, want %v", c.id, c.why, ok, c.want)
		}
	}
	for _, bad := range []string{"test.m.C.t\n", "errno:x reason\n", "errno:0 reason\n"} {
		if _, err := ParseKnown(strings.NewReader(bad), "k.txt"); err == nil {
			t.Errorf("ParseKnown(%q) accepted", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	ref := []*ModuleResult{{Name: "m", End: EndDone, Tests: map[string]Status{
		"a": Pass, "b": Pass, "c": Pass, "d": Fail, "e": Pass,
	}}}
	cand := []*ModuleResult{{Name: "m", End: EndDone, Tests: map[string]Status{
		"a": Pass, "b": Fail, "d": Pass, "e": Skip,
	}}}
	k := Known{Entries: []KnownEntry{{Pattern: "b", Reason: "r", Line: 1}, {Pattern: "zz", Reason: "old", Line: 2}}}
	c := Compare(ref, cand, k)
	var got []string
	for _, d := range c.Divergences {
		got = append(got, d.Test+":"+string(d.Got)+":"+map[bool]string{true: "known", false: "new"}[d.Known])
	}
	want := []string{"b:fail:known", "c:missing:new", "e:skip:new"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("divergences = %v, want %v", got, want)
	}
	if c.Unexpected() != 2 || len(c.Stale) != 1 || c.Stale[0].Pattern != "zz" || !reflect.DeepEqual(c.Better, []string{"d"}) {
		t.Errorf("unexpected=%d stale=%v better=%v", c.Unexpected(), c.Stale, c.Better)
	}
}

// TestRunKernel replaces QEMU: boot 0 hangs in module 1 (the watchdog
// stops it), boot 1 must start at module 2 and finish.
func TestRunKernel(t *testing.T) {
	mods := []Module{{Name: "m0", Timeout: 1}, {Name: "m1", Timeout: 1}, {Name: "m2", Timeout: 1}}
	var appends []string
	boot := func(ctx context.Context, c qemu.Config, judge qemu.Judge) (*qemu.Result, error) {
		appends = append(appends, c.Append)
		res := &qemu.Result{ExitCode: -1}
		lines := []string{"@@PY READY"}
		if strings.HasSuffix(c.Append, "pystart=0") {
			lines = append(lines, "@@PY BEGIN 0 m0", "@@PY T 0 pass t.m0.x", "@@PY END 0 m0 rc=0 secs=1", "@@PY BEGIN 1 m1")
		} else {
			lines = append(lines, "@@PY BEGIN 2 m2", "@@PY T 2 pass t.m2.y", "@@PY END 2 m2 rc=0 secs=1", "@@PY DONE")
		}
		for _, l := range lines {
			if judge(qemu.Line{Text: l}) {
				res.Stopped = true
				return res, nil
			}
		}
		<-ctx.Done() // hang until the watchdog gives up
		res.TimedOut = true
		return res, qemu.ErrTimeout
	}
	kr := RunKernel(context.Background(), RunConfig{Name: "fake", Modules: mods, BootTimeout: time.Second,
		Grace: 100 * time.Millisecond, Boot: boot})
	if len(appends) != 2 || !strings.HasSuffix(appends[1], "pystart=2") {
		t.Fatalf("boots: %q", appends)
	}
	ends := []string{kr.Modules[0].End, kr.Modules[1].End, kr.Modules[2].End}
	if !reflect.DeepEqual(ends, []string{EndDone, EndTimeout, EndDone}) {
		t.Errorf("ends = %v (m1 note %q)", ends, kr.Modules[1].Note)
	}
	if !strings.Contains(kr.Modules[1].Note, "m1 ran longer") {
		t.Errorf("m1 note = %q", kr.Modules[1].Note)
	}
	if kr.Modules[2].Tests["t.m2.y"] != Pass {
		t.Errorf("m2 tests = %v", kr.Modules[2].Tests)
	}
}
