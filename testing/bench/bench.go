// Package bench drives the benchmark program (guest/bench.c, run as PID 1) on
// Aramid and reference Linux in the same QEMU configuration, interleaving
// the kernels run by run, and reports the median ns/op per row with the
// Aramid/Linux ratio and the geometric mean of the ratios.
package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"aramid/testing/contract"
	"aramid/testing/qemu"
	"aramid/testing/systemd"
)

// BootRow is the name of the boot-time row: QEMU start to PID 1's first line.
const BootRow = "boot_to_pid1"

// Rows lists the benchmark rows in report order; Syscall marks the subset
// `make bench-syscall` runs.
var Rows = []struct {
	Name    string
	Syscall bool
}{
	{"getpid", true}, {"getppid", true}, {"clock_gettime", true}, {"read_devzero_1b", true},
	{"write_devnull_1b", false}, {"pipe_pingpong", true}, {"unix_pingpong", false},
	{"fork_exit_wait", true}, {"fork_exec_wait", true}, {"fork_exec_large_wait", true},
	{"sys_clock_gettime", true}, {"open_close", false},
	{"stat", false}, {"mmap_fault_munmap", true}, {"signal_delivery", false},
	{"epoll_wait_ready", false}, {"futex_pingpong", false}, {"tmpfs_64mib_write_read", false},
	{"disk_seqwrite_fsync_256mib", false}, {"disk_coldread_256mib", false}, {"disk_randread_4k", false},
	{"disk_create_fsync_unlink_1000", false}, {"disk_untar_20mb", false},
	{BootRow, true},
}

// Systemd rows: systemd's own "Startup finished" split, measured by booting
// the systemd image (Options.Systemd), in ns.
var SystemdRows = []string{"systemd_kernel", "systemd_userspace", "systemd_total"}

// Sample is one boot's measurements: row name → ns/op.
type Sample map[string]float64

// ParseLine reads "BENCH <name> <ns>" into (name, ns).
func ParseLine(line string) (name string, ns float64, ok bool) {
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "BENCH" {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(f[2], 64)
	if err != nil || v < 0 {
		return "", 0, false
	}
	return f[1], v, true
}

// Median returns the median of xs (NaN when empty).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Row is one line of the report; NaN means not measured.
type Row struct {
	Name          string
	Aramid, Linux float64
}

// Ratio is Aramid/Linux, or NaN when either is missing.
func (r Row) Ratio() float64 {
	if math.IsNaN(r.Aramid) || math.IsNaN(r.Linux) || r.Linux == 0 {
		return math.NaN()
	}
	return r.Aramid / r.Linux
}

// GeoMean is the geometric mean of the defined ratios (NaN if none).
func GeoMean(rows []Row) float64 {
	sum, n := 0.0, 0
	for _, r := range rows {
		if q := r.Ratio(); !math.IsNaN(q) && q > 0 {
			sum += math.Log(q)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return math.Exp(sum / float64(n))
}

func cell(v float64, format string) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf(format, v)
}

// FormatTable renders the report table; note, if non-empty, is printed under it.
func FormatTable(rows []Row, note string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-30s %14s %14s %8s\n", "benchmark", "Aramid ns", "Linux ns", "ratio")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-30s %14s %14s %8s\n", r.Name, cell(r.Aramid, "%.1f"), cell(r.Linux, "%.1f"),
			cell(r.Ratio(), "%.2f"))
	}
	fmt.Fprintf(&b, "%-30s %14s %14s %8s\n", "geometric mean", "", "", cell(GeoMean(rows), "%.2f"))
	if note != "" {
		fmt.Fprintf(&b, "%s\n", note)
	}
	return b.String()
}

// Options configures a benchmark run.
type Options struct {
	Src      string // bench.c
	BuildDir string // build/bench
	Linux    string // reference kernel image
	Aramid   string // Aramid kernel image; empty or missing means n/a
	Runs     int    // boots per kernel (median taken), at least 3 for a report
	Syscall  bool   // only the syscall subset
	Memory   string
	Timeout  time.Duration // per boot
	CC       string
	Out      io.Writer // progress
	// Systemd, if set, is booted too on each run and each kernel, adding
	// the SystemdRows.
	Systemd *SystemdImage
	// Disk adds the disk rows (not with Syscall): every boot gets a fresh
	// ext4 image (mke2fs -t ext4) as its virtio-blk disk, and the image
	// carries the reference kernel's virtio modules and a 20 MB tree to
	// unpack (disk.go).
	Disk bool
	// DiskOnly runs the disk rows alone (and the boot row).
	DiskOnly bool
	// Icount runs QEMU with -icount shift=0,sleep=off: the guest clock
	// advances one nanosecond per instruction, so every figure is guest
	// instructions per operation, the same however loaded the host is
	// (what a change to a path saves, not what it costs in TCG helpers).
	Icount bool
	// NetOnly runs the networking rows alone (and the boot row).
	NetOnly bool
}

