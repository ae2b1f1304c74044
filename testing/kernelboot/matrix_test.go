package kernelboot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aramid/imagebuild"
	"aramid/imagebuild/recipe"
	"aramid/platform/x64/boot"
	"aramid/testing/qemu"
	"aramid/testing/systemd"
)

// The boot matrix (issue 13): the CPU models, machine types, firmware and
// memory sizes Aramid must boot on, each cell proven by its effect (the
// self-checks' verdict line, or a command typed at the busybox image's
// shell answering) and ended through ACPI: a power-off that QEMU must see
// as one (exit status 0 with no isa-debug-exit device to fall back on), or
// a reboot after which the firmware must start again.
//
// The full cross (6 models x 2 machines x 2 firmwares x 3 sizes x the boot
// paths) costs too much TCG time for make test, so matrixCells chooses a
// covering design: every model on every machine under every firmware at
// 64 MiB (72 MiB under OVMF, see ovmfSmallest) and at 4 GiB, the two
// SeaBIOS boot paths (direct -kernel and GRUB from the disk image)
// alternating over machine and size so that each model meets both on both
// machines, 16 GiB on a subset, reboots spread over models, machines and
// firmwares, RAM above 4 GiB in use (a 1 GiB machine with 128 MiB below
// 4 GiB holding a 256 MiB file), and a CPU without long mode, which both
// kernels must refuse with one line. The reference Linux kernel boots the
// cells where it is cheap enough: one per model (whose AT_MINSIGSTKSZ and
// AT_HWCAP2 every Aramid shell cell of that model must match), the 16 GiB
// MemTotal, the memory above 4 GiB, OVMF, and the refusal. About 330 s of
// QEMU CPU time in all: under three minutes at make test's parallelism of
// two on an idle two-core machine.

// ovmfSmallest replaces 64 MiB under OVMF: at 64 MiB GRUB 2.06 (EFI)
// stops at "error: out of memory." while loading either kernel, Debian's
// Linux as well as Aramid (tried by hand on the busybox disk with each as
// the default entry), before any kernel code runs; 72 MiB is enough.
const ovmfSmallest = "72M"

var (
	matrixCPUs     = []string{"qemu64", "Nehalem", "Haswell", "Skylake-Server", "EPYC", "max"}
	matrixMachines = []string{"pc", "q35"}
)

// matrixCell is one boot of the matrix.
type matrixCell struct {
	Kernel   string // aramid or linux
	CPU      string
	Machine  string // pc or q35
	Firmware string // seabios or ovmf
	Memory   string // QEMU's -m
	Boot     string // kernel (-kernel/-initrd) or grub (the disk image: GRUB, multiboot2)
	Payload  string // selftest, shell, himem, or refuse
	// LowMem, when set, is the RAM QEMU puts below 4 GiB
	// (max-ram-below-4g): the rest of Memory lies above 4 GiB.
	LowMem string
	End    string // poweroff or reboot
}

func (c matrixCell) name() string {
	return strings.Join([]string{c.Kernel, c.CPU, c.Machine, c.Firmware, c.mem(), c.Boot, c.Payload, c.End}, "/")
}

// mem is the memory column: the size, and the part below 4 GiB when the
// cell sets it.
func (c matrixCell) mem() string {
	if c.LowMem != "" {
		return c.Memory + "-" + c.LowMem + "<4G"
	}
	return c.Memory
}

