package oom

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"aramid/imagebuild"
	"aramid/imagebuild/recipe"
	"aramid/testing/kernelbuild"
	"aramid/testing/qemu"
)

// TestOOMKiller runs guest/oomtest.c as PID 1 in a 256 MiB guest on Linux
// and on Aramid. Linux's outcome is the reference: the same processes die
// in the same order with the same signal, the same ones survive, and each
// kernel reports every kill with Linux's "Out of memory: Killed process"
// line. The story itself is checked on both too, so the test cannot pass
// by two kernels agreeing on nothing happening: adj1000 (oom_score_adj
// 1000) dies first, then the hog, then hog2 (oom_score_adj -500, whose
// badness stays below PID 1's); the keeper (-1000, the largest process
// when the hog dies) and PID 1 survive.
func TestOOMKiller(t *testing.T) {
	repo, linux := needQEMU(t)
	dir := t.TempDir()
	initrd, err := Image(context.Background(), repo, dir, "oomtest")
	if err != nil {
		t.Fatal(err)
	}
	reports := map[string]Report{}
	for _, k := range []string{"linux", "aramid"} {
		kernel := linux
		if k == "aramid" {
			kernel = kernelbuild.Path(t, repo)
		}
		log := filepath.Join(dir, k+".log")
		rep, res, err := Boot(context.Background(), kernel, initrd, "oomtest", "256M", log)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if !res.Stopped {
			t.Fatalf("%s: the program did not finish (QEMU exit %d); serial log:\n%s", k, res.ExitCode, res.Log())
		}
		if rep.Panic {
			t.Errorf("%s: kernel panic; serial log:\n%s", k, res.Log())
		}
		checkStory(t, k, rep)
		reports[k] = rep
		t.Logf("%s: %s", k, summary(rep))
	}
	l, a := reports["linux"], reports["aramid"]
	if !slices.Equal(l.Guest, a.Guest) {
		t.Errorf("the program's lines differ:\nlinux:\n  %s\naramid:\n  %s",
			strings.Join(l.Guest, "\n  "), strings.Join(a.Guest, "\n  "))
	}
	if summary(l) != summary(a) {
		t.Errorf("the kills differ:\nlinux:  %s\naramid: %s", summary(l), summary(a))
	}
}

// summary is the kernel-independent part of a report: who was killed, with
// which oom_score_adj. Who asked — whose allocation found memory gone — is
// a race on both kernels (init printing, or the hog touching its next
// page); checkStory checks it is one of the program's processes.
func summary(r Report) string {
	var s []string
	for _, k := range r.Kills {
		s = append(s, fmt.Sprintf("%s(adj %d)", k.Comm, k.OOMScoreAdj))
	}
	return strings.Join(s, ", ")
}

// invokers are the processes of oomtest, any of which may be the one whose
// allocation runs out.
var invokers = []string{"init", "keeper", "adj1000", "hog", "hog2"}

// checkStory checks what the program was built to show, on one kernel.
func checkStory(t *testing.T, kernel string, r Report) {
	t.Helper()
	want := []string{"adj1000", "hog", "hog2"}
	var got []string
	for _, k := range r.Kills {
		got = append(got, k.Comm)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: killed %v, want %v", kernel, got, want)
		return
	}
	for _, k := range r.Kills {
		if k.AnonRSS == 0 || k.TotalVM < k.AnonRSS || k.UID != 0 {
			t.Errorf("%s: implausible report for %s: %+v", kernel, k.Comm, k)
		}
		if !slices.Contains(invokers, k.InvokedBy) {
			t.Errorf("%s: %s's kill invoked by %q, not one of %v", kernel, k.Comm, k.InvokedBy, invokers)
		}
	}
	// The keeper outweighed the hog when the hog was chosen: its
	// oom_score_adj of -1000, not its size, saved it.
	hog := r.Kills[1]
	if keeper, ok := hog.Tasks["keeper"]; !ok || keeper*4 <= hog.AnonRSS {
		t.Errorf("%s: keeper's rss %d pages was not above the hog's %d kB: the test proves nothing about -1000",
			kernel, keeper, hog.AnonRSS)
	}
	if _, listed := hog.Tasks["oomtest"]; listed {
		t.Errorf("%s: PID 1 is listed among the killable tasks", kernel)
	}
	wantGuest := []string{"oomtest: adj1000 killed by signal 9", "oomtest: hog killed by signal 9",
		"oomtest: hog2 killed by signal 9", "oomtest: keeper alive", "oomtest: init alive", "oomtest: done"}
	if !slices.Equal(r.Guest, wantGuest) {
		t.Errorf("%s: program said\n  %s\nwant\n  %s", kernel, strings.Join(r.Guest, "\n  "), strings.Join(wantGuest, "\n  "))
	}
}

// needQEMU skips the test without QEMU or the reference kernel and returns
// the repository root and the reference kernel's path.
func needQEMU(t *testing.T) (repo, linux string) {
	t.Helper()
	repo, _ = filepath.Abs("../..")
	linux = filepath.Join(repo, "build/linux/vmlinuz")
	if _, err := os.Stat(linux); err != nil {
		t.Skip("reference kernel missing: run `make linux-ref` (make test does)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed (make deps installs it)")
	}
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		t.Skip("musl-gcc not installed (make deps installs musl-tools)")
	}
	return repo, linux
}

func TestMain(m *testing.M) {
	code := m.Run()
	kernelbuild.Remove()
	os.Exit(code)
}

