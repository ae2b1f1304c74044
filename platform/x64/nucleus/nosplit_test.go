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
// Run records the M's TLS for the return from ring 3 and must not be moved
// to another stack or M meanwhile; SinceBoot is called from the nucleus's
// own log stamps.
var mustNosplit = map[string]bool{
	"(*UserContext).Run": true,
	"SinceBoot":          true,
}

// allowedCalls are the runtime functions a nucleus function may call.
var allowedCalls = map[string]map[string]bool{}

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

// TestKernelUsesNoX87 disassembles the whole kernel (runtime and standard
// library included) and fails on any x87 or MMX instruction. The ring-3
// entry and exit paths leave a user thread's x87 registers in the CPU while
// kernel code runs (see user.go), which is only correct while kernel code
// never touches them; a new dependency or Go release that does would
// corrupt user floating point silently without this check.
func TestKernelUsesNoX87(t *testing.T) {
	f := buildKernel(t)
	text := f.Section(".text")
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	decoded := 0
	for _, fn := range functions(t, f) {
		if fn.start < text.Addr || fn.end > text.Addr+uint64(len(data)) {
			continue
		}
		if fn.name == "aramid/platform/x64.vdsoText" {
			continue // the vDSO's user-mode code and data, copied out to processes
		}
		code := data[fn.start-text.Addr : fn.end-text.Addr]
		for off := 0; off < len(code); {
			// x86asm knows no VEX or EVEX encoding (it would read the
			// bytes as something else and lose step): measure those
			// and skip them. They cannot touch x87 or MMX state.
			if n := vexLen(code[off:]); n > 0 {
				decoded++
				off += n
				continue
			}
			inst, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				t.Errorf("%s+%#x: cannot decode % x", fn.name, off, code[off:min(off+8, len(code))])
				break
			}
			decoded++
			if usesX87(inst) && !(isFXSaveRestore(inst) && strings.HasPrefix(fn.name, "aramid/platform/x64/nucleus.")) {
				t.Errorf("%s+%#x: %v", fn.name, off, inst)
			}
			off += inst.Len
		}
	}
	if decoded < 100000 {
		t.Fatalf("decoded only %d instructions", decoded)
	}
	t.Logf("%d instructions decoded", decoded)
}

// vexLen returns the length of the VEX- or EVEX-encoded instruction at the
// start of b (in 64-bit mode C4, C5 and 62 always start one), or 0.
func vexLen(b []byte) int {
	var prefix, opcodeMap int
	switch {
	case len(b) >= 3 && b[0] == 0xc5:
		prefix, opcodeMap = 2, 1
	case len(b) >= 4 && b[0] == 0xc4:
		prefix, opcodeMap = 3, int(b[1]&0x1f)
	case len(b) >= 6 && b[0] == 0x62:
		prefix, opcodeMap = 4, int(b[1]&0x3)
	default:
		return 0
	}
	opcode := b[prefix]
	n := prefix + 1
	if opcodeMap == 1 && opcode == 0x77 { // VZEROUPPER, VZEROALL: no ModRM
		return n
	}
	if n >= len(b) {
		return 0
	}
	modrm := b[n]
	n++
	mod, rm := modrm>>6, modrm&7
	if mod != 3 && rm == 4 {
		if n >= len(b) {
			return 0
		}
		if mod == 0 && b[n]&7 == 5 {
			n += 4
		}
		n++
	}
	switch {
	case mod == 0 && rm == 5:
		n += 4 // RIP-relative
	case mod == 1:
		n++
	case mod == 2:
		n += 4
	}
	switch {
	case opcodeMap == 3, // 0F3A: all take an 8-bit immediate
		opcodeMap == 1 && (opcode >= 0x70 && opcode <= 0x73 || opcode == 0xc2 || opcode >= 0xc4 && opcode <= 0xc6):
		n++
	}
	if n > len(b) {
		return 0
	}
	return n
}

// isFXSaveRestore reports FXSAVE/FXRSTOR: the nucleus's FPU save and
// restore paths on CPUs without XSAVE (they move the x87 state whole, as
// XSAVE/XRSTOR do, and compute nothing with it), allowed only there.
func isFXSaveRestore(inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.FXSAVE, x86asm.FXSAVE64, x86asm.FXRSTOR, x86asm.FXRSTOR64:
		return true
	}
	return false
}

func usesX87(inst x86asm.Inst) bool {
	if op := inst.Op.String(); op[0] == 'F' || op == "EMMS" {
		return true
	}
	for _, a := range inst.Args {
		if r, ok := a.(x86asm.Reg); ok && (r >= x86asm.M0 && r <= x86asm.M7 || r >= x86asm.F0 && r <= x86asm.F7) {
			return true
		}
	}
	return false
}
