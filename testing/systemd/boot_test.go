package systemd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"aramid/imagebuild"
	"aramid/imagebuild/recipe"
	"aramid/testing/kernelbuild"
)

// knownDifferences are systemd messages Aramid's boots print and Linux's do
// not, allowed for now; each names its reason. They are listed in the test
// log on every run (nothing is hidden), and one that stops occurring is
// reported so the entry can go.
var knownDifferences = []KnownDifference{}

// TestSystemdBoots builds the systemd-v245 recipe and boots it three ways —
// -kernel/-initrd, and disk.img through GRUB under OVMF (UEFI) and SeaBIOS,
// with the root on the disk's ext4 partition (the shell must find / ext4
// read-write in /proc/mounts) —
// on the reference Linux kernel and on Aramid (GRUB starts Aramid through
// multiboot2 when the disk's default entry is Aramid's). One QEMU at a time.
// Each boot goes on into the console shell: the judge types an echo of a
// random marker, `systemctl is-system-running` (running) and `systemctl
// --failed` (nothing) and checks what the shell prints. Then, per boot
// mode, systemd's warnings and errors on Aramid must be a subset of those
// it printed on Linux (up to knownDifferences).
func TestSystemdBoots(t *testing.T) {
	repo, _ := filepath.Abs("../..")
	linux := filepath.Join(repo, "build/linux/vmlinuz")
	if _, err := os.Stat(linux); err != nil {
		t.Skip("reference kernel missing: run `make linux-ref` (make test does)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed (make deps installs it)")
	}
	r, err := recipe.Load(filepath.Join(repo, "recipes"), "systemd-v245")
	if err != nil {
		t.Fatal(err)
	}
	exp := Expect{Welcome: r.Checks.Welcome, Target: r.Checks.Target, ConsoleShell: r.Checks.ConsoleShell}
	modes := []string{"initramfs", "uefi", "bios"}
	// messages[kernel][mode] holds systemd's warnings and errors of a boot
	// (up to where its judge stopped it).
	messages := map[string]map[string][]string{"linux": {}, "aramid": {}}
	for _, k := range []string{"linux", "aramid"} {
		t.Run(k, func(t *testing.T) {
			kernel := linux
			opts := imagebuild.Options{RepoDir: repo, Epoch: time.Unix(1700000000, 0), EpochFrom: "test",
				Linux: linux, BootDefault: k}
			if k == "aramid" {
				kernel = kernelbuild.Path(t, repo)
				opts.Aramid = kernel
			}
			out := t.TempDir()
			opts.OutDir, opts.CacheDir = out, filepath.Join(out, "cache")
			if _, err := imagebuild.Build(context.Background(), r, opts); err != nil {
				t.Fatal(err)
			}
			boots := []struct {
				name string
				b    Boot
			}{
				{"initramfs", Boot{Kernel: kernel, Initrd: filepath.Join(out, "initramfs.cpio.xz"), Cmdline: r.Cmdline}},
				{"uefi", Boot{Disk: filepath.Join(out, imagebuild.DiskName), Firmware: UEFI}},
				{"bios", Boot{Disk: filepath.Join(out, imagebuild.DiskName), Firmware: BIOS}},
			}
			for _, tt := range boots {
				t.Run(tt.name, func(t *testing.T) {
					tt.b.Timeout = 180 * time.Second
					tt.b.LogFile = filepath.Join(out, "serial-"+tt.name+".log")
					e := exp
					if tt.b.Disk != "" {
						e.Probes = []Probe{RootProbe("ext4")} // GRUB's entries boot from the ext4 root
					}
					j, res, err := Run(context.Background(), tt.b, e)
					if err != nil {
						t.Errorf("boot: %v", err)
					}
					if j == nil {
						return
					}
					for _, r := range j.Results() {
						if !r.Pass {
							t.Errorf("FAIL %s (%s)", r.Name, r.Note)
						}
					}
					for _, u := range j.FailedUnits {
						t.Errorf("systemctl --failed: %s", u)
					}
					if !j.Pass() && res != nil {
						t.Logf("serial log:\n%s", res.Log())
					}
					messages[k][tt.name] = j.Messages
					if res != nil {
						t.Logf("startup: %s; %.1fs wall", j.Startup, res.Elapsed.Seconds())
					}
				})
			}
		})
	}
	for _, mode := range modes {
		t.Run("messages/"+mode, func(t *testing.T) {
			ref, ok1 := messages["linux"][mode]
			cand, ok2 := messages["aramid"][mode]
			if !ok1 || !ok2 {
				t.Skipf("needs both boots of %s (ran: linux %v, aramid %v)", mode, ok1, ok2)
			}
			d := Differential(ref, cand, knownDifferences)
			for _, m := range d.Unexpected {
				t.Errorf("systemd on Aramid only: %s", m)
			}
			for _, k := range d.Known {
				t.Logf("known difference (%s): %s", k.Reason, k.Message)
			}
			for _, k := range d.Unused {
				t.Logf("known difference no longer seen, remove it from knownDifferences: %s", k.Message)
			}
			for _, m := range d.ReferenceOnly {
				t.Logf("systemd on Linux only: %s", m)
			}
			t.Logf("%d messages on Linux, %d on Aramid", len(ref), len(cand))
		})
	}
}