// SystemdImage is a systemd initramfs (mkimage's systemd-v245 recipe) and
// how to judge its boot.
type SystemdImage struct {
	Initrd  string
	Cmdline string
	Expect  systemd.Expect
}

// Run builds the image, boots the kernels interleaved Runs times each and
// returns the rows plus a note about anything that did not run.
func Run(ctx context.Context, o Options) ([]Row, string, error) {
	if err := os.MkdirAll(o.BuildDir, 0o755); err != nil {
		return nil, "", fmt.Errorf("bench: %w", err)
	}
	cc := &contract.Compiler{CC: o.CC, Include: filepath.Dir(o.Src), CacheDir: filepath.Join(o.BuildDir, "cache")}
	bin, err := cc.Compile(ctx, o.Src)
	if err != nil {
		return nil, "", err
	}
	var t contract.Tree
	b, err := os.ReadFile(bin)
	if err != nil {
		return nil, "", fmt.Errorf("bench: %w", err)
	}
	if err := t.AddFile("init", 0o755, b); err != nil {
		return nil, "", err
	}
	// The large exec row's program: static glibc, over 800 KB.
	gcc := &contract.Compiler{CC: "gcc", Include: filepath.Dir(o.Src), CacheDir: filepath.Join(o.BuildDir, "cache-glibc")}
	large, err := gcc.Compile(ctx, filepath.Join(filepath.Dir(o.Src), "exec_large.c"))
	if err != nil {
		return nil, "", err
	}
	if b, err = os.ReadFile(large); err != nil {
		return nil, "", fmt.Errorf("bench: %w", err)
	}
	if len(b) < 800<<10 {
		return nil, "", fmt.Errorf("bench: %s is %d bytes; the large exec row needs at least 800 KB", large, len(b))
	}
	if err := t.AddFile("bin/exec-large", 0o755, b); err != nil {
		return nil, "", err
	}
	if err := t.AddCharDev("dev/console", 0o600, 5, 1); err != nil {
		return nil, "", err
	}
	disk := (o.Disk || o.DiskOnly) && !o.Syscall && !o.NetOnly
	if disk {
		if err := addDiskFiles(&t, o); err != nil {
			return nil, "", err
		}
	}
	initrd := filepath.Join(o.BuildDir, "bench.cpio")
	if err := t.WriteFile(initrd); err != nil {
		return nil, "", err
	}
	set := "all"
	if o.Syscall {
		set = "syscall"
	} else if o.DiskOnly {
		set = "disk"
	} else if o.NetOnly {
		set = "net"
	}
	type kernel struct {
		name, path string
		samples    []Sample
		dead       string // why the kernel is n/a
	}
	ks := []*kernel{{name: "linux", path: o.Linux}, {name: "aramid", path: o.Aramid}}
	if o.Aramid == "" {
		ks[1].dead = "no Aramid kernel given"
	} else if _, err := os.Stat(o.Aramid); err != nil {
		ks[1].dead = fmt.Sprintf("%s does not exist", o.Aramid)
	}
	for run := 0; run < o.Runs; run++ {
		for _, k := range ks {
			if k.dead != "" {
				continue
			}
			var img string
			if disk {
				img = filepath.Join(o.BuildDir, "disk.img")
				if err := makeDisk(ctx, img); err != nil {
					return nil, "", err
				}
			}
			s, err := boot(ctx, k.path, initrd, set, img, o, filepath.Join(o.BuildDir, fmt.Sprintf("%s-run%d.log", k.name, run)))
			if img != "" {
				os.Remove(img)
			}
			if err != nil {
				fmt.Fprintf(o.Out, "bench: %s run %d: %v\n", k.name, run, err)
				if len(s) == 0 {
					if len(k.samples) == 0 {
						k.dead = err.Error()
					}
					continue
				}
				// Keep the rows measured before the failure.
			}
			if o.Systemd != nil {
				if err := bootSystemd(ctx, k.path, o, s, filepath.Join(o.BuildDir, fmt.Sprintf("%s-systemd-run%d.log", k.name, run))); err != nil {
					fmt.Fprintf(o.Out, "bench: %s systemd run %d: %v\n", k.name, run, err)
				}
			}
			fmt.Fprintf(o.Out, "bench: %s run %d: %d rows\n", k.name, run, len(s))
			k.samples = append(k.samples, s)
		}
	}
	med := func(k *kernel, name string) float64 {
		var xs []float64
		for _, s := range k.samples {
			if v, ok := s[name]; ok {
				xs = append(xs, v)
			}
		}
		return Median(xs)
	}
	var rows []Row
	for _, r := range Rows {
		if o.Syscall && !r.Syscall || o.DiskOnly && !strings.HasPrefix(r.Name, "disk_") && r.Name != BootRow ||
			o.NetOnly && !isNetRow(r.Name) && r.Name != BootRow {
			continue
		}
		rows = append(rows, Row{Name: r.Name, Aramid: med(ks[1], r.Name), Linux: med(ks[0], r.Name)})
	}
	if o.Systemd != nil {
		for _, name := range SystemdRows {
			rows = append(rows, Row{Name: name, Aramid: med(ks[1], name), Linux: med(ks[0], name)})
		}
	}
	var notes []string
	for _, k := range ks {
		if k.dead != "" {
			notes = append(notes, fmt.Sprintf("%s: n/a (%s)", k.name, k.dead))
		} else {
			notes = append(notes, fmt.Sprintf("%s: median of %d runs", k.name, len(k.samples)))
		}
	}
	if o.Icount {
		notes = append(notes, "-icount: figures are guest instructions, not ns")
	}
	return rows, strings.Join(notes, "; "), nil
}

