// Package ext4crash boots Aramid in QEMU on ext4 disks made by the host's
// mke2fs and tests what survives a crash and what a corrupted disk does.
//
// TestCrash: a writer (guest/ext4prog.c, PID 1) creates, renames, appends
// and fsyncs files on /dev/vda and prints what each fsync made durable;
// the host kills QEMU (SIGKILL) a random 1-4 s after the first promise. A second
// boot on the same disk mounts it (replaying the journal) and checks every
// printed promise; after its clean power-off e2fsck -fn must find nothing
// to fix. 20 runs (1 KiB and 4 KiB blocks in turn), seeded (the seed is logged; ARAMID_EXT4CRASH_SEED
// repeats one, ARAMID_EXT4CRASH_RUNS changes the count,
// ARAMID_EXT4CRASH_LOGS=dir keeps the writers' timed serial logs).
//
// TestCorrupt: one boot with a set of corrupted images as extra disks
// (superblock, group descriptors, inodes, an extent tree, directory
// blocks, the journal; with checksums fixed up and not): mounting each
// fails with EUCLEAN, EINVAL or EIO, or the file operations on it fail
// with EIO or EUCLEAN; the kernel never panics and still forks, execs and
// writes files after.
//
// Only Aramid: the reference kernel builds virtio-blk and ext4 as modules.
package ext4crash

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aramid/imagebuild/cpio"
	"aramid/platform/x64/boot"
	"aramid/testing/qemu"
	"aramid/testing/srcdeps"
)

