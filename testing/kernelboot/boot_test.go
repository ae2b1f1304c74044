// Package kernelboot boots the Aramid kernel in QEMU (TCG) and judges the
// serial log: the in-kernel self-checks, the plain boot, and the panic path.
package kernelboot

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/cpio"
	"aramid/platform/x64/boot"
	"aramid/testing/qemu"
	"aramid/testing/srcdeps"
)

var kernelPath string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "kernelboot: qemu-system-x86_64 not found (run `make deps`)")
			return 1
		}
		fmt.Fprintln(os.Stderr, "kernelboot: qemu-system-x86_64 not found; skipping QEMU boot tests (make deps installs it)")
		return 0
	}
	if err := srcdeps.Track("kernel", "platform"); err != nil {
		fmt.Fprintln(os.Stderr, "kernelboot:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "aramid-kernelboot-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kernelPath = filepath.Join(dir, "kernel.elf")
	if err := boot.Build("aramid/kernel/cmd/aramid", kernelPath, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kernelboot:", err)
		return 1
	}
	return m.Run()
}

func bootKernel(t *testing.T, appendLine string, timeout time.Duration, judge qemu.Judge) *qemu.Result {
	t.Helper()
	cfg := qemu.Config{Kernel: kernelPath, Append: appendLine, Memory: "128M", Timeout: timeout}
	res, err := qemu.Run(context.Background(), cfg, judge)
	if err != nil {
		if res != nil {
			t.Logf("serial log:\n%s", res.Log())
		}
		t.Fatalf("%s: %v", cfg.CommandLine(), err)
	}
	return res
}

// TestSelftest runs aramid.selftest=1: every check must pass, the END line
// must come, and the kernel must power off with status 0.
func TestSelftest(t *testing.T) {
	var failures []string
	res := bootKernel(t, "console=ttyS0 aramid.selftest=1", 180*time.Second, func(l qemu.Line) bool {
		if strings.HasPrefix(l.Text, "SELFTEST FAIL") {
			failures = append(failures, l.Text)
		}
		return false // the kernel powers off by itself
	})
	log := res.Log()
	for _, f := range failures {
		t.Error(f)
	}
	end := regexp.MustCompile(`SELFTEST END passed=(\d+) failed=(\d+)`).FindStringSubmatch(log)
	if end == nil {
		t.Fatalf("no SELFTEST END line (exit code %d); serial log:\n%s", res.ExitCode, log)
	}
	if end[2] != "0" || end[1] == "0" {
		t.Errorf("SELFTEST END passed=%s failed=%s", end[1], end[2])
	}
	if res.ExitCode != 0 {
		t.Errorf("QEMU exit code %d, want 0 (clean ACPI power-off)", res.ExitCode)
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}

// TestNoInit boots without an initramfs: the banner, the command line, then
// Linux's verdict when no init can be run, and a non-zero status.
func TestNoInit(t *testing.T) {
	res := bootKernel(t, "console=ttyS0 init=/sbin/init unknown.key=1", 60*time.Second, nil)
	log := res.Log()
	for _, want := range []string{
		"Aramid: nucleus entered",
		"Aramid 0.1.0 (go1.26",
		"Command line: console=ttyS0 init=/sbin/init unknown.key=1",
		// No initramfs /init and no root=: Linux's prepare_namespace
		// finds no root device.
		`VFS: Cannot open root device "(null)" or unknown-block(0,0): error -6`,
		"Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("serial log lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^\[\s+\d+\.\d{6}\] Aramid 0\.1\.0`).MatchString(log) {
		t.Error("boot log lines lack Linux-style [    s.uuuuuu] timestamps")
	}
	if status, ok := qemu.DebugExitStatus(res.ExitCode); !ok || status == 0 {
		t.Errorf("QEMU exit code %d, want a failure status", res.ExitCode)
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}

// TestInitProgram runs a static program as PID 1 from an initramfs: its
// output reaches the console and its exit status becomes QEMU's.
func TestInitProgram(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "init.c")
	os.WriteFile(src, []byte(`#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) { printf("init: pid %d argv0 %s\n", getpid(), argv[0]); return 42; }
`), 0o644)
	bin := filepath.Join(dir, "init")
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	initrd := filepath.Join(dir, "initrd.cpio")
	if err := writeInitrd(initrd, bin); err != nil {
		t.Fatal(err)
	}
	cfg := qemu.Config{Kernel: kernelPath, Initrd: initrd, Append: "console=ttyS0", Timeout: 60 * time.Second}
	res, err := qemu.Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := res.Log()
	if !strings.Contains(log, "init: pid 1 argv0 /init") {
		t.Errorf("PID 1's output missing")
	}
	if status, ok := qemu.DebugExitStatus(res.ExitCode); !ok || status != 42 {
		t.Errorf("QEMU exit code %d, want PID 1's status 42 (exit code 85)", res.ExitCode)
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}

// writeInitrd writes a newc archive holding /init and /dev/console.
func writeInitrd(path, initBin string) error {
	data, err := os.ReadFile(initBin)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := cpio.NewWriter(f)
	for _, h := range []*cpio.Header{
		{Name: "dev", Ino: 1, Mode: 0o40755, Nlink: 2},
		{Name: "dev/console", Ino: 2, Mode: 0o20600, Nlink: 1, RdevMajor: 5, RdevMinor: 1},
	} {
		if err := w.WriteHeader(h); err != nil {
			return err
		}
	}
	if err := w.WriteHeader(&cpio.Header{Name: "init", Ino: 3, Mode: 0o100755, Nlink: 1, Size: int64(len(data))}); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Close()
}

// TestPageFaultReport makes kernel Go code write to an unmapped address: the
// nucleus reports the fault (vector, error code, address, registers), the Go
// runtime prints its trace with symbol names, and QEMU exits non-zero
// within 10 s.
func TestPageFaultReport(t *testing.T) {
	start := time.Now()
	res := bootKernel(t, "console=ttyS0 aramid.testfault=pagefault", 60*time.Second, nil)
	elapsed := time.Since(start)
	log := res.Log()
	for _, want := range []string{
		"#PF page fault",
		"addr=0xffffc08000001000 err=0x2",
		"RIP=", "RSP=", "RAX=", "R15=", "CR3=",
		"fatal error: fault",
		"[signal SIGSEGV: segmentation violation code=0x1 addr=0xffffc08000001000",
		"aramid/platform/x64/nucleus.FaultOnPurpose()",
		"main.main()",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("fault report lacks %q", want)
		}
	}
	status, ok := qemu.DebugExitStatus(res.ExitCode)
	if !ok || status == 0 {
		t.Errorf("QEMU exit code %d: want a non-zero kernel status", res.ExitCode)
	}
	if elapsed > 10*time.Second {
		t.Errorf("fault to exit took %v, want under 10s", elapsed)
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}

// TestNucleusFaultReport faults inside the nucleus itself (a runtime system
// call with an unmapped pointer): no Go handler can take that, so the nucleus
// prints a panic report and powers off with the panic status.
func TestNucleusFaultReport(t *testing.T) {
	res := bootKernel(t, "console=ttyS0 aramid.testfault=nucleus", 60*time.Second, nil)
	log := res.Log()
	for _, want := range []string{
		"KERNEL PANIC: unhandled exception: #PF page fault (vector 14)",
		"(in the nucleus)",
		"RIP=", "CR2 0xffffc08000002000",
		"call stack (frame pointers)",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("panic report lacks %q", want)
		}
	}
	if status, ok := qemu.DebugExitStatus(res.ExitCode); !ok || status != 127 {
		t.Errorf("QEMU exit code %d: want status 127 (exit code 255)", res.ExitCode)
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}

// TestMultiboot2ViaGRUB boots the same image through GRUB's multiboot2
// loader (a BIOS GRUB rescue ISO) and runs the self-checks.
func TestMultiboot2ViaGRUB(t *testing.T) {
	if _, err := exec.LookPath("grub-mkrescue"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("grub-mkrescue not found (run `make deps`)")
		}
		t.Skip("grub-mkrescue not found; make deps installs it")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "iso")
	if err := os.MkdirAll(filepath.Join(root, "boot", "grub"), 0o755); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(kernelPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "boot", "aramid.elf"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "set timeout=0\nserial --unit=0 --speed=115200\nterminal_output serial\n" +
		"menuentry Aramid {\n  multiboot2 /boot/aramid.elf console=ttyS0 aramid.selftest=1\n  boot\n}\n"
	if err := os.WriteFile(filepath.Join(root, "boot", "grub", "grub.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	iso := filepath.Join(dir, "aramid.iso")
	if out, err := exec.Command("grub-mkrescue", "-o", iso, root).CombinedOutput(); err != nil {
		t.Fatalf("grub-mkrescue: %v\n%s", err, out)
	}
	res, err := qemu.Run(context.Background(), qemu.Config{Args: []string{"-cdrom", iso}, Timeout: 180 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := res.Log()
	for _, want := range []string{"booted via multiboot2", "SELFTEST END passed=11 failed=0"} {
		if !strings.Contains(log, want) {
			t.Errorf("serial log lacks %q", want)
		}
	}
	if res.ExitCode != 0 {
		t.Errorf("QEMU exit code %d, want 0", res.ExitCode)
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}