// boot runs the benchmark image once and collects its rows. An error means
// the run did not finish; the rows measured before it are still returned.
func boot(ctx context.Context, kernel, initrd, set, disk string, o Options, log string) (Sample, error) {
	s := Sample{}
	done, errLine := false, ""
	cfg := qemu.Config{
		Kernel: kernel, Initrd: initrd, Memory: o.Memory, Timeout: o.Timeout, LogFile: log,
		Append: "console=ttyS0 loglevel=1 panic=-1 bench_set=" + set,
	}
	if disk != "" {
		cfg.Args = []string{"-drive", "file=" + disk + ",format=raw,if=virtio"}
	}
	if o.Icount {
		cfg.Args = append(cfg.Args, "-icount", "shift=0,sleep=off")
	}
	res, err := qemu.Run(ctx, cfg, func(l qemu.Line) bool {
		l.Text = contract.StripEscapes(l.Text)
		switch {
		case strings.Contains(l.Text, "BENCH_INIT"): // may follow an unterminated kernel line
			s[BootRow] = float64(l.At.Nanoseconds())
		case strings.HasPrefix(l.Text, "BENCH_ERROR"):
			errLine = l.Text
			return true
		case l.Text == "BENCH_DONE":
			done = true
			return true
		default:
			if name, ns, ok := ParseLine(l.Text); ok {
				s[name] = ns
			}
		}
		return false
	})
	switch {
	case errLine != "":
		return s, fmt.Errorf("%s (log %s)", errLine, log)
	case err != nil:
		return s, fmt.Errorf("%w (log %s)", err, log)
	case !done && len(s) == 0:
		return nil, fmt.Errorf("PID 1 never reported (QEMU exit %d; log %s)", res.ExitCode, log)
	case !done:
		return s, fmt.Errorf("stopped after %d rows (QEMU exit %d; log %s)", len(s), res.ExitCode, log)
	}
	return s, nil
}

// bootSystemd boots the systemd image once and adds its split to s.
func bootSystemd(ctx context.Context, kernel string, o Options, s Sample, log string) error {
	j, res, err := systemd.Run(ctx, systemd.Boot{Kernel: kernel, Initrd: o.Systemd.Initrd,
		Cmdline: o.Systemd.Cmdline, Memory: o.Memory, Timeout: o.Timeout, LogFile: log}, o.Systemd.Expect)
	if err != nil {
		return fmt.Errorf("%w (log %s)", err, log)
	}
	if !j.Pass() {
		return fmt.Errorf("systemd did not start cleanly (QEMU exit %d; log %s)", res.ExitCode, log)
	}
	sp, err := systemd.ParseSplit(j.Startup)
	if err != nil {
		return err
	}
	s["systemd_kernel"] = float64((sp.Kernel + sp.Initrd).Nanoseconds())
	s["systemd_userspace"] = float64(sp.Userspace.Nanoseconds())
	s["systemd_total"] = float64(sp.Total.Nanoseconds())
	return nil
}
