package nucleus_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"aramid/testing/srcdeps"

	"golang.org/x/arch/x86/x86asm"
)

// apiFuncs are called from ordinary Go code above the nucleus (goroutine
// stack, interrupts on) and may use the runtime.
var apiFuncs = map[string]bool{
	"MachineInfo":    true,
	"MemStats":       true,
	"Initrd":         true,
	"Ticks":          true,
	"FaultOnPurpose": true,
	"FaultInNucleus": true,
}

// buildKernel links the kernel the way mkkernel does (minus the post-link
// step, which does not change code).
func buildKernel(t *testing.T) *elf.File {
	t.Helper()
	if err := srcdeps.Track("kernel", "platform"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "kernel")
	cmd := exec.Command("go", "build", "-o", out, "-ldflags", "-T -2145382400", "aramid/kernel/cmd/aramid")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kernel: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// mustNosplit are exported functions that run where the stack may not grow:
// Run sits between entersyscall and exitsyscall; SinceBoot is called from
// the nucleus's own log stamps.
var mustNosplit = map[string]bool{
	"(*UserContext).Run": true,
	"SinceBoot":          true,
}

// allowedCalls are the runtime functions a nucleus function may call: Run
// brackets the ring-3 stretch with the two the runtime exports for this.
var allowedCalls = map[string]map[string]bool{
	"(*UserContext).Run": {"runtime.entersyscall": true, "runtime.exitsyscall": true},
}

func isExported(name string) bool {
	name = strings.TrimPrefix(name, "(*")
	return name != "" && name[0] >= 'A' && name[0] <= 'Z'
}

type function struct {
	name       string
	start, end uint64
}

func functions(t *testing.T, f *elf.File) []function {
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var fns []function
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Size > 0 {
			fns = append(fns, function{s.Name, s.Value, s.Value + s.Size})
		}
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].start < fns[j].start })
	return fns
}

func lookup(fns []function, pc uint64) string {
	i := sort.Search(len(fns), func(i int) bool { return fns[i].end > pc })
	if i < len(fns) && fns[i].start <= pc {
		return fns[i].name
	}
	return "?"
}

// TestNucleusCallsNoRuntime disassembles every nucleus function (Go and
// assembly, including the interrupt and syscall entry paths) and fails on
// any call into the runtime: stack growth (morestack), allocation
// (mallocgc), write barriers, panics (bounds and nil checks) and the
// runtime's memmove/memclr, which may use AVX and clobber vector state a trap
// must preserve. Only the API functions used from ordinary Go code are
// exempt.
func TestNucleusCallsNoRuntime(t *testing.T) {
	f := buildKernel(t)
	text := f.Section(".text")
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	fns := functions(t, f)
	const prefix = "aramid/platform/x64/nucleus."
	checked := 0
	for _, fn := range fns {
		if !strings.HasPrefix(fn.name, prefix) {
			continue
		}
		short := strings.TrimSuffix(strings.TrimPrefix(fn.name, prefix), ".abi0")
		if apiFuncs[short] || strings.Contains(short, ".func") || isExported(short) && !mustNosplit[short] {
			continue
		}
		checked++
		code := data[fn.start-text.Addr : fn.end-text.Addr]
		for off := 0; off < len(code); {
			inst, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				off++
				continue
			}
			pc := fn.start + uint64(off)
			if inst.Op == x86asm.CALL || inst.Op == x86asm.JMP {
				if rel, ok := inst.Args[0].(x86asm.Rel); ok {
					target := lookup(fns, pc+uint64(inst.Len)+uint64(int64(rel)))
					if (strings.HasPrefix(target, "runtime.") || strings.HasPrefix(target, "runtime/")) && !allowedCalls[short][target] {
						t.Errorf("%s+%#x: %v %s", short, off, inst.Op, target)
					}
				}
			}
			off += inst.Len
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d nucleus functions: symbol naming changed?", checked)
	}
	t.Logf("checked %d nucleus functions", checked)
}
