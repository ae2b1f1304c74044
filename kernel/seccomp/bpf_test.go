package seccomp

import (
	"encoding/binary"
	"errors"
	"testing"
)

func stmt(code uint16, k uint32) Instruction { return Instruction{Code: code, K: k} }
func jump(code uint16, k uint32, jt, jf uint8) Instruction {
	return Instruction{Code: code, Jt: jt, Jf: jf, K: k}
}

const (
	ldW    = ClassLD | SizeW | ModeABS
	retK   = ClassRET | RetK
	retA   = ClassRET | RetA
	jeqK   = ClassJMP | JmpJEQ | SrcK
	offNr  = 0
	offArc = 4
	offA0  = 16
)

func TestCompileRefuses(t *testing.T) {
	long := make([]Instruction, MaxInstructions+1)
	for i := range long {
		long[i] = stmt(retK, RetAllow)
	}
	tests := []struct {
		name  string
		insns []Instruction
	}{
		{"empty", nil},
		{"too long", long},
		{"no final return", []Instruction{stmt(ldW, offNr)}},
		{"unknown opcode", []Instruction{stmt(0xffff, 0), stmt(retK, 0)}},
		{"half-word load", []Instruction{stmt(ClassLD|SizeH|ModeABS, 0), stmt(retK, 0)}},
		{"byte load", []Instruction{stmt(ClassLD|SizeB|ModeABS, 0), stmt(retK, 0)}},
		{"indirect load", []Instruction{stmt(ClassLD|SizeW|ModeIND, 0), stmt(retK, 0)}},
		{"msh load", []Instruction{stmt(ClassLDX|SizeB|ModeMSH, 0), stmt(retK, 0)}},
		{"mod (not allowed in seccomp)", []Instruction{stmt(ClassALU|OpMOD|SrcK, 3), stmt(retK, 0)}},
		{"unaligned load", []Instruction{stmt(ldW, 2), stmt(retK, 0)}},
		{"load past seccomp_data", []Instruction{stmt(ldW, 64), stmt(retK, 0)}},
		{"ancillary load", []Instruction{stmt(ldW, 0xfffff000), stmt(retK, 0)}},
		{"division by constant zero", []Instruction{stmt(ClassALU|OpDIV|SrcK, 0), stmt(retK, 0)}},
		{"shift by 32", []Instruction{stmt(ClassALU|OpLSH|SrcK, 32), stmt(retK, 0)}},
		{"memory cell 16", []Instruction{stmt(ClassST, 16), stmt(retK, 0)}},
		{"read before write", []Instruction{stmt(ClassLD|ModeMEM, 3), stmt(retK, 0)}},
		{"read written on one path only", []Instruction{
			jump(jeqK, 1, 0, 1), stmt(ClassST, 2), stmt(ClassLD|ModeMEM, 2), stmt(retA, 0)}},
		{"ja past the end", []Instruction{stmt(ClassJMP|JmpJA, 1), stmt(retK, 0)}},
		{"jt past the end", []Instruction{jump(jeqK, 0, 1, 0), stmt(retK, 0)}},
		{"jf past the end", []Instruction{jump(jeqK, 0, 0, 1), stmt(retK, 0)}},
	}
	for _, tc := range tests {
		if _, err := Compile(tc.insns); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Compile = %v, want ErrInvalid", tc.name, err)
		}
	}
}

