package userland

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"aramid/testing/contract"
	"aramid/testing/qemu"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Test
		wantErr string
	}{
		{"entries", "# c\n\nbusybox/applets busybox bb.sh 200\nlibc/x gcc-dynamic hello.c 30 a b\n", []Test{
			{Name: "busybox/applets", Build: "busybox", Source: "bb.sh", Timeout: 200, Args: []string{}},
			{Name: "libc/x", Build: "gcc-dynamic", Source: "hello.c", Timeout: 30, Args: []string{"a", "b"}},
		}, ""},
		{"short", "a/b musl-static x.c\n", nil, "want <category/name>"},
		{"no category", "ab musl-static x.c 10\n", nil, "not category/name"},
		{"deep name", "a/b/c musl-static x.c 10\n", nil, "not category/name"},
		{"bad build", "a/b clang x.c 10\n", nil, "unknown build"},
		{"source path", "a/b musl-static ../x.c 10\n", nil, "must be a file name"},
		{"bad timeout", "a/b musl-static x.c 0\n", nil, "positive number"},
		{"duplicate", "a/b musl-static x.c 1\na/b gcc-static x.c 1\n", nil, "listed twice"},
		{"empty", "# nothing\n", nil, "no tests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseManifest(strings.NewReader(tt.in), "tests.txt")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// The real manifest must parse and name sources that exist.
func TestManifestFile(t *testing.T) {
	f, err := os.Open("tests.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests, err := ParseManifest(f, "tests.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if _, err := os.Stat(filepath.Join("progs", tt.Source)); err != nil {
			t.Errorf("%s: %v", tt.Name, err)
		}
	}
	known, err := loadKnown("known-divergences.txt")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, tt := range tests {
		names = append(names, tt.Name)
	}
	if s := known.Unknown(names); len(s) > 0 {
		t.Errorf("known-divergences.txt lists tests that do not exist: %v", s)
	}
}

func TestArgvAndList(t *testing.T) {
	tests := []struct {
		test Test
		line string
	}{
		{Test{Name: "busybox/applets", Build: BuildBusybox, Timeout: 9},
			"busybox/applets 9 /bin/busybox sh /userland/busybox/applets.sh"},
		{Test{Name: "libc/musl-dynamic", Build: BuildMuslDynamic, Timeout: 5, Args: []string{"x", "y"}},
			"libc/musl-dynamic 5 /userland/libc/musl-dynamic x y"},
		{Test{Name: "mm/mmap", Build: BuildMuslStatic, Timeout: 60}, "mm/mmap 60 /userland/mm/mmap"},
	}
	var all []Test
	var want strings.Builder
	for _, tt := range tests {
		if got := ListFile([]Test{tt.test}); got != tt.line+"\n" {
			t.Errorf("ListFile = %q, want %q", got, tt.line)
		}
		all = append(all, tt.test)
		want.WriteString(tt.line + "\n")
	}
	if got := ListFile(all); got != want.String() {
		t.Errorf("ListFile(all) = %q", got)
	}
	if MaxTimeout(all) != 60 {
		t.Errorf("MaxTimeout = %d", MaxTimeout(all))
	}
	if got := Filter(all, "libc/"); len(got) != 1 || got[0].Name != "libc/musl-dynamic" {
		t.Errorf("Filter = %v", got)
	}
}

func TestUnified(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		ctx  int
		want string
	}{
		{"equal", []string{"x"}, []string{"x"}, 3, ""},
		{"one change", []string{"1", "2", "3", "4", "5", "6", "7"}, []string{"1", "2", "3", "X", "5", "6", "7"}, 1,
			"@@ -3,3 +3,3 @@\n 3\n-4\n+X\n 5\n"},
		{"two hunks", []string{"a", "b", "c", "d", "e", "f", "g"}, []string{"A", "b", "c", "d", "e", "f", "G"}, 1,
			"@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -6,2 +6,2 @@\n f\n-g\n+G\n"},
		{"insert", []string{"a", "b"}, []string{"a", "new", "b"}, 0, "@@ -2,0 +2,1 @@\n+new\n"},
		{"truncated", []string{"a", "b", "c"}, []string{"a"}, 3, "@@ -1,3 +1,1 @@\n a\n-b\n-c\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified(contract.Diff(tt.a, tt.b), tt.ctx); got != tt.want {
				t.Errorf("Unified =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestScanLog(t *testing.T) {
	log := strings.Join([]string{
		"[    0.1] Run /init as init process",
		"@@RUNNER start=0 total=2 timeout=9",
		"@@BEGIN 0 libc/gcc-static",
		"[    0.2] task 2/2 (x): system call rseq not implemented: ENOSYS",
		"| a line the test printed: segfault not implemented",
		"[    0.3] task 2/2 (x): system call rseq not implemented: ENOSYS",
		"@@END 0 libc/gcc-static exit 0",
		"\x1b[2J@@BEGIN 1 mm/mmap",
		"[    0.4] x[3]: segfault at 10 ip 401000 error 6",
		"[    0.5] ordinary line",
		"@@END 1 mm/mmap signal 11",
		"[    0.6] KERNEL PANIC: nucleus: out of memory",
		"[    0.7] system call reboot not implemented: ENOSYS",
	}, "\n")
	got := map[string][]string{}
	scanLog(strings.NewReader(log), got)
	want := map[string][]string{
		"libc/gcc-static": {"[    0.2] task 2/2 (x): system call rseq not implemented: ENOSYS",
			"[    0.3] task 2/2 (x): system call rseq not implemented: ENOSYS"},
		"mm/mmap":  {"[    0.4] x[3]: segfault at 10 ip 401000 error 6"},
		"(runner)": {"[    0.6] KERNEL PANIC: nucleus: out of memory", "[    0.7] system call reboot not implemented: ENOSYS"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("scanLog =\n%v\nwant\n%v", got, want)
	}
}

func TestStale(t *testing.T) {
	known := contract.Known{"a/listed-pass": "r", "a/listed-fail": "r", "a/gone": "r"}
	names := []string{"a/listed-pass", "a/listed-fail", "a/other"}
	res := []contract.Result{
		{Name: "a/listed-pass", Verdict: contract.Pass, Listed: "r"},
		{Name: "a/listed-fail", Verdict: contract.XFail, Listed: "r"},
		{Name: "a/other", Verdict: contract.Pass},
	}
	tests := []struct {
		cand bool
		want string
	}{
		{true, "[a/gone: no such test a/listed-pass: listed but passes]"},
		{false, "[a/gone: no such test]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(Stale(known, names, res, tt.cand)); got != tt.want {
			t.Errorf("Stale(cand=%v) = %s, want %s", tt.cand, got, tt.want)
		}
	}
}

func TestImageTree(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	im := &Image{
		Runner: write("init", "runner"),
		Tests: []Test{{Name: "busybox/applets", Build: BuildBusybox, Timeout: 5},
			{Name: "mm/mmap", Build: BuildMuslStatic, Timeout: 6}},
		Files:   map[string]string{"busybox/applets": write("s.sh", "echo hi"), "mm/mmap": write("m", "prog")},
		Busybox: write("busybox", "bb"),
		Applets: []string{"sh", "ls", "busybox", "ls"},
	}
	tree, err := im.Tree()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tree.WriteCPIO(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("no cpio to list the archive")
	}
	cmd := exec.Command("cpio", "-itv", "--quiet")
	cmd.Stdin = &buf
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	listing := string(out)
	for _, want := range []string{" init", " userland/list", " userland/busybox/applets.sh", " userland/mm/mmap",
		" bin/busybox", " bin/sh -> busybox", " bin/ls -> busybox", " proc", " tmp"} {
		if !strings.Contains(listing, want+"\n") {
			t.Errorf("archive lacks %q:\n%s", want, listing)
		}
	}
	for _, dev := range []string{"dev/console", "dev/null", "dev/zero"} {
		found := false
		for _, l := range strings.Split(listing, "\n") {
			if strings.HasPrefix(l, "c") && strings.HasSuffix(l, " "+dev) {
				found = true
			}
		}
		if !found {
			t.Errorf("archive lacks character device %s:\n%s", dev, listing)
		}
	}
	if _, err := (&Image{Runner: im.Runner, Tests: im.Tests[1:], Files: map[string]string{}}).Tree(); err == nil {
		t.Error("Tree without a built file: no error")
	}
}

// SharedObjects on host-built binaries: nothing for a static one, the
// interpreter (and for glibc libc.so.6) for dynamic ones.
func TestSharedObjects(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "x.c")
	if err := os.WriteFile(src, []byte("int main(void){return 0;}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cc    string
		flags []string
		want  []string
	}{
		{"gcc", []string{"-static"}, nil},
		{"gcc", nil, []string{"/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6"}},
		{"musl-gcc", nil, []string{"/lib/ld-musl-x86_64.so.1"}},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(tt.cc, tt.flags), func(t *testing.T) {
			if _, err := exec.LookPath(tt.cc); err != nil {
				t.Skip(tt.cc, " not installed")
			}
			bin := filepath.Join(dir, fmt.Sprint("bin", i))
			args := append(append([]string{}, tt.flags...), "-o", bin, src)
			if out, err := exec.Command(tt.cc, args...).CombinedOutput(); err != nil {
				t.Skipf("%s: %v: %s", tt.cc, err, out)
			}
			so, err := SharedObjects(bin, LibDirs)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				host, ok := so[w]
				if !ok {
					t.Errorf("missing %s in %v", w, so)
					continue
				}
				if fi, err := os.Lstat(host); err != nil || fi.Mode()&os.ModeSymlink != 0 {
					t.Errorf("%s → %s is not a resolved file", w, host)
				}
			}
			if len(tt.want) == 0 && len(so) != 0 {
				t.Errorf("static binary needs %v", so)
			}
		})
	}
}

// TestRunFakeBoot runs the whole harness with QEMU replaced by a script:
// the reference passes both tests; the candidate crashes in the first
// (so the harness boots it again from the second) and diverges in the second.
func TestRunFakeBoot(t *testing.T) {
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		t.Skip("musl-gcc not installed")
	}
	dir := t.TempDir()
	suite := filepath.Join(dir, "suite")
	for _, d := range []string{"progs", "runner"} {
		os.MkdirAll(filepath.Join(suite, d), 0o755)
	}
	files := map[string]string{
		"tests.txt":             "a/one musl-static p.c 5\na/two musl-static p.c 5\n",
		"known-divergences.txt": "a/gone this test was removed\n",
		"progs/p.c":             "int main(void){return 0;}\n",
		"runner/init.c":         "int main(void){return 0;}\n",
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(suite, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	boots := 0
	fake := func(ctx context.Context, c qemu.Config, judge qemu.Judge) (*qemu.Result, error) {
		boots++
		var lines []string
		switch {
		case c.Kernel == "ref":
			lines = []string{"@@RUNNER start=0 total=2 timeout=5",
				"@@BEGIN 0 a/one", "| x: 1", "| CONTRACT_PASS", "@@END 0 a/one exit 0",
				"@@BEGIN 1 a/two", "| y: 2", "| CONTRACT_PASS", "@@END 1 a/two exit 0", "@@SUITE_DONE"}
		case strings.Contains(c.Append, "contract_start=0"):
			lines = []string{"@@RUNNER start=0 total=2 timeout=5",
				"@@BEGIN 0 a/one", "| x: 1", "system call foo not implemented: ENOSYS"}
		case strings.Contains(c.Append, "contract_start=1"):
			lines = []string{"@@RUNNER start=1 total=2 timeout=5",
				"@@BEGIN 1 a/two", "| y: 9", "| CONTRACT_PASS", "@@END 1 a/two exit 0", "@@SUITE_DONE"}
		default:
			t.Errorf("unexpected boot %q", c.Append)
		}
		if !strings.HasSuffix(strings.Fields(c.Append)[0], "ttyS0") || !strings.Contains(c.Append, "-- contract_start=") {
			t.Errorf("append = %q", c.Append)
		}
		res := &qemu.Result{ExitCode: 0}
		if c.LogFile != "" {
			os.WriteFile(c.LogFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		}
		for _, l := range lines {
			res.Lines = append(res.Lines, qemu.Line{Text: l})
			if judge(qemu.Line{Text: l}) {
				res.Stopped = true
				res.ExitCode = -1
				break
			}
		}
		return res, nil
	}
	var out bytes.Buffer
	rep, err := Run(context.Background(), Options{
		Dir: suite, Include: suite, BuildDir: filepath.Join(dir, "build"),
		Reference: contract.Kernel{Name: "linux", Path: "ref"},
		Candidate: &contract.Kernel{Name: "aramid", Path: "cand"},
		Boot:      contract.BootConfig{Append: "console=ttyS0 --", BootTimeout: 5e9, Grace: 1e9},
		BootFunc:  fake, Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range rep.Results {
		got = append(got, r.Name+"="+string(r.Verdict))
	}
	if fmt.Sprint(got) != "[a/one=CRASH a/two=DIVERGE]" {
		t.Errorf("verdicts %v\n%s", got, out.String())
	}
	if boots != 3 {
		t.Errorf("%d boots, want 3 (reference, candidate, candidate again)", boots)
	}
	for _, want := range []string{"-y: 2\n", "+y: 9\n", "Results: 0/2 PASS", "stale known divergence: a/gone: no such test",
		"a/one: system call foo not implemented: ENOSYS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if rep.Summary.OK() {
		t.Error("summary OK with a divergence")
	}
}
