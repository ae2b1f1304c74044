package kernelboot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/cpio"
	"aramid/testing/qemu"
)

// cpuModels are the older QEMU CPU models Aramid must boot on, as Linux
// does: qemu64, Nehalem and Westmere have no XSAVE (FPU state is FXSAVE's
// 512-byte image there), SandyBridge has XSAVE and AVX but no RDRAND,
// SMEP, SMAP or FSGSBASE. A CPU neither kernel can use (qemu32, without
// long mode) is refused in one line: see TestBootMatrix.
var cpuModels = []string{"qemu64", "Nehalem", "Westmere", "SandyBridge"}

// TestCPUModels boots each older model twice: the in-kernel self-checks
// must all pass and power off cleanly, and a busybox shell as PID 1 must
// answer a typed command (user programs, the console, exec and the FPU
// save path on that CPU).
func TestCPUModels(t *testing.T) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	initrd := filepath.Join(t.TempDir(), "shell.cpio")
	if err := writeShellInitrd(initrd, busybox); err != nil {
		t.Fatal(err)
	}
	for _, model := range cpuModels {
		t.Run(model+"/selftest", func(t *testing.T) { cpuSelftest(t, model, 1) })
		t.Run(model+"/shell", func(t *testing.T) { cpuShell(t, model, initrd) })
	}
	// Application processors set up their FPU state as the boot CPU does
	// (and the boot log's per-CPU line must not read XCR0 without XSAVE).
	t.Run("qemu64/smp2/selftest", func(t *testing.T) { cpuSelftest(t, "qemu64", 2) })
}

// cpuSelftest boots aramid.selftest=1 on model with smp CPUs: every check
// passes and the kernel powers off with status 0.
func cpuSelftest(t *testing.T, model string, smp int) {
	var failures []string
	cfg := qemu.Config{Kernel: kernelPath, Append: "console=ttyS0 aramid.selftest=1", Memory: "128M",
		Timeout: 240 * time.Second, CPU: model, SMP: smp, MultiThreadTCG: smp > 1}
	res, err := qemu.Run(context.Background(), cfg, func(l qemu.Line) bool {
		if strings.HasPrefix(l.Text, "SELFTEST FAIL") {
			failures = append(failures, l.Text)
		}
		return false
	})
	if err != nil {
		t.Fatalf("%s: %v", cfg.CommandLine(), err)
	}
	log := res.Log()
	for _, f := range failures {
		t.Error(f)
	}
	end := regexp.MustCompile(`SELFTEST END passed=(\d+) failed=(\d+)`).FindStringSubmatch(log)
	switch {
	case end == nil:
		t.Errorf("-cpu %s: no SELFTEST END line (exit code %d)", model, res.ExitCode)
	case end[2] != "0" || end[1] == "0":
		t.Errorf("-cpu %s: SELFTEST END passed=%s failed=%s", model, end[1], end[2])
	default:
		t.Logf("-cpu %s: SELFTEST END passed=%s failed=0", model, end[1])
	}
	// Status 0: the ACPI power-off (exit code 0), or, when a loaded
	// host keeps QEMU from finishing it within the nucleus's one
	// second, the debug-exit fallback with status 0 (exit code 1).
	if status, ok := qemu.DebugExitStatus(res.ExitCode); !ok || status != 0 {
		t.Errorf("-cpu %s: QEMU exit code %d, want a status-0 power-off", model, res.ExitCode)
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}

// cpuShell boots the busybox initramfs on model and types a command.
func cpuShell(t *testing.T, model, initrd string) {
	in := qemu.NewInput()
	cfg := qemu.Config{Kernel: kernelPath, Initrd: initrd, Append: "console=ttyS0", Memory: "128M",
		Timeout: 120 * time.Second, CPU: model, Input: in}
	answered := false
	res, err := qemu.Run(context.Background(), cfg, func(l qemu.Line) bool {
		switch strings.TrimSpace(l.Text) {
		case "shell-ready":
			// The shell computes the answer: the echoed command
			// line itself does not contain it.
			if err := in.Send("echo cpu-$((6*7))-ok\n"); err != nil {
				t.Errorf("Send: %v", err)
			}
		case "cpu-42-ok":
			answered = true
			return true
		}
		return false
	})
	if err != nil {
		t.Fatalf("%s: %v", cfg.CommandLine(), err)
	}
	if !answered {
		t.Errorf("-cpu %s: the shell never answered the typed command; serial log:\n%s", model, res.Log())
	}
}

// writeShellInitrd writes a newc archive whose /init is a busybox shell
// script that says it is ready and then runs an interactive shell on the
// console.
func writeShellInitrd(path, busybox string) error {
	data, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	script := "#!/bin/sh\necho shell-ready\nexec /bin/sh\n"
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := cpio.NewWriter(f)
	entries := []struct {
		h    cpio.Header
		body []byte
	}{
		{cpio.Header{Name: "dev", Mode: 0o40755, Nlink: 2}, nil},
		{cpio.Header{Name: "dev/console", Mode: 0o20600, Nlink: 1, RdevMajor: 5, RdevMinor: 1}, nil},
		{cpio.Header{Name: "bin", Mode: 0o40755, Nlink: 2}, nil},
		{cpio.Header{Name: "bin/busybox", Mode: 0o100755, Nlink: 1}, data},
		{cpio.Header{Name: "bin/sh", Mode: cpio.TypeSymlink | 0o777, Nlink: 1}, []byte("busybox")},
		{cpio.Header{Name: "init", Mode: 0o100755, Nlink: 1}, []byte(script)},
	}
	for i, e := range entries {
		h := e.h
		h.Ino = uint64(i + 1)
		h.Size = int64(len(e.body))
		if err := w.WriteHeader(&h); err != nil {
			return err
		}
		if _, err := w.Write(e.body); err != nil {
			return err
		}
	}
	return w.Close()
}