// matrixCells returns the covering design described above.
func matrixCells(haveLinux bool) []matrixCell {
	var cells []matrixCell
	for i, cpu := range matrixCPUs {
		for _, m := range matrixMachines {
			for _, mem := range []string{"64M", "4G"} {
				for _, fw := range []string{"seabios", "ovmf"} {
					c := matrixCell{Kernel: "aramid", CPU: cpu, Machine: m, Firmware: fw, Memory: mem,
						Boot: "grub", Payload: "shell", End: "poweroff"}
					if fw == "ovmf" && mem == "64M" {
						c.Memory = ovmfSmallest
					}
					// SeaBIOS: direct -kernel on pc at 64 MiB and on q35 at
					// 4 GiB, GRUB from the disk on the other two. OVMF
					// cannot start an ELF kernel itself: always GRUB.
					if fw == "seabios" && (m == "pc") == (mem == "64M") {
						c.Boot = "kernel"
						if m == "pc" {
							c.Payload = "selftest"
						}
					}
					// Reboots at 4 GiB: per model one under each firmware,
					// on alternating machines.
					if mem == "4G" && c.Payload == "shell" {
						switch {
						case fw == "ovmf" && m == matrixMachines[i%2]:
							c.End = "reboot"
						case fw == "seabios" && m == matrixMachines[(i+1)%2]:
							c.End = "reboot"
						}
					}
					cells = append(cells, c)
				}
			}
		}
	}
	// 16 GiB: both machines, both firmwares, both boot paths.
	for _, c := range []matrixCell{
		{CPU: "max", Machine: "pc", Firmware: "seabios", Boot: "kernel", Payload: "shell"},
		{CPU: "max", Machine: "q35", Firmware: "ovmf", Boot: "grub", Payload: "shell"},
		{CPU: "EPYC", Machine: "q35", Firmware: "seabios", Boot: "kernel", Payload: "selftest"},
		{CPU: "Haswell", Machine: "pc", Firmware: "ovmf", Boot: "grub", Payload: "shell"},
	} {
		c.Kernel, c.Memory, c.End = "aramid", "16G", "poweroff"
		cells = append(cells, c)
	}
	// RAM above 4 GiB in use: 1 GiB of which QEMU puts 128 MiB below
	// 4 GiB, and a 256 MiB file written to a tmpfs and read back at its
	// end, which cannot fit in the memory below 4 GiB.
	for _, c := range []matrixCell{
		{CPU: "max", Machine: "pc", Firmware: "seabios", Boot: "kernel"},
		{CPU: "EPYC", Machine: "q35", Firmware: "ovmf", Boot: "grub"},
	} {
		c.Kernel, c.Memory, c.LowMem, c.Payload, c.End = "aramid", "1G", "128M", "himem", "poweroff"
		cells = append(cells, c)
	}
	// A CPU without long mode: a one-line refusal, as Linux gives.
	refuse := matrixCell{Kernel: "aramid", CPU: "qemu32", Machine: "pc", Firmware: "seabios", Memory: "128M",
		Boot: "kernel", Payload: "refuse"}
	cells = append(cells, refuse)
	if haveLinux {
		for i, cpu := range matrixCPUs {
			cells = append(cells, matrixCell{Kernel: "linux", CPU: cpu, Machine: matrixMachines[i%2],
				Firmware: "seabios", Memory: "4G", Boot: "kernel", Payload: "shell", End: "poweroff"})
		}
		cells = append(cells, matrixCell{Kernel: "linux", CPU: "max", Machine: "pc", Firmware: "seabios",
			Memory: "16G", Boot: "kernel", Payload: "shell", End: "poweroff"})
		// OVMF starts Linux's EFI stub from -kernel itself.
		cells = append(cells, matrixCell{Kernel: "linux", CPU: "max", Machine: "q35", Firmware: "ovmf",
			Memory: "4G", Boot: "kernel", Payload: "shell", End: "poweroff"})
		cells = append(cells, matrixCell{Kernel: "linux", CPU: "max", Machine: "pc", Firmware: "seabios",
			Memory: "1G", LowMem: "128M", Boot: "kernel", Payload: "himem", End: "poweroff"})
		refuse.Kernel = "linux"
		cells = append(cells, refuse)
	}
	return cells
}

// matrixResult is a cell's outcome.
type matrixResult struct {
	cell     matrixCell
	verdict  string        // ok, refused, or FAIL: why
	booted   time.Duration // QEMU start to the proof (shell answer, selftest verdict, refusal)
	total    time.Duration
	cpu      time.Duration // QEMU's user+system time
	memTotal int64         // MemTotal from /proc/meminfo in KiB, 0 if not read
	// AT_MINSIGSTKSZ and AT_HWCAP2 from /proc/self/auxv (shell cells).
	minSigStkSz, hwcap2 uint64
	note                string
}

// matrixImages is what the cells boot.
type matrixImages struct {
	initramfs string // the busybox recipe's initramfs
	disk      string // its disk image: GRUB (BIOS and UEFI), Aramid as the default entry, ext4 root
	cmdline   string // the recipe's command line
	success   string // the recipe's shell-ready line
	ovmf      string
	linux     string
}

