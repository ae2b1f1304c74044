// Command pcprof is a sampling profiler for a guest kernel under QEMU: it
// boots the kernel, asks QEMU's monitor (QMP, "info registers") for the
// virtual CPU's instruction pointer as often as it can, and attributes each
// sample to a function of the kernel ELF (ring 0) or of a user program
// (ring 3), with halted samples counted apart. It needs no help from the
// guest, so it profiles Aramid and the reference Linux kernel the same way
// (Linux's symbols come from -kernel-syms, e.g. a System.map).
//
// Profiling one benchmark row for five seconds:
//
//	go run ./testing/cmd/pcprof -initrd build/bench/bench.cpio \
//	    -append "bench_only=getppid bench_ms=5000" -until BENCH_DONE
//
// With -trace-from ADDR it traces instead (trace.go): every instruction of
// one pass through a loop, counted per function, e.g. one getppid round
// trip from the benchmark loop's first instruction (find it with objdump -d
// on the benchmark binary, which -user also symbolizes).
//
// The samples come from another host thread than the one running the
// virtual CPU, so each is where the CPU was at the end of a translated
// block; over thousands of samples that is a fair picture of where the
// time goes, not an exact one.
package main

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// options are the command's flags.
type options struct {
	kernel, syms, initrd, appendLine, userELF, until, mem, cpu string
	extra                                                      []string
	timeout                                                    time.Duration
	top                                                        int
	// traceFrom, when set, single-steps instead of sampling (trace.go).
	traceFrom uint64
	traceMax  int
	traceSeq  bool
	tracePass int
}

func main() {
	var o options
	flag.StringVar(&o.kernel, "kernel", "build/kernel.elf", "kernel to boot (-kernel)")
	flag.StringVar(&o.syms, "kernel-syms", "", "symbols for the kernel: an ELF, a System.map, or none (default: -kernel)")
	flag.StringVar(&o.initrd, "initrd", "", "initrd (-initrd)")
	flag.StringVar(&o.appendLine, "append", "", "kernel command line")
	flag.StringVar(&o.userELF, "user", "", "a static user program to attribute ring-3 samples to (optional)")
	flag.StringVar(&o.until, "until", "BENCH_DONE", "stop when the serial console prints a line containing this")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up after this long")
	flag.IntVar(&o.top, "top", 40, "functions to print")
	flag.StringVar(&o.mem, "m", "512M", "guest memory")
	flag.StringVar(&o.cpu, "cpu", "max", "QEMU CPU model")
	flag.Func("qemu", "an extra QEMU argument (repeatable), e.g. -qemu -icount -qemu shift=0,sleep=off", func(v string) error {
		o.extra = append(o.extra, v)
		return nil
	})
	flag.Func("trace-from", "single-step from this address (hex, e.g. a benchmark loop's first instruction) until it comes back, counting instructions per function", func(v string) error {
		a, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
		o.traceFrom = a
		return err
	})
	flag.IntVar(&o.traceMax, "trace-max", 2000000, "stop a trace after this many instructions")
	flag.BoolVar(&o.traceSeq, "trace-seq", false, "print the trace's sequence of functions too")
	flag.IntVar(&o.tracePass, "trace-pass", 30, "trace the Nth pass through -trace-from")
	flag.Parse()
	if o.syms == "" {
		o.syms = o.kernel
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "pcprof:", err)
		os.Exit(1)
	}
}

// symtab maps addresses to function names.
type symtab struct {
	addrs []uint64
	names []string
}

func (s *symtab) lookup(pc uint64) string {
	i := sort.Search(len(s.addrs), func(i int) bool { return s.addrs[i] > pc }) - 1
	if i < 0 {
		return fmt.Sprintf("?%#x", pc)
	}
	return s.names[i]
}

func (s *symtab) add(addr uint64, name string) {
	s.addrs = append(s.addrs, addr)
	s.names = append(s.names, name)
}

func (s *symtab) sort() {
	idx := make([]int, len(s.addrs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s.addrs[idx[a]] < s.addrs[idx[b]] })
	a, n := make([]uint64, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		a[i], n[i] = s.addrs[j], s.names[j]
	}
	s.addrs, s.names = a, n
}

// loadSyms reads function symbols from an ELF file or a System.map.
func loadSyms(path string) (*symtab, error) {
	s := &symtab{}
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		all, err := f.Symbols()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, sym := range all {
			if elf.ST_TYPE(sym.Info) == elf.STT_FUNC || elf.ST_TYPE(sym.Info) == elf.STT_NOTYPE && sym.Value != 0 {
				s.add(sym.Value, sym.Name)
			}
		}
		s.sort()
		return s, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || !strings.ContainsAny(fields[1], "tTwW") {
			continue
		}
		a, err := strconv.ParseUint(fields[0], 16, 64)
		if err != nil {
			continue
		}
		s.add(a, fields[2])
	}
	if len(s.addrs) == 0 {
		return nil, fmt.Errorf("%s: neither an ELF file nor a System.map with text symbols", path)
	}
	s.sort()
	return s, nil
}

