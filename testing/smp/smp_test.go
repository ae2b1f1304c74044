// Package smp boots the reference Linux kernel and Aramid with four CPUs
// (multi-threaded TCG) and judges guest/smpprobe.c, PID 1 of both boots:
// the CPU count every interface reports, parallel CPU time, pinning,
// futex and pipe ping-pong between pinned threads, a munmap seen by another
// thread, and a fork/exec/munmap storm. On Aramid it also judges the
// nucleus's boot lines for the application processors.
//
// Every CPU Aramid starts runs threads, so every interface must say four
// CPUs (two with maxcpus=2), and the same checks are judged on both
// kernels: parallel CPU time, pinning, ping-pong between pinned threads.
package smp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"aramid/testing/contract"
	"aramid/testing/kernelbuild"
	"aramid/testing/qemu"
)

// cpus is the guest's CPU count in every boot of this test.
const cpus = 4

// probe is what one boot of smpprobe printed: key → the rest of the line.
type probe map[string]string

func (p probe) ints(t *testing.T, kernel, key string, re *regexp.Regexp) []int {
	t.Helper()
	m := re.FindStringSubmatch(p[key])
	if m == nil {
		t.Errorf("%s: smpprobe %s line %q does not match %s", kernel, key, p[key], re)
		return nil
	}
	var v []int
	for _, s := range m[1:] {
		n, _ := strconv.Atoi(s)
		v = append(v, n)
	}
	return v
}

var (
	spinRE     = regexp.MustCompile(`^cpu/wall x100 (\d+) rusage-cpu/wall x100 (\d+) distinct-cpus (\d+)$`)
	pinnedRE   = regexp.MustCompile(`^cpus (\d+) wrong-cpu (\d+)$`)
	unmappedRE = regexp.MustCompile(`^rounds (\d+) faulted (\d+)$`)
	ipiRE      = regexp.MustCompile(`smp: CPU (\d+) answered an IPI in \d+ us`)
	upRE       = regexp.MustCompile(`smp: CPU (\d+) up: APIC ID (\d+), (CR4 \S+, EFER \S+, XCR0 \S+), (boot CPU|running threads)`)
)

func TestSMP(t *testing.T) {
	repo, linux := needQEMU(t)
	dir := t.TempDir()
	initrd, err := image(context.Background(), repo, dir, "smpprobe")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"linux", "aramid"} {
		t.Run(k, func(t *testing.T) {
			kernel := linux
			want := cpus
			if k == "aramid" {
				kernel = kernelbuild.Path(t, repo)
			}
			p, res := boot(t, kernel, initrd, "console=ttyS0 panic=-1", filepath.Join(dir, k+".log"))
			checkProbe(t, k, p, want)
			if k == "aramid" {
				checkAPs(t, res, cpus)
			}
		})
	}
	// maxcpus= limits the CPUs brought up, as on Linux (the boot CPU
	// counts): two here, each running threads.
	t.Run("aramid-maxcpus", func(t *testing.T) {
		p, res := boot(t, kernelbuild.Path(t, repo), initrd, "console=ttyS0 panic=-1 maxcpus=2",
			filepath.Join(dir, "aramid-maxcpus.log"))
		checkProbe(t, "aramid maxcpus=2", p, 2)
		checkAPs(t, res, 2)
	})
}

// checkProbe judges smpprobe's lines on a kernel that runs threads on n
// CPUs.
func checkProbe(t *testing.T, k string, p probe, n int) {
	t.Helper()
	if got := p["ncpus"]; got != strconv.Itoa(n) {
		t.Errorf("%s: ncpus %q, want %d (%s)", k, got, n, p["counts"])
	}
	if s := p.ints(t, k, "spin", spinRE); s != nil {
		if s[2] < 1 || s[2] > n {
			t.Errorf("%s: threads seen on %d distinct CPUs of %d", k, s[2], n)
		}
		if n > 1 {
			// Four busy threads on n CPUs: parallel CPU time shows.
			if s[2] < 2 || s[0] < 150 || s[1] < 150 {
				t.Errorf("%s: no parallelism with %d CPUs: %s", k, n, p["spin"])
			}
		} else if s[0] > 120 || s[1] > 120 {
			t.Errorf("%s: more CPU time than wall time on one CPU: %s", k, p["spin"])
		}
	}
	if s := p.ints(t, k, "pinned", pinnedRE); s != nil && (s[0] != n || s[1] != 0) {
		t.Errorf("%s: pinning: %s (want %d CPUs, none wrong)", k, p["pinned"], n)
	}
	for _, m := range []string{"futex", "pipe"} {
		if got, want := p["pingpong "+m], "rounds 2000 result 0 on-own-cpus yes"; got != want {
			t.Errorf("%s: pingpong %s: %q, want %q", k, m, got, want)
		}
	}
	if s := p.ints(t, k, "unmapped", unmappedRE); s != nil && s[0] != s[1] {
		t.Errorf("%s: a thread read a page after another thread's munmap returned: %s", k, p["unmapped"])
	}
	if got, want := p["storm"], "children-ok 4 of 4 (statuses 0000)"; got != want {
		t.Errorf("%s: storm: %q, want %q", k, got, want)
	}
}

