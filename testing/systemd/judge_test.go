package systemd

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"aramid/testing/qemu"
)

func TestJudgeLog(t *testing.T) {
	exp := Expect{Welcome: "Aramid", Target: "Aramid Default Target", ConsoleShell: "Aramid Console Shell"}
	log := []string{
		"Welcome to \x1b[1mAramid (systemd-v245)\x1b[0m!\r",
		"[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mconsole-shell.service\x1b[0m - Aramid Console Shell.",
		"[\x1b[0;1;31mFAILED\x1b[0m] Failed to start foo.service - Foo.",
		"[  OK  ] Reached target default.target - Aramid Default Target.",
		"Startup finished in 3.7s (kernel) + 339ms (userspace) = 4.0s.",
	}
	j := NewJudge(exp, nil)
	for i, l := range log {
		if j.Observe(qemu.Line{Text: l}) {
			t.Fatalf("line %d: stopped before the shell was checked", i)
		}
	}
	if j.Pass() || len(j.Failed) != 1 {
		t.Errorf("a failed unit must fail the boot: failed=%v", j.Failed)
	}
	if j.Startup != "3.7s (kernel) + 339ms (userspace) = 4.0s" {
		t.Errorf("Startup = %q", j.Startup)
	}
	// "Started ... Console Shell" is printed at fork, before exec: it is
	// no evidence that the shell runs.
	for _, r := range j.Results() {
		if r.Name == CheckShell && r.Pass {
			t.Error("console shell passed without answering")
		}
	}
	k := NewJudge(exp, nil)
	k.Observe(qemu.Line{Text: "Welcome to Aramid"})
	if k.Pass() {
		t.Error("passed on Welcome alone")
	}
}

func TestMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\x1b[0;1;31mFailed to acquire watch file descriptor: Operation not permitted\x1b[0m\r", "error: Failed to acquire watch file descriptor: Operation not permitted"},
		{"\x1b[0;1;38;5;185mFailed to open netlink, ignoring: Address family not supported by protocol\x1b[0m", "warning: Failed to open netlink, ignoring: Address family not supported by protocol"},
		{"[    5.160641] systemd[1]: Failed to find module 'autofs4'", "kmsg: systemd: Failed to find module 'autofs4'"},
		{"[\x1b[0;1;31mFAILED\x1b[0m] Failed to start foo.service - Foo.", "status: [FAILED] Failed to start foo.service - Foo."},
		{"\x1b[0;1;39mconsole-shell.service: Main process exited, code=exited, status=213/SECUREBITS\x1b[0m", ""},
		{"[\x1b[0;32m  OK  \x1b[0m] Reached target default.target", ""},
		{"[    2.267260] task 1/1 (init): system call rseq not implemented: ENOSYS", ""},
		{"Hostname set to <aramid>.", ""},
	}
	for _, tt := range tests {
		if got := Message(tt.in); got != tt.want {
			t.Errorf("Message(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDifferential(t *testing.T) {
	linux := []string{"kmsg: systemd: Failed to find module 'autofs4'", "warning: only on linux"}
	aramid := []string{"kmsg: systemd: Failed to find module 'autofs4'", "error: new", "warning: netlink", "error: new"}
	known := []KnownDifference{{Message: "warning: netlink", Reason: "r"}, {Message: "error: gone", Reason: "r2"}}
	d := Differential(linux, aramid, known)
	if d.Pass() || !slices.Equal(d.Unexpected, []string{"error: new"}) {
		t.Errorf("Unexpected = %q", d.Unexpected)
	}
	if len(d.Known) != 1 || d.Known[0].Message != "warning: netlink" {
		t.Errorf("Known = %v", d.Known)
	}
	if !slices.Equal(d.ReferenceOnly, []string{"warning: only on linux"}) {
		t.Errorf("ReferenceOnly = %q", d.ReferenceOnly)
	}
	if len(d.Unused) != 1 || d.Unused[0].Message != "error: gone" {
		t.Errorf("Unused = %v", d.Unused)
	}
	if d := Differential(aramid, linux[:1], nil); !d.Pass() {
		t.Errorf("subset failed: %v", d.Unexpected)
	}
}

// TestJudgeSession runs the judge against a stand-in for QEMU (a shell
// script playing a systemd boot and an interactive shell that runs what is
// typed): the judge must type its commands, accept only their output, and
// stop once all three answered. A second stand-in whose shell never
// answers must leave the shell checks failing.
func TestJudgeSession(t *testing.T) {
	dir := t.TempDir()
	boot := "#!/bin/sh\n" +
		"echo 'Welcome to Aramid (test)!'\n" +
		"echo '[  OK  ] Started console-shell.service - Aramid Console Shell.'\n" +
		"echo '[  OK  ] Reached target default.target - Aramid Default Target.'\n" +
		"echo 'Startup finished in 1s (kernel) + 1s (userspace) = 2s.'\n" +
		"echo \"" + ShellBanner + "\"\n"
	systemctl := filepath.Join(dir, "systemctl")
	if err := os.WriteFile(systemctl, []byte("#!/bin/sh\ncase \"$1\" in is-system-running) echo running;; esac\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	answering := filepath.Join(dir, "answering")
	script := boot + "export PATH=" + dir + ":$PATH\n" +
		"while read -r l; do printf '/ # %s\\n' \"$l\"; eval \"$l\"; done\n"
	if err := os.WriteFile(answering, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	exp := Expect{Welcome: "Aramid", Target: "Aramid Default Target", ConsoleShell: "Aramid Console Shell"}
	in := qemu.NewInput()
	j := NewJudge(exp, in)
	res, err := qemu.Run(context.Background(), qemu.Config{Binary: answering, Input: in, Timeout: 20 * time.Second}, j.Observe)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Pass() || !res.Stopped {
		var b strings.Builder
		j.Report(&b, "fake")
		t.Errorf("answering shell: stopped=%v\n%s\nlog:\n%s", res.Stopped, b.String(), res.Log())
	}

	silent := filepath.Join(dir, "silent")
	if err := os.WriteFile(silent, []byte(boot+"while read -r l; do echo \"/ # $l\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	in = qemu.NewInput()
	j = NewJudge(exp, in)
	res, _ = qemu.Run(context.Background(), qemu.Config{Binary: silent, Input: in, Timeout: 3 * time.Second}, j.Observe)
	if j.Pass() || res.Stopped {
		t.Errorf("a shell that only echoes passed:\n%s", res.Log())
	}
}

// TestJudgeProbes drives a judge through a whole session (nothing is
// typed: the input is nil, the judge only reads): the standard checks,
// three probes with their output between the begin and end markers (a
// kernel log line interleaved), then the power-off.
func TestJudgeProbes(t *testing.T) {
	tests := []struct {
		name     string
		mounts   string
		boots    []string
		poweroff string
		exited   bool
		fail     []string // checks that must fail
	}{
		{"all pass", "/dev/root / ext4 rw,relatime 0 0", []string{"IDX BOOT ID FIRST ENTRY LAST ENTRY",
			" -1 0123456789abcdef0123456789abcdef Mon 2026-12-07", "  0 fedcba9876543210fedcba9876543210 Mon 2026-12-07"},
			"[   12.1] reboot: Power down", true, nil},
		{"read-only root", "/dev/root / ext4 ro,relatime 0 0", []string{"  0 fedcba9876543210fedcba9876543210 Mon"},
			"aramid: power off, status 0", true, []string{"/ is ext4 rw in /proc/mounts", "journalctl --list-boots: 2 boot(s)"}},
		{"no power-off", "rootfs / rootfs rw 0 0", nil, "", false,
			[]string{"/ is ext4 rw in /proc/mounts", "journalctl --list-boots: 2 boot(s)", CheckPowerOff}},
		{"QEMU kept running", "/dev/vda3 / ext4 rw 0 0", []string{" -1 0123456789abcdef0123456789abcdef x", "  0 fedcba9876543210fedcba9876543210 y"},
			"reboot: Power down", false, []string{CheckPowerOff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := Expect{Welcome: "Aramid", Target: "Aramid Default Target", PowerOff: true,
				Probes: []Probe{RootProbe("ext4"), JournalProbe(), ListBootsProbe(2)}}
			j := NewJudge(exp, nil)
			m := j.Marker()
			log := []string{"Welcome to Aramid", "Reached target default.target - Aramid Default Target.",
				"Startup finished in 1s (kernel) + 1s (userspace) = 2s.", ShellBanner, m, "state-running",
				"begin-" + m, "end-" + m,
				"begin-" + m + "-0", "proc /proc proc rw 0 0", "[    9.000] a kernel line", tt.mounts, "end-" + m + "-0",
				"begin-" + m + "-1", "system.journal", "end-" + m + "-1",
				"begin-" + m + "-2"}
			log = append(log, tt.boots...)
			log = append(log, "end-"+m+"-2")
			if tt.poweroff != "" {
				log = append(log, tt.poweroff)
			}
			for i, l := range log {
				if j.Observe(qemu.Line{Text: l}) {
					t.Fatalf("line %d %q: the judge stopped QEMU; after a power-off QEMU must exit by itself", i, l)
				}
			}
			j.PoweredOff(tt.exited)
			var failed []string
			for _, r := range j.Results() {
				if !r.Pass {
					failed = append(failed, r.Name)
				}
			}
			if !slices.Equal(failed, tt.fail) {
				t.Errorf("failed checks %q, want %q", failed, tt.fail)
			}
		})
	}
}
