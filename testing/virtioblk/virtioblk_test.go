// Package virtioblk boots Aramid in QEMU with virtio-blk disks on PCI and
// judges the kernel's temporary disk self-check (aramid.blktest=1) against
// the disk files on the host: on `-machine pc` and `-machine q35`, through
// the modern and the legacy (disable-modern=on) interface, with MSI-X and
// with INTx (vectors=0), and with its modern BAR above 4 GiB. The first disk is writable: the kernel reads it
// (its SHA-256 must be the file's), rewrites its first half inverted from
// many goroutines and flushes; after power-off the file must hold exactly
// that. The second is read-only (readonly=on): reads match, the write
// fails with EROFS, the file is unchanged.
package virtioblk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"aramid/platform/x64/boot"
	"aramid/testing/qemu"
	"aramid/testing/srcdeps"
)

var kernelPath string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "virtioblk: qemu-system-x86_64 not found (run `make deps`)")
			return 1
		}
		fmt.Fprintln(os.Stderr, "virtioblk: qemu-system-x86_64 not found; skipping")
		return 0
	}
	if err := srcdeps.Track("kernel", "platform"); err != nil {
		fmt.Fprintln(os.Stderr, "virtioblk:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "aramid-virtioblk-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kernelPath = filepath.Join(dir, "kernel.elf")
	if err := boot.Build("aramid/kernel/cmd/aramid", kernelPath, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "virtioblk:", err)
		return 1
	}
	return m.Run()
}

const diskSize = 16 << 20

func TestVirtioBlk(t *testing.T) {
	orig := make([]byte, diskSize)
	rand.New(rand.NewSource(20261207)).Read(orig)
	sum := fmt.Sprintf("%x", sha256.Sum256(orig))
	for _, tc := range []struct {
		machine string
		dev     string // extra virtio-blk-pci properties
		legacy  bool
		intx    bool
		high    bool // a 4 GiB ivshmem BAR pushes the 64-bit BARs above 4 GiB
	}{
		{"pc", "", false, false, false},
		{"pc", ",disable-modern=on", true, false, false},
		{"q35", "", false, false, false},
		{"q35", ",disable-modern=on", true, false, false},
		{"pc", ",vectors=0", false, true, false},
		{"q35", ",disable-modern=on,vectors=0", true, true, false},
		{"pc", "", false, false, true},
	} {
		name := tc.machine + strings.ReplaceAll(tc.dev, ",", "/")
		if tc.high {
			name += "/bar-above-4g"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			rw, ro := filepath.Join(dir, "rw.img"), filepath.Join(dir, "ro.img")
			for _, p := range []string{rw, ro} {
				if err := os.WriteFile(p, orig, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg := qemu.Config{
				Kernel: kernelPath, Append: "console=ttyS0 aramid.blktest=1", Memory: "128M", Timeout: 240 * time.Second,
				Args: []string{"-machine", tc.machine,
					"-drive", "file=" + rw + ",if=none,id=d0,format=raw",
					"-device", "virtio-blk-pci,drive=d0" + tc.dev,
					"-drive", "file=" + ro + ",if=none,id=d1,format=raw,readonly=on",
					"-device", "virtio-blk-pci,drive=d1" + tc.dev},
			}
			if tc.high {
				cfg.Args = append(cfg.Args, "-object", "memory-backend-ram,id=hm,size=4G", "-device", "ivshmem-plain,memdev=hm")
			}
			res, err := qemu.Run(context.Background(), cfg, nil)
			if err != nil {
				if res != nil {
					t.Logf("serial log:\n%s", res.Log())
				}
				t.Fatalf("%s: %v", cfg.CommandLine(), err)
			}
			log := res.Log()
			kind, irq := "modern", "MSI-X"
			if tc.legacy {
				kind = "legacy"
			}
			if tc.intx {
				irq = "INTx"
			}
			for _, re := range []string{
				`pci 0000:00:[0-9a-f]{2}\.0: \[1af4:1001\] type 00 class 0x010000`,
				`virtio_blk virtio\d: \[vda\] 32768 512-byte logical blocks \(16\.8 MB/16\.0 MiB\)`,
				`virtio_blk virtio\d: ` + kind + ` virtio-pci, ` + irq,
				`virtio_blk virtio\d: \[vdb\] write-protected`,
				`BLKTEST vda sha256=` + sum,
				`BLKTEST vda concurrent reads ok`,
				`BLKTEST vda wrote inverted first 8388608 bytes, flushed, read back ok`,
				`BLKTEST vdb sha256=` + sum,
				`BLKTEST vdb write refused: EROFS`,
				`BLKTEST END ok`,
			} {
				if !regexp.MustCompile(re).MatchString(log) {
					t.Errorf("serial log lacks %s", re)
				}
			}
			if tc.high && !regexp.MustCompile(`pci 0000:00:[0-9a-f]{2}\.0: BAR 4 \[mem 0x[1-9a-f][0-9a-f]{8,}-0x[0-9a-f]+ 64bit pref\]`).MatchString(log) {
				t.Error("no virtio BAR above 4 GiB: the case does not test what it should")
			}
			if tc.machine == "q35" && !strings.Contains(log, "PCI: MMCONFIG for domain 0000 [bus 00-ff] at [mem 0xb0000000-0xbfffffff] (base 0xb0000000)") {
				t.Error("q35: configuration space not reached through ECAM from MCFG")
			}
			if res.ExitCode != 0 {
				t.Errorf("QEMU exit code %d, want 0", res.ExitCode)
			}
			if m := regexp.MustCompile(`BLKTEST vda seqread .*MBps=([0-9.]+)`).FindStringSubmatch(log); m != nil {
				t.Logf("sequential read: %s MB/s", m[1])
			}
			// The effect on the host's files.
			got, err := os.ReadFile(rw)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]byte(nil), orig...)
			for i := 0; i < diskSize/2; i++ {
				want[i] = ^want[i]
			}
			if !bytes.Equal(got, want) {
				t.Error("the writable disk file does not hold the inverted first half and the untouched second half")
			}
			if got, _ := os.ReadFile(ro); !bytes.Equal(got, orig) {
				t.Error("the read-only disk file changed")
			}
			if t.Failed() {
				t.Logf("serial log:\n%s", log)
			}
		})
	}
}