// TestKernelMemoryPressure is the random-syscall fuzzer's case: children
// fill pipes, whose buffers are kernel memory that no resident set counts,
// until memory runs out (guest/pipehog.c, in a 128 MiB guest). Linux survives it by killing
// children; so must Aramid, whose kernel heap once grew until the nucleus
// panicked. Both kernels must print the same lines and report kills.
func TestKernelMemoryPressure(t *testing.T) {
	repo, linux := needQEMU(t)
	dir := t.TempDir()
	initrd, err := Image(context.Background(), repo, dir, "pipehog")
	if err != nil {
		t.Fatal(err)
	}
	var guest [][]string
	for _, k := range []string{"linux", "aramid"} {
		kernel := linux
		if k == "aramid" {
			kernel = kernelbuild.Path(t, repo)
		}
		rep, res, err := Boot(context.Background(), kernel, initrd, "pipehog", "128M", filepath.Join(dir, k+".log"))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if !res.Stopped || rep.Panic {
			t.Fatalf("%s: the program did not finish (QEMU exit %d, panic %v); serial log:\n%s",
				k, res.ExitCode, rep.Panic, res.Log())
		}
		if len(rep.Kills) == 0 {
			t.Errorf("%s: no OOM kill reported", k)
		}
		want := []string{"pipehog: killed_by_oom some, other_exits 0", "pipehog: init alive", "pipehog: done"}
		if !slices.Equal(rep.Guest, want) {
			t.Errorf("%s: program said %q, want %q", k, rep.Guest, want)
		}
		guest = append(guest, rep.Guest)
		t.Logf("%s: %d kills in %.1fs", k, len(rep.Kills), res.Elapsed.Seconds())
	}
	if !slices.Equal(guest[0], guest[1]) {
		t.Errorf("the program's lines differ: linux %q, aramid %q", guest[0], guest[1])
	}
}

func TestParse(t *testing.T) {
	log := []string{
		"[    4.36] hog invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0",
		"[    4.39] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
		"[    4.39] [     78]     0    78    30769    30701   282624        0         -1000 keeper",
		"[    4.39] [     80]     0    80    24113    23969   229376        0             0 hog",
		"[    4.46] Out of memory: Killed process 80 (hog) total-vm:96452kB, anon-rss:95844kB, file-rss:0kB, shmem-rss:32kB, UID:0 pgtables:224kB oom_score_adj:0",
		"oomtest: hog killed by signal 9[    8.90] hog2 invoked oom-killer: order=0, oom_score_adj=-500",
		"oomtest: done",
	}
	r := Parse(log, "oomtest")
	want := Kill{PID: 80, Comm: "hog", TotalVM: 96452, AnonRSS: 95844, ShmemRSS: 32, PageTables: 224,
		Tasks: map[string]uint64{"keeper": 30701, "hog": 23969}, InvokedBy: "hog"}
	if len(r.Kills) != 1 || fmt.Sprint(r.Kills[0]) != fmt.Sprint(want) {
		t.Errorf("kills %+v, want [%+v]", r.Kills, want)
	}
	if !slices.Equal(r.Guest, []string{"oomtest: hog killed by signal 9", "oomtest: done"}) || r.Panic {
		t.Errorf("guest lines %q, panic %v", r.Guest, r.Panic)
	}
}

// TestSystemdSmallMemory boots the systemd-v245 initramfs on Aramid at
// 56 MiB, where it does not fit, and at 105 MiB, the least the reference
// Linux kernel boots it with (found by bisection on -m: Linux boots it at
// 105M and panics with "System is deadlocked on memory" at 104M). At
// 56 MiB the kernel must end with its plain out-of-memory statement (QEMU
// exit 253, status 126), never a panic; at 105 MiB systemd must start.
func TestSystemdSmallMemory(t *testing.T) {
	repo, linux := needQEMU(t)
	r, err := recipe.Load(filepath.Join(repo, "recipes"), "systemd-v245")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	opts := imagebuild.Options{RepoDir: repo, Epoch: time.Unix(1700000000, 0), EpochFrom: "test",
		Linux: linux, OutDir: out, CacheDir: filepath.Join(out, "cache"), Formats: []string{"initramfs"}}
	if _, err := imagebuild.Build(context.Background(), r, opts); err != nil {
		t.Fatal(err)
	}
	kernel := kernelbuild.Path(t, repo)
	for _, tt := range []struct {
		mem  string
		boot bool
	}{{"56M", false}, {"105M", true}} {
		t.Run(tt.mem, func(t *testing.T) {
			var outcome string
			c := qemu.Config{Kernel: kernel, Initrd: filepath.Join(out, "initramfs.cpio.xz"), Append: r.Cmdline,
				Memory: tt.mem, Timeout: 150 * time.Second, LogFile: filepath.Join(out, "serial-"+tt.mem+".log")}
			res, err := qemu.Run(context.Background(), c, func(l qemu.Line) bool {
				switch s := l.Text; {
				case strings.Contains(s, "Startup finished"):
					outcome = "booted"
				case strings.Contains(s, "Kernel panic") || strings.Contains(s, "KERNEL PANIC") ||
					strings.Contains(s, "fatal error") || strings.Contains(s, "goroutine "):
					outcome = "panic: " + s
				default:
					return false
				}
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode == 253 {
				if _, ok := res.Find("memory is too small"); ok {
					outcome = "out of memory"
				}
			}
			switch {
			case tt.boot && outcome != "booted", !tt.boot && outcome != "out of memory":
				t.Errorf("at %s: %q (QEMU exit %d), want %v; serial log:\n%s", tt.mem, outcome, res.ExitCode,
					map[bool]string{true: "booted", false: "the out-of-memory statement"}[tt.boot], res.Log())
			}
			t.Logf("at %s: %s after %.1fs", tt.mem, outcome, res.Elapsed.Seconds())
		})
	}
}