func TestRun(t *testing.T) {
	d := &Data{Nr: 39, Arch: AuditArchX86_64, InstructionPointer: 0x1122334455667788,
		Args: [6]uint64{0xaaaabbbb_ccccdddd, 2, 3, 4, 5, 0xffffffff_00000006}}
	tests := []struct {
		name  string
		insns []Instruction
		want  uint32
	}{
		{"allow", []Instruction{stmt(retK, RetAllow)}, RetAllow},
		{"nr match", []Instruction{stmt(ldW, offNr), jump(jeqK, 39, 0, 1), stmt(retK, RetErrno|1), stmt(retK, RetAllow)}, RetErrno | 1},
		{"nr mismatch", []Instruction{stmt(ldW, offNr), jump(jeqK, 40, 0, 1), stmt(retK, RetErrno|1), stmt(retK, RetAllow)}, RetAllow},
		{"arch", []Instruction{stmt(ldW, offArc), stmt(retA, 0)}, AuditArchX86_64},
		{"ip low", []Instruction{stmt(ldW, 8), stmt(retA, 0)}, 0x55667788},
		{"ip high", []Instruction{stmt(ldW, 12), stmt(retA, 0)}, 0x11223344},
		{"arg0 low", []Instruction{stmt(ldW, offA0), stmt(retA, 0)}, 0xccccdddd},
		{"arg0 high", []Instruction{stmt(ldW, offA0+4), stmt(retA, 0)}, 0xaaaabbbb},
		{"arg5 high", []Instruction{stmt(ldW, 60), stmt(retA, 0)}, 0xffffffff},
		{"len", []Instruction{stmt(ClassLD|SizeW|ModeLEN, 0), stmt(retA, 0)}, 64},
		{"ldx len", []Instruction{stmt(ClassLDX|SizeW|ModeLEN, 0), stmt(ClassMISC|MiscTXA, 0), stmt(retA, 0)}, 64},
		{"alu", []Instruction{stmt(ClassLD|ModeIMM, 10), stmt(ClassALU|OpADD|SrcK, 5), stmt(ClassALU|OpMUL|SrcK, 3),
			stmt(ClassALU|OpSUB|SrcK, 1), stmt(ClassALU|OpDIV|SrcK, 2), stmt(ClassALU|OpLSH|SrcK, 4),
			stmt(ClassALU|OpOR|SrcK, 1), stmt(ClassALU|OpXOR|SrcK, 3), stmt(ClassALU|OpAND|SrcK, 0xff),
			stmt(ClassALU|OpRSH|SrcK, 1), stmt(retA, 0)}, (((((10+5)*3-1)/2)<<4 | 1) ^ 3) & 0xff >> 1},
		{"neg", []Instruction{stmt(ClassLD|ModeIMM, 1), stmt(ClassALU|OpNEG, 0), stmt(retA, 0)}, 0xffffffff},
		{"div by zero X returns 0", []Instruction{stmt(ClassLD|ModeIMM, 7), stmt(ClassLDX|ModeIMM, 0),
			stmt(ClassALU|OpDIV|SrcX, 0), stmt(retK, RetAllow)}, 0},
		{"shift by X masks", []Instruction{stmt(ClassLD|ModeIMM, 1), stmt(ClassLDX|ModeIMM, 33),
			stmt(ClassALU|OpLSH|SrcX, 0), stmt(retA, 0)}, 2},
		{"memory", []Instruction{stmt(ClassLD|ModeIMM, 42), stmt(ClassST, 15), stmt(ClassLD|ModeIMM, 0),
			stmt(ClassLDX|ModeMEM, 15), stmt(ClassMISC|MiscTXA, 0), stmt(retA, 0)}, 42},
		{"jset", []Instruction{stmt(ldW, offA0+40), jump(ClassJMP|JmpJSET|SrcK, 4, 1, 0), stmt(retK, 1), stmt(retK, 2)}, 2},
		{"jgt jge", []Instruction{stmt(ldW, offNr), jump(ClassJMP|JmpJGT|SrcK, 39, 2, 0),
			jump(ClassJMP|JmpJGE|SrcK, 39, 0, 1), stmt(retK, 7), stmt(retK, 8)}, 7},
		{"ja", []Instruction{stmt(ClassJMP|JmpJA, 1), stmt(retK, 1), stmt(retK, 2)}, 2},
	}
	for _, tc := range tests {
		p, err := Compile(tc.insns)
		if err != nil {
			t.Errorf("%s: Compile: %v", tc.name, err)
			continue
		}
		if got := p.Run(d); got != tc.want {
			t.Errorf("%s: Run = %#x, want %#x", tc.name, got, tc.want)
		}
	}
}