var kernelPath, progPath string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	for _, tool := range []string{"qemu-system-x86_64", "gcc", "mkfs.ext4", "e2fsck", "debugfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				fmt.Fprintf(os.Stderr, "ext4crash: %s not found (run `make deps`)\n", tool)
				return 1
			}
			fmt.Fprintf(os.Stderr, "ext4crash: %s not found; skipping\n", tool)
			return 0
		}
	}
	if err := srcdeps.Track("kernel", "platform", "testing/ext4crash"); err != nil {
		fmt.Fprintln(os.Stderr, "ext4crash:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "aramid-ext4crash-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kernelPath = filepath.Join(dir, "kernel.elf")
	if err := boot.Build("aramid/kernel/cmd/aramid", kernelPath, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ext4crash:", err)
		return 1
	}
	progPath = filepath.Join(dir, "ext4prog")
	if out, err := exec.Command("gcc", "-static", "-O2", "-Wall", "-Werror", "-o", progPath, "guest/ext4prog.c").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "ext4crash: gcc: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// writeInitrd writes a newc archive with /dev, /init (the guest program)
// and the extra files.
func writeInitrd(path string, extra map[string][]byte) error {
	prog, err := os.ReadFile(progPath)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := cpio.NewWriter(f)
	if err := w.WriteHeader(&cpio.Header{Name: "dev", Ino: 1, Mode: 0o40755, Nlink: 2}); err != nil {
		return err
	}
	if err := w.WriteHeader(&cpio.Header{Name: "dev/console", Ino: 2, Mode: 0o20600, Nlink: 1, RdevMajor: 5, RdevMinor: 1}); err != nil {
		return err
	}
	files := map[string][]byte{"init": prog}
	for k, v := range extra {
		files[k] = v
	}
	ino := uint64(3)
	for _, name := range []string{"init", "expect"} {
		data, ok := files[name]
		if !ok {
			continue
		}
		if err := w.WriteHeader(&cpio.Header{Name: name, Ino: ino, Mode: 0o100755, Nlink: 1, Size: int64(len(data))}); err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		ino++
	}
	return w.Close()
}

// mkfs makes a deterministic ext4 image (fixed UUID, hash seed and time)
// with bookworm's defaults (4 KiB blocks, metadata_csum, a journal).
func mkfs(t *testing.T, path, size string, extra ...string) {
	t.Helper()
	args := append([]string{"-F", "-q", "-t", "ext4", "-U", "0a4a0a4a-1111-2222-3333-444444444444",
		"-E", "hash_seed=55555555-6666-7777-8888-999999999999"}, extra...)
	cmd := exec.Command("mkfs.ext4", append(args, path, size)...)
	cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1700000000")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
}

// panicked reports a kernel panic or a Go runtime crash in the serial log.
func panicked(s string) bool {
	return strings.Contains(s, "Kernel panic") || strings.HasPrefix(s, "panic: ") || strings.Contains(s, "fatal error: ") ||
		strings.Contains(s, "goroutine ") && strings.Contains(s, "[running]")
}

// promise is what the writer's fsyncs guarantee about file k.
type promise struct {
	k     int
	names []string // it is under exactly one of these
	len   uint64   // and begins with len bytes
	hash  string   // whose FNV-1a 64 is hash
}

// promises reads the writer's DUR and NAME lines.
func promises(log string) ([]promise, error) {
	byK := map[int]*promise{}
	var order []int
	for _, l := range strings.Split(log, "\n") {
		f := strings.Fields(l)
		// Each line ends with a "." field: a line the kill cut short
		// ("NAME 5 d2/g" of "NAME 5 d2/g5 .") promises nothing.
		if len(f) == 0 || f[len(f)-1] != "." {
			continue
		}
		f = f[:len(f)-1]
		switch {
		case f[0] == "DUR" && len(f) == 5:
			k, err1 := strconv.Atoi(f[1])
			n, err2 := strconv.ParseUint(f[3], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad line %q", l)
			}
			p, ok := byK[k]
			if !ok {
				p = &promise{k: k}
				byK[k] = p
				order = append(order, k)
			}
			// Created as f<k> (or appended to under its current name):
			// a later rename to g<k> may have reached the disk without
			// its NAME line.
			p.names = []string{f[2]}
			if !strings.Contains(f[2], "/g") {
				for d := 0; d < 4; d++ {
					p.names = append(p.names, fmt.Sprintf("d%d/g%d", d, k))
				}
			}
			p.len, p.hash = n, f[4]
		case f[0] == "NAME" && len(f) == 3:
			k, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, fmt.Errorf("bad line %q", l)
			}
			if p, ok := byK[k]; ok {
				p.names = []string{f[2]}
			}
		}
	}
	out := make([]promise, 0, len(order))
	for _, k := range order {
		out = append(out, *byK[k])
	}
	return out, nil
}

func TestCrash(t *testing.T) {
	seed := time.Now().UnixNano() % 1000000
	if s := os.Getenv("ARAMID_EXT4CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	runs := 20
	if s := os.Getenv("ARAMID_EXT4CRASH_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (ARAMID_EXT4CRASH_SEED=%d repeats it), %d runs", seed, seed, runs)
	rng := rand.New(rand.NewSource(seed))
	dir := t.TempDir()
	// Even runs: mke2fs's defaults for a 64 MiB disk (1 KiB blocks);
	// odd runs: 4 KiB blocks.
	var bases [2][]byte
	for i, extra := range [][]string{nil, {"-b", "4096"}} {
		p := filepath.Join(dir, fmt.Sprintf("base%d.img", i))
		mkfs(t, p, "64M", extra...)
		var err error
		if bases[i], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	checkerInitrd := filepath.Join(dir, "checker.cpio")
	totalFiles, replays := 0, 0
	for i := 0; i < runs; i++ {
		runSeed := rng.Int63n(1 << 40)
		delay := time.Second + time.Duration(rng.Int63n(int64(3*time.Second)))
		ok := t.Run(fmt.Sprintf("run%02d", i), func(t *testing.T) {
			t.Logf("writer seed %d, killed %v after its first fsync'd file", runSeed, delay)
			img := filepath.Join(dir, "disk.img")
			if err := os.WriteFile(img, bases[i%2], 0o644); err != nil {
				t.Fatal(err)
			}
			drive := []string{"-drive", "file=" + img + ",if=virtio,format=raw"}

			// The writer, killed at a random moment of its work.
			writerInitrd := filepath.Join(dir, "writer.cpio")
			if err := writeInitrd(writerInitrd, nil); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var killMu sync.Mutex
			killed, timerSet := false, false
			bad := ""
			res, err := qemu.Run(ctx, qemu.Config{Kernel: kernelPath, Initrd: writerInitrd, Memory: "256M", Timeout: 120 * time.Second,
				Append: fmt.Sprintf("console=ttyS0 -- writer %d", runSeed), Args: drive}, func(l qemu.Line) bool {
				switch {
				case panicked(l.Text) || strings.HasPrefix(l.Text, "FATAL"):
					bad = l.Text
					return true
				case strings.HasPrefix(l.Text, "DUR ") && !timerSet:
					// The clock starts at the first promise, so every
					// run has one however slow the host.
					timerSet = true
					time.AfterFunc(delay, func() {
						killMu.Lock()
						killed = true
						killMu.Unlock()
						cancel()
					})
				}
				return false
			})
			killMu.Lock()
			wasKilled := killed
			killMu.Unlock()
			if res == nil || bad != "" || !wasKilled || !errors.Is(err, qemu.ErrTimeout) {
				var log string
				if res != nil {
					log = res.Log()
				}
				t.Fatalf("writer: %v (failure line %q, killed %v); serial log:\n%s", err, bad, wasKilled, log)
			}
			ps, err := promises(res.Log())
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 0 {
				t.Fatalf("the writer made nothing durable before the kill; serial log:\n%s", res.Log())
			}
			totalFiles += len(ps)
			t.Logf("%d files with fsync'd content, %d serial lines from the writer", len(ps), len(res.Lines))
			if dir := os.Getenv("ARAMID_EXT4CRASH_LOGS"); dir != "" {
				var b strings.Builder
				for _, l := range res.Lines {
					fmt.Fprintf(&b, "%8.3f %s\n", l.At.Seconds(), l.Text)
				}
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("writer%02d.log", i)), []byte(b.String()), 0o644)
			}

			// Was the kill inside a commit (transactions in the journal)?
			if out, err := exec.Command("dumpe2fs", "-h", img).Output(); err == nil {
				if m := regexp.MustCompile(`(?m)^Journal start:\s+(\d+)`).FindSubmatch(out); m != nil && string(m[1]) != "0" {
					replays++
					t.Logf("the journal holds transactions to replay (start %s)", m[1])
				}
			}

			// The checker boot: replay, check, clean power-off.
			var expect strings.Builder
			for _, p := range ps {
				fmt.Fprintf(&expect, "%d %s %d %s\n", p.k, strings.Join(p.names, ","), p.len, p.hash)
			}
			if err := writeInitrd(checkerInitrd, map[string][]byte{"expect": []byte(expect.String())}); err != nil {
				t.Fatal(err)
			}
			bad = ""
			res, err = qemu.Run(context.Background(), qemu.Config{Kernel: kernelPath, Initrd: checkerInitrd, Memory: "256M", Timeout: 180 * time.Second,
				Append: "console=ttyS0 -- checker", Args: drive}, func(l qemu.Line) bool {
				if panicked(l.Text) || strings.HasPrefix(l.Text, "FATAL") {
					bad = l.Text
					return true
				}
				return false
			})
			if err != nil || bad != "" {
				t.Fatalf("checker: %v %q; serial log:\n%s", err, bad, res.Log())
			}
			log := res.Log()
			want := fmt.Sprintf("CHECKER files ok %d bad 0; walk ", len(ps))
			if l, ok := res.Find("CHECKER files"); !ok || !strings.HasPrefix(l.Text, want) || !strings.HasSuffix(l.Text, " 0 failures") {
				t.Errorf("checker: %q, want %q... 0 failures", l.Text, want)
			}
			if !strings.Contains(log, "CHECKER END") || res.ExitCode != 0 {
				t.Errorf("checker did not unmount and power off cleanly (QEMU exit %d)", res.ExitCode)
			}
			if out, err := exec.Command("e2fsck", "-fn", img).CombinedOutput(); err != nil {
				t.Errorf("e2fsck -fn after the checker: %v\n%s", err, out)
			}
			if t.Failed() {
				t.Logf("writer's promises:\n%s\nchecker's serial log:\n%s", expect.String(), log)
			}
		})
		if !ok {
			break
		}
	}
	t.Logf("%d runs, %d files with fsync'd content checked, %d runs killed inside a commit (journal replayed)", runs, totalFiles, replays)
}

// TestPromisesIgnoreCutLine: a line the kill cut short (no final ".")
// promises nothing, so a truncated name is never taken for the real one.
func TestPromisesIgnoreCutLine(t *testing.T) {
	log := "DUR 5 d2/f5 10 00000000000000aa .\nNAME 5 d2/g5 .\nDUR 6 d1/f6 3 00000000000000bb .\nNAME 6 d1/g"
	ps, err := promises(log)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].names[0] != "d2/g5" || len(ps[1].names) != 5 || ps[1].names[0] != "d1/f6" {
		t.Errorf("promises: %+v", ps)
	}
}