// checkAPs judges Aramid's AP lines: n CPUs up with distinct APIC IDs,
// each AP reporting (from the AP itself) the boot CPU's CR4, EFER and XCR0,
// and each AP answering the boot CPU's IPI.
func checkAPs(t *testing.T, res *qemu.Result, n int) {
	t.Helper()
	ids := map[string]bool{}
	var bspRegs string
	up := 0
	for _, l := range res.Lines {
		m := upRE.FindStringSubmatch(l.Text)
		if m == nil {
			continue
		}
		up++
		if ids[m[2]] {
			t.Errorf("APIC ID %s reported twice", m[2])
		}
		ids[m[2]] = true
		if m[4] == "boot CPU" {
			bspRegs = m[3]
		} else if m[3] != bspRegs {
			t.Errorf("CPU %s set up differently from the boot CPU: %s, boot CPU %s", m[1], m[3], bspRegs)
		}
	}
	if up != n {
		t.Errorf("%d CPUs reported up, want %d", up, n)
	}
	answered := map[string]bool{}
	for _, l := range res.Lines {
		if m := ipiRE.FindStringSubmatch(l.Text); m != nil {
			answered[m[1]] = true
		}
	}
	for i := 1; i < n; i++ {
		if !answered[strconv.Itoa(i)] {
			t.Errorf("CPU %d did not answer an IPI", i)
		}
	}
	want := fmt.Sprintf("smp: CPUs started, each running threads: %d", n)
	if _, ok := res.Find(want); !ok {
		t.Errorf("no line %q", want)
	}
}

// boot runs smpprobe on kernel with four CPUs and returns its lines.
func boot(t *testing.T, kernel, initrd, appendLine, logFile string) (probe, *qemu.Result) {
	t.Helper()
	c := qemu.Config{Kernel: kernel, Initrd: initrd, Append: appendLine, Memory: "256M", SMP: cpus,
		MultiThreadTCG: true, LogFile: logFile, Timeout: 300 * time.Second}
	res, err := qemu.Run(context.Background(), c, func(l qemu.Line) bool {
		return strings.Contains(l.Text, "smpprobe: done") || strings.Contains(l.Text, "smpprobe: FAIL")
	})
	if err != nil {
		if res != nil {
			t.Logf("serial log:\n%s", res.Log())
		}
		t.Fatalf("%s: %v", c.CommandLine(), err)
	}
	p := probe{}
	for _, l := range res.Lines {
		i := strings.Index(l.Text, "smpprobe: ")
		if i < 0 {
			continue
		}
		rest := strings.TrimSpace(l.Text[i+len("smpprobe: "):])
		key, val, _ := strings.Cut(rest, " ")
		if key == "pingpong" {
			m, v, _ := strings.Cut(val, " ")
			key, val = key+" "+m, v
		}
		p[key] = val
	}
	if _, ok := p["done"]; !ok {
		t.Fatalf("smpprobe did not finish (%v); serial log:\n%s", p["FAIL"], res.Log())
	}
	t.Logf("%s", strings.TrimSpace(strings.Join(probeLines(res), "\n")))
	return p, res
}

func probeLines(res *qemu.Result) []string {
	var s []string
	for _, l := range res.Lines {
		if strings.Contains(l.Text, "smpprobe: ") || strings.Contains(l.Text, "smp: ") {
			s = append(s, l.Text)
		}
	}
	return s
}

// image builds an initramfs with guest/<name>.c as /init.
func image(ctx context.Context, repo, dir, name string) (string, error) {
	c := &contract.Compiler{Include: filepath.Join(repo, "testing/contracts"), CacheDir: filepath.Join(dir, "cache")}
	bin, err := c.Compile(ctx, filepath.Join(repo, "testing/smp/guest/"+name+".c"))
	if err != nil {
		return "", err
	}
	im := contract.Image{Init: bin}
	tree, err := im.Build()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".cpio")
	if err := tree.WriteFile(path); err != nil {
		return "", fmt.Errorf("smp: %w", err)
	}
	return path, nil
}

// needQEMU skips the test without QEMU, the reference kernel or musl-gcc
// and returns the repository root and the reference kernel's path.
func needQEMU(t *testing.T) (repo, linux string) {
	t.Helper()
	repo, _ = filepath.Abs("../..")
	linux = filepath.Join(repo, "build/linux/vmlinuz")
	if _, err := os.Stat(linux); err != nil {
		t.Skip("reference kernel missing: run `make linux-ref` (make test does)")
	}
	for _, bin := range []string{"qemu-system-x86_64", "musl-gcc"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (make deps installs it)", bin)
		}
	}
	return repo, linux
}

func TestMain(m *testing.M) {
	code := m.Run()
	kernelbuild.Remove()
	os.Exit(code)
}
