package systemd

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild"
	"aramid/testing/kernelbuild"
	"aramid/testing/qemu"
)

var selftestEnd = regexp.MustCompile(`SELFTEST END passed=(\d+) failed=(\d+)`)

// TestDiskBootsAramid builds a disk image holding both kernels with GRUB's
// default set to the Aramid entry (mkimage --boot-default aramid
// --aramid-append aramid.selftest=1), boots it under SeaBIOS and checks that
// GRUB's multiboot2 loader started Aramid, which ran its self-checks with
// none failing. The kernel is built afresh into a temporary directory.
func TestDiskBootsAramid(t *testing.T) {
	repo, linux, r := bootable(t, "busybox")
	if _, err := exec.LookPath("grub-mkimage"); err != nil {
		t.Skip("grub-mkimage not installed (make deps installs it)")
	}
	kernel := kernelbuild.Path(t, repo)
	dir := t.TempDir()
	out := filepath.Join(dir, "img")
	_, err := imagebuild.Build(context.Background(), r, imagebuild.Options{
		RepoDir: repo, OutDir: out, CacheDir: filepath.Join(repo, "build", "cache"), Formats: []string{"disk"},
		Epoch: time.Unix(1700000000, 0), EpochFrom: "test", Linux: linux, Aramid: kernel,
		BootDefault: "aramid", AramidAppend: "aramid.selftest=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	judge := func(l qemu.Line) bool {
		s := Clean(l.Text)
		return selftestEnd.MatchString(s) || strings.Contains(s, "Linux version") || strings.Contains(s, "panic")
	}
	res, err := qemu.Run(context.Background(), qemu.Config{Memory: "256M", Timeout: 180 * time.Second,
		LogFile: filepath.Join(dir, "serial.log"),
		Args:    []string{"-drive", "file=" + filepath.Join(out, imagebuild.DiskName) + ",format=raw,if=virtio,snapshot=on"}}, judge)
	if err != nil {
		t.Fatal(err)
	}
	log := res.Log()
	if !strings.Contains(log, "booted via multiboot2") {
		t.Error("serial log lacks \"booted via multiboot2\"")
	}
	if !strings.Contains(log, "aramid.selftest=1") {
		t.Error("the Aramid entry's command line did not reach the kernel")
	}
	m := selftestEnd.FindStringSubmatch(log)
	switch {
	case m == nil:
		t.Error("no SELFTEST END line")
	case m[2] != "0" || m[1] == "0":
		t.Errorf("%s", m[0])
	default:
		t.Logf("%s, %.1fs from power-on", m[0], res.Elapsed.Seconds())
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}
