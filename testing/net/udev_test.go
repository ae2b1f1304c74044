package net

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"aramid/imagebuild/cpio"
	"aramid/imagebuild/harvest"
	"aramid/imagebuild/tree"
	"aramid/testing/contract"
	"aramid/testing/qemu"
)

// udevRoot is where Debian's udev package is extracted (repository
// relative): usr/bin/udevadm is taken from it, its shared libraries from
// the host.
const udevRoot = "build/udev/root"

// udevInit starts `udevadm monitor --kernel --property`, waits for its
// banner (it has bound its NETLINK_KOBJECT_UEVENT socket by then), writes
// actions to two devices' uevent attributes, waits for both events and
// prints what the monitor printed. Every wait is bounded.
const udevInit = `#!/bin/sh
export PATH=/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
udevadm monitor --kernel --property >/tmp/mon 2>/tmp/mon.err &
pid=$!
n=0
until grep -q "^KERNEL - the kernel uevent" /tmp/mon; do
	n=$((n+1))
	if [ $n -gt 500 ]; then echo "UDEVTEST FAIL no monitor banner"; break; fi
	usleep 20000
done
echo add >/sys/class/net/lo/uevent || echo "UDEVTEST FAIL write lo uevent"
echo change >/sys/devices/virtual/tty/console/uevent || echo "UDEVTEST FAIL write console uevent"
n=0
until [ "$(grep -c '^KERNEL\[' /tmp/mon)" -ge 2 ]; do
	n=$((n+1))
	if [ $n -gt 500 ]; then echo "UDEVTEST FAIL events missing"; break; fi
	usleep 20000
done
kill $pid
wait $pid
sed 's/^/UDEVTEST out: /' /tmp/mon
sed 's/^/UDEVTEST err: /' /tmp/mon.err
echo "UDEVTEST done"
poweroff -f
`

// fetchUdev extracts Debian's udev package (apt-get download, dpkg-deb
// -x) and puts udevadm at usr/bin/udevadm under dir, once.
func fetchUdev(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "usr/bin/udevadm")); err == nil {
		return nil
	}
	debs := filepath.Join(filepath.Dir(dir), "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return err
	}
	dl := func() error {
		cmd := exec.Command("apt-get", "download", "-q", "udev")
		cmd.Dir = debs
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get download udev: %v\n%s", err, out)
		}
		return nil
	}
	if err := dl(); err != nil {
		if out, err := exec.Command("apt-get", "update", "-qq").CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get update: %v\n%s", err, out)
		}
		if err := dl(); err != nil {
			return err
		}
	}
	found, _ := filepath.Glob(filepath.Join(debs, "udev_*.deb"))
	if len(found) == 0 {
		return fmt.Errorf("no udev .deb in %s", debs)
	}
	x := filepath.Join(filepath.Dir(dir), "x")
	os.RemoveAll(x)
	if out, err := exec.Command("dpkg-deb", "-x", found[len(found)-1], x).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb -x: %v\n%s", err, out)
	}
	defer os.RemoveAll(x)
	data, err := os.ReadFile(filepath.Join(x, "bin/udevadm"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "usr/bin"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "usr/bin/udevadm"), data, 0o755)
}

