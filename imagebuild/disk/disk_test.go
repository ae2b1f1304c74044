package disk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/partition/gpt"

	"aramid/imagebuild/disk/grub"
	"aramid/imagebuild/tree"
)

func need(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs it)", tool)
		}
	}
}

func spec(epoch int64) Spec {
	tr := tree.New()
	tr.Add(tree.Entry{Path: "/usr/bin/x", Type: tree.Regular, Mode: 0o755, Data: []byte("x")})
	tr.Add(tree.Entry{Path: "/dev/console", Type: tree.CharDev, Mode: 0o600, Major: 5, Minor: 1})
	return Spec{Seed: "test-seed", Epoch: time.Unix(epoch, 0), Tree: tr,
		Files:   []ESPFile{{Path: "/boot/vmlinuz", Data: bytes.Repeat([]byte("k"), 100000)}},
		Entries: []grub.Entry{{ID: "linux", Title: "Linux", Kernel: "/boot/vmlinuz", Initrd: "/boot/i", Cmdline: "console=ttyS0"}},
		Default: "linux"}
}

func TestDisk(t *testing.T) {
	need(t, "grub-mkimage", "e2fsck", "fsck.fat")
	dir := t.TempDir()
	a := filepath.Join(dir, "a.img")
	l, err := Write(context.Background(), a, spec(1000))
	if err != nil {
		t.Fatal(err)
	}
	img, _ := os.ReadFile(a)
	if l.ESPSize < 33<<20 {
		t.Errorf("ESP %d bytes, want >= 33 MiB", l.ESPSize)
	}
	esp := filepath.Join(dir, "esp")
	os.WriteFile(esp, img[l.ESPStart:l.ESPStart+l.ESPSize], 0o644)
	if out, err := exec.Command("fsck.fat", "-n", esp).CombinedOutput(); err != nil {
		t.Errorf("fsck.fat -n: %v\n%s", err, out)
	}
	root := filepath.Join(dir, "root")
	os.WriteFile(root, img[l.RootStart:l.RootStart+l.RootSize], 0o644)
	if out, err := exec.Command("e2fsck", "-fn", root).CombinedOutput(); err != nil {
		t.Errorf("e2fsck -fn: %v\n%s", err, out)
	}
	f, _ := os.Open(a)
	defer f.Close()
	tb, err := gpt.Read(file.New(f, true), 512, 512)
	if err != nil {
		t.Fatal(err)
	}
	if tb.GUID != l.DiskGUID || len(tb.Partitions) < 3 || tb.Partitions[0].Type != gpt.BIOSBoot ||
		tb.Partitions[1].Type != gpt.EFISystemPartition || tb.Partitions[2].GUID != l.RootGUID {
		t.Errorf("GPT = %+v", tb)
	}
	if want := RootPartUUID("test-seed"); tb.Partitions[2].GUID != strings.ToUpper(want) || want != strings.ToLower(want) {
		t.Errorf("root partition GUID %s, RootPartUUID %s (want the same GUID, in lower case)", tb.Partitions[2].GUID, want)
	}
	if string(img[510:512]) != "\x55\xaa" || !bytes.Contains(img[:440], []byte("GRUB")) {
		t.Error("MBR lacks GRUB's boot code")
	}
	// Same inputs at another time: same bytes. Another epoch: different (control).
	b := filepath.Join(dir, "b.img")
	if _, err := Write(context.Background(), b, spec(1000)); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(dir, "c.img")
	if _, err := Write(context.Background(), c, spec(2000)); err != nil {
		t.Fatal(err)
	}
	if h(t, a) != h(t, b) {
		t.Error("two builds of the same spec differ")
	}
	if h(t, a) == h(t, c) {
		t.Error("control: a different epoch gives the same disk")
	}
	if _, err := Write(context.Background(), a, spec(1000)); err == nil {
		t.Error("Write over an existing file succeeded")
	}
}

func h(t *testing.T, f string) [32]byte {
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
