package systemd

import (
	"testing"

	"aramid/testing/qemu"
)

func TestJudge(t *testing.T) {
	exp := Expect{Welcome: "Aramid", Target: "Aramid Default Target", ConsoleShell: "Aramid Console Shell"}
	log := []string{
		"Welcome to \x1b[1mAramid (systemd-v245)\x1b[0m!\r",
		"[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mconsole-shell.service\x1b[0m - Aramid Console Shell.",
		"[\x1b[0;1;31mFAILED\x1b[0m] Failed to start foo.service - Foo.",
		"[  OK  ] Reached target default.target - Aramid Default Target.",
		"Startup finished in 3.7s (kernel) + 339ms (userspace) = 4.0s.",
	}
	j := NewJudge(exp)
	stopped := false
	for i, l := range log {
		stopped = j.Observe(qemu.Line{Text: l})
		if stopped != (i == len(log)-1) {
			t.Fatalf("line %d: stop = %v", i, stopped)
		}
	}
	if j.Pass() || len(j.Failed) != 1 {
		t.Errorf("a failed unit must fail the boot: failed=%v", j.Failed)
	}
	if j.Startup != "3.7s (kernel) + 339ms (userspace) = 4.0s" {
		t.Errorf("Startup = %q", j.Startup)
	}
	k := NewJudge(exp)
	k.Observe(qemu.Line{Text: "Welcome to Aramid"})
	if k.Pass() {
		t.Error("passed on Welcome alone")
	}
}