// TestBootMatrix boots the matrix and prints its table (also written to
// build/boot-matrix.txt).
func TestBootMatrix(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	r, err := recipe.Load(filepath.Join(repo, "recipes"), "busybox")
	if err != nil {
		t.Fatal(err)
	}
	ovmf, err := systemd.OVMF()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	out := t.TempDir()
	start := time.Now()
	opts := imagebuild.Options{RepoDir: repo, Epoch: time.Unix(1700000000, 0), EpochFrom: "test",
		Aramid: kernelPath, BootDefault: "aramid", OutDir: out, CacheDir: filepath.Join(out, "cache"),
		Formats: []string{"initramfs", "disk"}}
	if _, err := imagebuild.Build(context.Background(), r, opts); err != nil {
		t.Fatal(err)
	}
	t.Logf("busybox image and disk built in %.1f s", time.Since(start).Seconds())
	img := matrixImages{initramfs: filepath.Join(out, "initramfs.cpio.xz"), disk: filepath.Join(out, imagebuild.DiskName),
		cmdline: r.Cmdline, ovmf: ovmf}
	if r.Checks != nil {
		img.success = r.Checks.Success
	}
	if img.success == "" {
		t.Fatal("the busybox recipe names no checks.success line")
	}
	if l := filepath.Join(repo, "build/linux/vmlinuz"); fileExists(l) {
		img.linux = l
	} else if os.Getenv("CI") != "" {
		t.Fatal("build/linux/vmlinuz missing (make linux-ref)")
	} else {
		t.Log("no build/linux/vmlinuz: the reference rows are left out (make linux-ref)")
	}

	cells := matrixCells(img.linux != "")
	var mu sync.Mutex
	var results []matrixResult
	t.Run("cells", func(t *testing.T) {
		for _, c := range cells {
			t.Run(c.name(), func(t *testing.T) {
				t.Parallel()
				res := runMatrixCell(t, c, img)
				t.Logf("%s: %s (proof %.1f s, QEMU CPU %.1f s, MemTotal %d kB)", c.name(), res.verdict,
					res.booted.Seconds(), res.cpu.Seconds(), res.memTotal)
				if strings.HasPrefix(res.verdict, "FAIL") {
					t.Error(res.verdict)
				}
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
			})
		}
	})
	sort.Slice(results, func(i, j int) bool { return results[i].cell.name() < results[j].cell.name() })
	table := matrixTable(results)
	crossCheck(t, results)
	t.Logf("boot matrix (%d cells, %.0f s wall):\n%s", len(results), time.Since(start).Seconds(), table)
	if err := os.MkdirAll(filepath.Join(repo, "build"), 0o755); err == nil {
		os.WriteFile(filepath.Join(repo, "build", "boot-matrix.txt"), []byte(table), 0o644)
	}
}