// writeUdevInitrd builds the udev test's initramfs: udevadm with its
// library closure, busybox and its applets in /usr/bin, and udevInit.
func writeUdevInitrd(file, root string) error {
	t := tree.New()
	h, err := harvest.NewOverlay("/", root, "udev .deb", t)
	if err != nil {
		return err
	}
	add := func(e tree.Entry) error {
		e.Origin = "generated"
		return t.Add(e)
	}
	for _, l := range [][2]string{{"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib64"}} {
		if err := add(tree.Entry{Path: l[0], Type: tree.Symlink, Mode: 0o777, Target: l[1]}); err != nil {
			return err
		}
	}
	if err := h.Binary("/usr/bin/udevadm"); err != nil {
		return err
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	if err := add(tree.Entry{Path: "usr/bin/busybox", Type: tree.Regular, Mode: 0o755, Data: bb}); err != nil {
		return err
	}
	out, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return err
	}
	for _, a := range strings.Fields(string(out)) {
		if _, ok := t.Get("usr/bin/" + a); ok || a == "busybox" {
			continue
		}
		if err := add(tree.Entry{Path: "usr/bin/" + a, Type: tree.Symlink, Mode: 0o777, Target: "busybox"}); err != nil {
			return err
		}
	}
	for _, d := range []string{"proc", "sys", "dev", "tmp", "run", "etc"} {
		if err := add(tree.Entry{Path: d, Type: tree.Dir, Mode: 0o755}); err != nil {
			return err
		}
	}
	if err := add(tree.Entry{Path: "dev/console", Type: tree.CharDev, Mode: 0o600, Major: 5, Minor: 1}); err != nil {
		return err
	}
	if err := add(tree.Entry{Path: "init", Type: tree.Regular, Mode: 0o755, Data: []byte(udevInit)}); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := cpio.WriteTree(w, t, time.Unix(0, 0)); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestUdevMonitor runs udev's netlink monitor (`udevadm monitor --kernel
// --property`, Debian's udevadm) in the guest: it must print the uevents
// that writing "add" to lo's and "change" to the console's uevent
// attribute makes, exactly as on Linux (the monitor's receive time and
// SEQNUM aside).
func TestUdevMonitor(t *testing.T) {
	repo, _ := filepath.Abs("../..")
	linux := filepath.Join(repo, "build/linux/vmlinuz")
	root := filepath.Join(repo, udevRoot)
	if err := fetchUdev(root); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skipf("no udevadm: %v", err)
	}
	initrd := filepath.Join(t.TempDir(), "udev.cpio")
	if err := writeUdevInitrd(initrd, root); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	out := map[string][]string{}
	t.Run("boot", func(t *testing.T) {
		for _, k := range []string{"aramid", "linux"} {
			t.Run(k, func(t *testing.T) {
				t.Parallel()
				kernel, appendLine := aramidKernel, "console=ttyS0"
				if k == "linux" {
					if _, err := os.Stat(linux); err != nil {
						t.Skip("reference kernel missing: run `make linux-ref` (make test does)")
					}
					kernel, appendLine = linux, "console=ttyS0 loglevel=4 panic=-1"
				}
				cfg := qemu.Config{Kernel: kernel, Initrd: initrd, Append: appendLine, Memory: "256M", Timeout: 120 * time.Second}
				res, err := qemu.Run(context.Background(), cfg, func(l qemu.Line) bool { return strings.Contains(l.Text, "UDEVTEST done") })
				var lines []string
				if res != nil {
					for _, l := range res.Lines {
						lines = append(lines, l.Text)
					}
				}
				log := strings.Join(lines, "\n")
				if err != nil || !strings.Contains(log, "UDEVTEST done") || strings.Contains(log, "UDEVTEST FAIL") {
					t.Fatalf("%s: %v\nserial log:\n%s", cfg.CommandLine(), err, log)
				}
				if os.Getenv("NETTEST_LOG") != "" {
					t.Logf("serial log:\n%s", log)
				}
				if !regexp.MustCompile(`UDEVTEST out: KERNEL\[[0-9.]+\] add +/devices/virtual/net/lo \(net\)`).MatchString(log) {
					t.Errorf("udevadm did not print lo's add event:\n%s", log)
				}
				mu.Lock()
				out[k] = udevTranscript(lines)
				mu.Unlock()
			})
		}
	})
	if a, l := out["aramid"], out["linux"]; a != nil && l != nil {
		if d := contract.Diff(l, a); d != "" {
			t.Errorf("udevadm's output differs from Linux's (- Linux, + Aramid):\n%s", d)
		}
	}
}

// udevTranscript is udevadm's output with the receive times and sequence
// numbers (which differ between any two boots) normalised.
func udevTranscript(lines []string) []string {
	var out []string
	tm := regexp.MustCompile(`^KERNEL\[[0-9.]+\]`)
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		i := strings.Index(l, "UDEVTEST ")
		if i < 0 || strings.Contains(l, "UDEVTEST done") {
			continue
		}
		l = l[i:]
		body := strings.TrimPrefix(l, "UDEVTEST out: ")
		if body != l {
			body = tm.ReplaceAllString(body, "KERNEL[T]")
			if strings.HasPrefix(body, "SEQNUM=") {
				body = "SEQNUM=N"
			}
			l = "UDEVTEST out: " + body
		}
		out = append(out, l)
	}
	return out
}