func TestStackPrecedence(t *testing.T) {
	prog := func(ret uint32) *Program {
		p, err := Compile([]Instruction{stmt(retK, ret)})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		rets []uint32 // oldest first
		want uint32
	}{
		{"allow only", []uint32{RetAllow}, RetAllow},
		{"errno beats allow", []uint32{RetAllow, RetErrno | 5}, RetErrno | 5},
		{"older errno still wins", []uint32{RetErrno | 5, RetAllow}, RetErrno | 5},
		{"newest of equal actions", []uint32{RetErrno | 5, RetErrno | 9}, RetErrno | 9},
		{"trap beats errno", []uint32{RetErrno | 1, RetTrap}, RetTrap},
		{"kill thread beats trap", []uint32{RetTrap, RetKillThread}, RetKillThread},
		{"kill process beats all", []uint32{RetKillThread, RetKillProcess, RetAllow}, RetKillProcess},
		{"log beats allow", []uint32{RetLog, RetAllow}, RetLog},
		{"trace beats log", []uint32{RetLog, RetTrace}, RetTrace},
	}
	for _, tc := range tests {
		var f *Filter
		for _, r := range tc.rets {
			var err error
			if f, err = f.Push(prog(r), false); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.Run(&Data{}); got != tc.want {
			t.Errorf("%s: Run = %#x, want %#x", tc.name, got, tc.want)
		}
		if f.Count() != len(tc.rets) {
			t.Errorf("%s: Count = %d", tc.name, f.Count())
		}
	}
	var none *Filter
	if none.Run(&Data{}) != RetKillProcess {
		t.Error("an empty stack must fail closed")
	}
}

func TestStackLimit(t *testing.T) {
	insns := make([]Instruction, MaxInstructions)
	for i := range insns {
		insns[i] = stmt(retK, RetAllow)
	}
	p, err := Compile(insns)
	if err != nil {
		t.Fatal(err)
	}
	var f *Filter
	n := 0
	for {
		nf, err := f.Push(p, false)
		if err != nil {
			if !errors.Is(err, ErrTooLong) {
				t.Fatal(err)
			}
			break
		}
		f = nf
		n++
	}
	// 8 full filters are 8*4096 + 7*4 > 32768: Linux accepts 7.
	if n != 7 {
		t.Errorf("accepted %d full-size filters, want 7", n)
	}
	if !f.Descends(f.prev) || f.prev.Descends(f) {
		t.Error("Descends")
	}
}

func TestDecode(t *testing.T) {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, ldW)
	b[2], b[3] = 1, 2
	binary.LittleEndian.PutUint32(b[4:], 4)
	binary.LittleEndian.PutUint16(b[8:], retK)
	binary.LittleEndian.PutUint32(b[12:], RetAllow)
	got := Decode(b)
	want := []Instruction{{ldW, 1, 2, 4}, {retK, 0, 0, RetAllow}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Decode = %+v", got)
	}
}

// FuzzCompileRun feeds arbitrary bytes as a filter: Compile must never
// panic, and any program it accepts must run to a return on any data
// without panicking.
func FuzzCompileRun(f *testing.F) {
	seed := func(insns ...Instruction) []byte {
		b := make([]byte, len(insns)*InstructionSize)
		for i, in := range insns {
			binary.LittleEndian.PutUint16(b[i*8:], in.Code)
			b[i*8+2], b[i*8+3] = in.Jt, in.Jf
			binary.LittleEndian.PutUint32(b[i*8+4:], in.K)
		}
		return b
	}
	f.Add(seed(stmt(retK, RetAllow)), uint64(0))
	f.Add(seed(stmt(ldW, 0), jump(jeqK, 39, 0, 1), stmt(retK, RetErrno|1), stmt(retK, RetAllow)), uint64(39))
	f.Add(seed(stmt(ClassLD|ModeIMM, 1), stmt(ClassST, 3), stmt(ClassLDX|ModeMEM, 3),
		stmt(ClassALU|OpDIV|SrcX, 0), stmt(retA, 0)), uint64(7))
	f.Fuzz(func(t *testing.T, b []byte, v uint64) {
		if len(b) > MaxInstructions*InstructionSize*2 {
			return
		}
		p, err := Compile(Decode(b))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Compile error %v is not ErrInvalid", err)
			}
			return
		}
		d := &Data{Nr: int32(v), Arch: uint32(v >> 32), InstructionPointer: v * 3, Args: [6]uint64{v, ^v, v << 1, v >> 1, 0, 1}}
		p.Run(d)
	})
}