// crossCheck compares the kernels where both booted the same thing: the
// 16 GiB MemTotal (Aramid's within 1% of Linux's, and above 4 GiB by far)
// and the refusal.
func crossCheck(t *testing.T, results []matrixResult) {
	var linuxMem int64
	type auxv struct{ minSigStkSz, hwcap2 uint64 }
	linuxAuxv := map[string]auxv{}
	for _, r := range results {
		if r.cell.Kernel == "linux" && r.cell.Memory == "16G" {
			linuxMem = r.memTotal
		}
		if r.cell.Kernel == "linux" && r.minSigStkSz != 0 {
			linuxAuxv[r.cell.CPU] = auxv{r.minSigStkSz, r.hwcap2}
		}
	}
	// AT_MINSIGSTKSZ and AT_HWCAP2 are the CPU model's, the same on both
	// kernels.
	for _, r := range results {
		want, ok := linuxAuxv[r.cell.CPU]
		if r.cell.Kernel != "aramid" || !ok || r.cell.Payload == "selftest" || r.cell.Payload == "refuse" {
			continue
		}
		if got := (auxv{r.minSigStkSz, r.hwcap2}); got != want {
			t.Errorf("%s: AT_MINSIGSTKSZ %d, AT_HWCAP2 %#x; Linux on %s: %d, %#x", r.cell.name(),
				got.minSigStkSz, got.hwcap2, r.cell.CPU, want.minSigStkSz, want.hwcap2)
		}
	}
	for _, r := range results {
		c := r.cell
		if c.Kernel != "aramid" || c.Payload != "shell" || r.memTotal == 0 {
			continue
		}
		if c.Memory == "16G" {
			if r.memTotal < 15<<20 {
				t.Errorf("%s: MemTotal %d kB: RAM above 4 GiB is not counted", c.name(), r.memTotal)
			}
			// Linux's MemTotal leaves out what it reserves at boot: its
			// struct page array (64 bytes per 4 KiB page, 1.6%), the
			// kernel, the swiotlb bounce buffer. Aramid has no page
			// array: its figure is at least Linux's and within 3% of it.
			if linuxMem != 0 && (r.memTotal < linuxMem || r.memTotal > linuxMem*103/100) {
				t.Errorf("%s: MemTotal %d kB, Linux's %d kB: want at least Linux's, at most 3%% more", c.name(), r.memTotal, linuxMem)
			}
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// matrixTable renders the results, one row per cell.
func matrixTable(results []matrixResult) string {
	var b strings.Builder
	var cpu time.Duration
	for _, r := range results {
		cpu += r.cpu
	}
	fmt.Fprintf(&b, "%d cells, QEMU CPU time %.0f s in all\n", len(results), cpu.Seconds())
	fmt.Fprintf(&b, "%-6s %-14s %-4s %-7s %-11s %-6s %-8s %-8s %8s %8s %6s %10s %6s %6s  %s\n",
		"kernel", "cpu", "mach", "fw", "mem", "boot", "payload", "end", "proof_s", "total_s", "cpu_s", "MemTotal", "minsig", "hwcap2", "verdict")
	for _, r := range results {
		c := r.cell
		mem := "-"
		if r.memTotal != 0 {
			mem = strconv.FormatInt(r.memTotal, 10)
		}
		minsig, hwcap2 := "-", "-"
		if r.minSigStkSz != 0 {
			minsig, hwcap2 = strconv.FormatUint(r.minSigStkSz, 10), "0x"+strconv.FormatUint(r.hwcap2, 16)
		}
		v := r.verdict
		if r.note != "" {
			v += " (" + r.note + ")"
		}
		end := c.End
		if end == "" {
			end = "-"
		}
		fmt.Fprintf(&b, "%-6s %-14s %-4s %-7s %-11s %-6s %-8s %-8s %8.1f %8.1f %6.1f %10s %6s %6s  %s\n",
			c.Kernel, c.CPU, c.Machine, c.Firmware, c.mem(), c.Boot, c.Payload, end,
			r.booted.Seconds(), r.total.Seconds(), r.cpu.Seconds(), mem, minsig, hwcap2, v)
	}
	return b.String()
}

var (
	memTotalRE    = regexp.MustCompile(`^MemTotal:\s+(\d+) kB`)
	auxvRE        = regexp.MustCompile(`^auxv (26|51) (\d+)$`)
	selftestEndRE = regexp.MustCompile(`SELFTEST END passed=(\d+) failed=(\d+)`)
	powerOffRE    = regexp.MustCompile(`aramid: power off, status (\d+)`)
)

// Refusal lines for a CPU without long mode: Linux's (its real-mode setup
// code's verify_cpu) and Aramid's (the boot trampoline's).
const (
	linuxRefusal  = "This kernel requires an x86-64 CPU"
	aramidRefusal = boot.RefusalLine
)

// runMatrixCell boots one cell and judges it.
func runMatrixCell(t *testing.T, c matrixCell, img matrixImages) matrixResult {
	res := matrixResult{cell: c}
	machine := c.Machine
	if c.LowMem != "" {
		machine += ",max-ram-below-4g=" + c.LowMem
	}
	cfg := qemu.Config{CPU: c.CPU, Machine: machine, Memory: c.Memory, Timeout: 150 * time.Second,
		NoDebugExit: true, Reboot: c.End == "reboot", LogFile: filepath.Join(t.TempDir(), "serial.log")}
	kernel := kernelPath
	if c.Kernel == "linux" {
		kernel = img.linux
	}
	switch c.Boot {
	case "kernel":
		cfg.Kernel = kernel
		switch c.Payload {
		case "selftest":
			cfg.Append = "console=ttyS0 aramid.selftest=1"
		case "shell", "himem":
			cfg.Initrd, cfg.Append = img.initramfs, img.cmdline
		default:
			cfg.Initrd, cfg.Append = img.initramfs, img.cmdline
			cfg.NoDebugExit = false
		}
	case "grub":
		cfg.Args = append(cfg.Args, "-drive", "file="+img.disk+",format=raw,if=virtio,snapshot=on")
	}
	if c.Firmware == "ovmf" {
		cfg.Args = append(cfg.Args, "-drive", "if=pflash,format=raw,readonly=on,file="+img.ovmf)
	}
	in := qemu.NewInput()
	cfg.Input = in

	// The judge's state.
	var (
		proved, answered, ended, restarted bool
		failure                            string
		offStatus                          = -1
	)
	fwBanner := "SeaBIOS (version"
	if c.Firmware == "ovmf" {
		fwBanner = "BdsDxe:"
	}
	endCommand := "busybox poweroff -f\n"
	if c.End == "reboot" {
		endCommand = "busybox reboot -f\n"
	}
	judge := func(l qemu.Line) bool {
		s := l.Text
		switch {
		case strings.Contains(s, "KERNEL PANIC") || strings.Contains(s, "Kernel panic") ||
			strings.HasPrefix(s, "fatal error") || strings.HasPrefix(s, "SELFTEST FAIL") ||
			strings.Contains(s, "Out of memory: the kernel needs more memory"):
			if failure == "" {
				failure = s
			}
			if !strings.HasPrefix(s, "SELFTEST FAIL") {
				return true
			}
		}
		switch c.Payload {
		case "refuse":
			if strings.Contains(s, linuxRefusal) || strings.Contains(s, aramidRefusal) {
				proved = true
				res.booted = l.At
				res.note = strings.TrimSpace(s)
				return true
			}
			if strings.Contains(s, img.success) {
				failure = "booted a CPU without long mode"
				return true
			}
			return false
		case "selftest":
			if m := selftestEndRE.FindStringSubmatch(s); m != nil {
				res.booted = l.At
				res.note = "passed=" + m[1]
				if m[2] != "0" || m[1] == "0" {
					failure = s
				} else {
					proved = true
				}
			}
		case "shell", "himem":
			if !answered && strings.Contains(s, img.success) && !proved {
				// The shell computes the answer: the echoed command line
				// does not contain it.
				// The auxiliary vector's AT_HWCAP2 (26) and AT_MINSIGSTKSZ
				// (51), as od itself got them, for crossCheck.
				auxv := "busybox od -A n -t u8 -v /proc/self/auxv | busybox awk '$1==26||$1==51{print \"auxv\", $1, $2}'; "
				cmd := auxv + "echo matrix-$((6*7))-ok; grep MemTotal /proc/meminfo\n"
				if c.Payload == "himem" {
					cmd = "busybox mount -t tmpfs -o size=512m tmpfs /tmp; " +
						"busybox dd if=/dev/zero of=/tmp/himem bs=1M count=256 2>/dev/null; " +
						"echo himem-end-$((6*7)) >> /tmp/himem; busybox tail -c 13 /tmp/himem; " +
						auxv + "echo matrix-$((6*7))-ok; grep MemTotal /proc/meminfo\n"
				}
				in.Send(cmd)
			}
			if m := auxvRE.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
				v, _ := strconv.ParseUint(m[2], 10, 64)
				if m[1] == "26" {
					res.hwcap2 = v
				} else {
					res.minSigStkSz = v
				}
			}
			if strings.TrimSpace(s) == "himem-end-42" {
				res.note = "256 MiB file read back"
			}
			if strings.TrimSpace(s) == "matrix-42-ok" {
				proved = c.Payload != "himem" || res.note != ""
				res.booted = l.At
				if !proved {
					failure = "the 256 MiB file's end did not read back"
					return true
				}
			}
			if m := memTotalRE.FindStringSubmatch(strings.TrimSpace(s)); m != nil && proved && !answered {
				answered = true
				res.memTotal, _ = strconv.ParseInt(m[1], 10, 64)
				in.Send(endCommand)
			}
		}
		if m := powerOffRE.FindStringSubmatch(s); m != nil {
			offStatus, _ = strconv.Atoi(m[1])
		}
		if strings.Contains(s, "reboot: Power down") {
			offStatus = 0
		}
		if strings.Contains(s, "aramid: restarting system") || strings.Contains(s, "reboot: Restarting system") {
			ended = true
		}
		if ended && c.End == "reboot" && strings.Contains(s, fwBanner) {
			restarted = true
			return true
		}
		return false
	}
	qres, err := qemu.Run(context.Background(), cfg, judge)
	if qres != nil {
		res.total, res.cpu = qres.Elapsed, qres.CPUTime
	}
	switch {
	case err != nil:
		res.verdict = "FAIL: " + err.Error()
	case failure != "":
		res.verdict = "FAIL: " + failure
	case !proved:
		res.verdict = fmt.Sprintf("FAIL: no proof of boot (QEMU exit %d)", qres.ExitCode)
	case c.Payload == "refuse":
		res.verdict = "refused"
	case (c.Payload == "shell" || c.Payload == "himem") && !answered:
		res.verdict = "FAIL: the shell never printed MemTotal"
	case c.End == "reboot" && !restarted:
		res.verdict = fmt.Sprintf("FAIL: no firmware restart after the reboot (QEMU exit %d)", qres.ExitCode)
	case c.End == "poweroff" && (qres.ExitCode != 0 || offStatus != 0):
		res.verdict = fmt.Sprintf("FAIL: power-off status %d, QEMU exit %d (want an ACPI power-off, exit 0)", offStatus, qres.ExitCode)
	default:
		res.verdict = "ok"
	}
	if strings.HasPrefix(res.verdict, "FAIL") && qres != nil {
		t.Logf("%s\nserial log:\n%s", cfg.CommandLine(), tail(qres.Log(), 60))
	}
	return res
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
