package systemd

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild/cpio"
	"aramid/testing/kernelbuild"
	"aramid/testing/qemu"
)

// noConsoleInit is PID 1 of an initramfs that has no /dev and no /root: it
// reports on its standard output what its standard input is and what the
// kernel's built-in initramfs provided, then powers off.
const noConsoleInit = `#!/bin/busybox sh
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb echo "noconsole: console=$($bb stat -c '%F %t:%T %a %u:%g' /dev/console) dev=$($bb stat -c '%F %a' /dev) root=$($bb stat -c '%F %a' /root) stdin=$($bb readlink /proc/self/fd/0) stderr=$($bb readlink /proc/self/fd/2)"
$bb poweroff -f
`

// TestInitramfsWithoutConsole boots an initramfs holding only busybox, /proc
// and /init, no /dev/console, on Linux and Aramid. Linux unpacks its
// built-in initramfs (/dev, /dev/console c 5 1 0600, /root 0700) first, so
// PID 1 still gets the console as stdin, stdout and stderr: both kernels
// must print the same report line (Linux's is the expectation).
func TestInitramfsWithoutConsole(t *testing.T) {
	repo, linux, _ := bootable(t, "busybox")
	f, err := elf.Open("/bin/busybox")
	if err != nil {
		t.Skipf("no /bin/busybox: %v", err)
	}
	static := true
	for _, p := range f.Progs {
		static = static && p.Type != elf.PT_INTERP
	}
	f.Close()
	if !static {
		t.Skip("/bin/busybox is not static (make deps installs busybox-static)")
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	add := func(h cpio.Header, body []byte) {
		h.Size, h.Nlink = int64(len(body)), 1
		if err := w.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	add(cpio.Header{Name: "bin", Ino: 1, Mode: 0o40755}, nil)
	add(cpio.Header{Name: "bin/busybox", Ino: 2, Mode: 0o100755}, bb)
	add(cpio.Header{Name: "proc", Ino: 3, Mode: 0o40555}, nil)
	add(cpio.Header{Name: "init", Ino: 4, Mode: 0o100755}, []byte(noConsoleInit))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	initrd := filepath.Join(t.TempDir(), "noconsole.cpio")
	if err := os.WriteFile(initrd, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	reports := map[string]string{}
	for _, k := range []struct{ name, path string }{{"linux", linux}, {"aramid", ""}} {
		path := k.path
		if path == "" {
			path = kernelbuild.Path(t, repo)
		}
		judge := func(l qemu.Line) bool {
			s := Clean(l.Text)
			if strings.HasPrefix(s, "noconsole: ") {
				reports[k.name] = s
			}
			return strings.Contains(s, "reboot: Power down") || strings.Contains(s, "aramid: power off") ||
				strings.Contains(s, "Kernel panic")
		}
		res, err := qemu.Run(context.Background(), qemu.Config{Kernel: path, Initrd: initrd,
			Append: "console=ttyS0 rdinit=/init", Memory: "256M", Timeout: 90 * time.Second, NoDebugExit: true}, judge)
		if err != nil {
			t.Fatalf("%s: %v", k.name, err)
		}
		if reports[k.name] == "" {
			t.Errorf("%s: PID 1 printed nothing on its standard output; serial log:\n%s", k.name, res.Log())
		}
	}
	if reports["linux"] != "" && reports["aramid"] != reports["linux"] {
		t.Errorf("report differs:\n linux:  %s\n aramid: %s", reports["linux"], reports["aramid"])
	}
	t.Logf("%s", reports["linux"])
}