var (
	ripRE = regexp.MustCompile(`RIP=([0-9a-f]{16})`)
	cplRE = regexp.MustCompile(`CPL=(\d)`)
	hltRE = regexp.MustCompile(`HLT=(\d)`)
)

func run(o options) error {
	ks := &symtab{}
	var err error
	if o.syms != "none" {
		if ks, err = loadSyms(o.syms); err != nil {
			return err
		}
	}
	var us *symtab
	if o.userELF != "" {
		if us, err = loadSyms(o.userELF); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "pcprof")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "qmp")
	args := []string{"-accel", "tcg", "-cpu", o.cpu, "-m", o.mem, "-nographic", "-no-reboot",
		"-monitor", "none", "-qmp", "unix:" + sock + ",server=on,wait=off",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", o.kernel}
	gdbSock := filepath.Join(dir, "gdb")
	if o.traceFrom != 0 {
		args = append(args, "-gdb", "unix:"+gdbSock+",server=on,wait=off")
	}
	if o.initrd != "" {
		args = append(args, "-initrd", o.initrd)
	}
	if o.appendLine != "" {
		args = append(args, "-append", o.appendLine)
	}
	args = append(args, o.extra...)
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()

	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(os.Stderr, "guest:", line)
			if o.until != "" && strings.Contains(line, o.until) {
				break
			}
		}
		close(done)
		io.Copy(io.Discard, out)
	}()

	if o.traceFrom != 0 {
		return trace(ctx, gdbSock, o, ks, us)
	}
	conn, err := dialWait(sock, "QMP")
	if err != nil {
		return err
	}
	defer conn.Close()
	dec := json.NewDecoder(conn)
	var greeting map[string]any
	if err := dec.Decode(&greeting); err != nil {
		return fmt.Errorf("QMP greeting: %w", err)
	}
	if _, err := qmp(conn, dec, `{"execute":"qmp_capabilities"}`); err != nil {
		return err
	}

	counts := map[string]int{}
	var total, user, kern, halted int
	start := time.Now()
	req := `{"execute":"human-monitor-command","arguments":{"command-line":"info registers"}}`
loop:
	for {
		select {
		case <-done:
			break loop
		case <-ctx.Done():
			return errors.New("timed out before the guest printed " + strconv.Quote(o.until))
		default:
		}
		r, err := qmp(conn, dec, req)
		if err != nil {
			break
		}
		m := ripRE.FindStringSubmatch(r)
		if m == nil {
			continue
		}
		pc, _ := strconv.ParseUint(m[1], 16, 64)
		total++
		if h := hltRE.FindStringSubmatch(r); h != nil && h[1] == "1" {
			halted++
			counts["[halted]"]++
			continue
		}
		if c := cplRE.FindStringSubmatch(r); c != nil && c[1] == "3" {
			user++
			name := "[user]"
			if us != nil {
				name = "user:" + us.lookup(pc)
			}
			counts[name]++
			continue
		}
		kern++
		counts[ks.lookup(pc)]++
	}
	el := time.Since(start)
	type kv struct {
		k string
		v int
	}
	var rows []kv
	for k, v := range counts {
		rows = append(rows, kv{k, v})
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].v > rows[b].v || rows[a].v == rows[b].v && rows[a].k < rows[b].k })
	fmt.Printf("%d samples in %v (%.0f/s): kernel %d, user %d, halted %d\n", total, el.Round(time.Millisecond),
		float64(total)/el.Seconds(), kern, user, halted)
	for i, r := range rows {
		if i >= o.top {
			break
		}
		fmt.Printf("%6.2f%% %6d  %s\n", 100*float64(r.v)/float64(max(total, 1)), r.v, r.k)
	}
	return nil
}

// qmp sends one command and returns its "return" value as text, skipping
// asynchronous events.
func qmp(w io.Writer, dec *json.Decoder, cmd string) (string, error) {
	if _, err := io.WriteString(w, cmd+"\n"); err != nil {
		return "", err
	}
	for {
		var m map[string]json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return "", err
		}
		if _, ev := m["event"]; ev {
			continue
		}
		if e, ok := m["error"]; ok {
			return "", fmt.Errorf("QMP: %s", e)
		}
		var s string
		if err := json.Unmarshal(m["return"], &s); err != nil {
			return string(m["return"]), nil
		}
		return s, nil
	}
}

// dialWait connects to the Unix socket QEMU is about to create, trying for
// five seconds.
func dialWait(sock, what string) (net.Conn, error) {
	for i := 0; ; i++ {
		c, err := net.Dial("unix", sock)
		if err == nil {
			return c, nil
		}
		if i > 500 {
			return nil, fmt.Errorf("%s socket: %w", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
