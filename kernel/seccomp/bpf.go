// Package seccomp is the classic BPF machine behind seccomp(2)'s filter
// mode: a validator that accepts exactly the programs Linux accepts for
// SECCOMP_SET_MODE_FILTER (bpf_check_classic followed by
// seccomp_check_filter), an interpreter over struct seccomp_data, and the
// stack of filters a task carries with Linux's precedence between them.
//
// Filters are untrusted input: Compile bounds the length before it
// allocates, every jump is checked to land inside the program and every
// scratch-memory read to follow a store on all paths, so Run needs no
// checks of its own and cannot loop (classic BPF only jumps forward).
//
// The package has no locks; a Filter is immutable once compiled and may be
// shared by any number of tasks.
package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Instruction is struct sock_filter: one classic BPF instruction.
type Instruction struct {
	Code uint16
	Jt   uint8
	Jf   uint8
	K    uint32
}

// InstructionSize is sizeof(struct sock_filter).
const InstructionSize = 8

// MaxInstructions is BPF_MAXINSNS: the longest program Linux accepts.
const MaxInstructions = 4096

// MaxPathInstructions is MAX_INSNS_PER_PATH: the most instructions, each
// filter counting four extra, a task's whole stack may hold.
const MaxPathInstructions = 32768

// memWords is BPF_MEMWORDS, the scratch memory cells.
const memWords = 16

// Classic BPF opcode fields (linux/bpf_common.h, linux/filter.h).
const (
	ClassLD   = 0x00
	ClassLDX  = 0x01
	ClassST   = 0x02
	ClassSTX  = 0x03
	ClassALU  = 0x04
	ClassJMP  = 0x05
	ClassRET  = 0x06
	ClassMISC = 0x07

	SizeW = 0x00
	SizeH = 0x08
	SizeB = 0x10

	ModeIMM = 0x00
	ModeABS = 0x20
	ModeIND = 0x40
	ModeMEM = 0x60
	ModeLEN = 0x80
	ModeMSH = 0xa0

	OpADD = 0x00
	OpSUB = 0x10
	OpMUL = 0x20
	OpDIV = 0x30
	OpOR  = 0x40
	OpAND = 0x50
	OpLSH = 0x60
	OpRSH = 0x70
	OpNEG = 0x80
	OpMOD = 0x90
	OpXOR = 0xa0

	JmpJA   = 0x00
	JmpJEQ  = 0x10
	JmpJGT  = 0x20
	JmpJGE  = 0x30
	JmpJSET = 0x40

	SrcK = 0x00
	SrcX = 0x08

	RetK = 0x00
	RetA = 0x10

	MiscTAX = 0x00
	MiscTXA = 0x80
)

// ErrInvalid is returned for a program Linux would refuse with EINVAL.
var ErrInvalid = errors.New("seccomp: invalid filter")

// Data is struct seccomp_data, what a filter reads.
type Data struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// DataSize is sizeof(struct seccomp_data).
const DataSize = 64

// word returns the 32-bit word at byte offset off (aligned, < DataSize)
// of the little-endian struct seccomp_data.
func (d *Data) word(off uint32) uint32 {
	switch {
	case off == 0:
		return uint32(d.Nr)
	case off == 4:
		return d.Arch
	case off == 8:
		return uint32(d.InstructionPointer)
	case off == 12:
		return uint32(d.InstructionPointer >> 32)
	}
	a := d.Args[(off-16)/8]
	if off%8 != 0 {
		return uint32(a >> 32)
	}
	return uint32(a)
}

// Decode parses n struct sock_filter records from b.
func Decode(b []byte) []Instruction {
	out := make([]Instruction, len(b)/InstructionSize)
	for i := range out {
		r := b[i*InstructionSize:]
		out[i] = Instruction{Code: binary.LittleEndian.Uint16(r), Jt: r[2], Jf: r[3], K: binary.LittleEndian.Uint32(r[4:])}
	}
	return out
}

// Program is a validated filter, rewritten as Linux rewrites it: the
// seccomp_data loads and the length loads become their own opcodes.
type Program struct {
	insns []Instruction
}

// Len is the number of instructions.
func (p *Program) Len() int { return len(p.insns) }

// internal opcodes after rewriting (values no classic opcode uses).
const (
	opLoadData = ClassLDX | SizeW | ModeABS // as Linux: BPF_LDX|BPF_W|BPF_ABS
)

// classicAllowed is chk_code_allowed: every opcode classic BPF knows.
func classicAllowed(code uint16) bool {
	switch code {
	case ClassALU | OpADD | SrcK, ClassALU | OpADD | SrcX,
		ClassALU | OpSUB | SrcK, ClassALU | OpSUB | SrcX,
		ClassALU | OpMUL | SrcK, ClassALU | OpMUL | SrcX,
		ClassALU | OpDIV | SrcK, ClassALU | OpDIV | SrcX,
		ClassALU | OpMOD | SrcK, ClassALU | OpMOD | SrcX,
		ClassALU | OpAND | SrcK, ClassALU | OpAND | SrcX,
		ClassALU | OpOR | SrcK, ClassALU | OpOR | SrcX,
		ClassALU | OpXOR | SrcK, ClassALU | OpXOR | SrcX,
		ClassALU | OpLSH | SrcK, ClassALU | OpLSH | SrcX,
		ClassALU | OpRSH | SrcK, ClassALU | OpRSH | SrcX,
		ClassALU | OpNEG,
		ClassLD | SizeW | ModeABS, ClassLD | SizeH | ModeABS, ClassLD | SizeB | ModeABS,
		ClassLD | SizeW | ModeLEN,
		ClassLD | SizeW | ModeIND, ClassLD | SizeH | ModeIND, ClassLD | SizeB | ModeIND,
		ClassLD | ModeIMM, ClassLD | ModeMEM,
		ClassLDX | SizeW | ModeLEN, ClassLDX | SizeB | ModeMSH,
		ClassLDX | ModeIMM, ClassLDX | ModeMEM,
		ClassST, ClassSTX,
		ClassMISC | MiscTAX, ClassMISC | MiscTXA,
		ClassRET | RetK, ClassRET | RetA,
		ClassJMP | JmpJA,
		ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJEQ | SrcX,
		ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJGE | SrcX,
		ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJGT | SrcX,
		ClassJMP | JmpJSET | SrcK, ClassJMP | JmpJSET | SrcX:
		return true
	}
	return false
}

// isCondJump reports a conditional jump (JEQ, JGE, JGT, JSET).
func isCondJump(code uint16) bool {
	return code&0x07 == ClassJMP && code != ClassJMP|JmpJA
}

// Compile validates a filter as Linux does for SECCOMP_SET_MODE_FILTER
// and returns it ready to run. Every refusal is ErrInvalid (EINVAL).
func Compile(insns []Instruction) (*Program, error) {
	n := len(insns)
	if n == 0 || n > MaxInstructions {
		return nil, fmt.Errorf("%w: %d instructions", ErrInvalid, n)
	}
	// bpf_check_classic.
	for pc, in := range insns {
		if !classicAllowed(in.Code) {
			return nil, fmt.Errorf("%w: opcode %#x at %d", ErrInvalid, in.Code, pc)
		}
		switch {
		case in.Code == ClassALU|OpDIV|SrcK || in.Code == ClassALU|OpMOD|SrcK:
			if in.K == 0 {
				return nil, fmt.Errorf("%w: division by zero at %d", ErrInvalid, pc)
			}
		case in.Code == ClassALU|OpLSH|SrcK || in.Code == ClassALU|OpRSH|SrcK:
			if in.K >= 32 {
				return nil, fmt.Errorf("%w: shift by %d at %d", ErrInvalid, in.K, pc)
			}
		case in.Code == ClassLD|ModeMEM || in.Code == ClassLDX|ModeMEM || in.Code == ClassST || in.Code == ClassSTX:
			if in.K >= memWords {
				return nil, fmt.Errorf("%w: memory cell %d at %d", ErrInvalid, in.K, pc)
			}
		case in.Code == ClassJMP|JmpJA:
			if uint64(in.K) >= uint64(n-pc-1) {
				return nil, fmt.Errorf("%w: jump out of range at %d", ErrInvalid, pc)
			}
		case isCondJump(in.Code):
			if pc+int(in.Jt)+1 >= n || pc+int(in.Jf)+1 >= n {
				return nil, fmt.Errorf("%w: jump out of range at %d", ErrInvalid, pc)
			}
		case in.Code == ClassLD|SizeW|ModeABS || in.Code == ClassLD|SizeH|ModeABS || in.Code == ClassLD|SizeB|ModeABS:
			// Ancillary loads (SKF_AD_OFF and up) name socket data
			// that does not exist here; Linux refuses the unknown
			// ones and seccomp_check_filter the rest.
		}
	}
	if last := insns[n-1].Code; last != ClassRET|RetK && last != ClassRET|RetA {
		return nil, fmt.Errorf("%w: last instruction is not a return", ErrInvalid)
	}
	if err := checkLoadsAndStores(insns); err != nil {
		return nil, err
	}
	// seccomp_check_filter: only the instructions that make sense over
	// struct seccomp_data, with the loads rewritten.
	out := make([]Instruction, n)
	for pc, in := range insns {
		switch in.Code {
		case ClassLD | SizeW | ModeABS:
			if in.K >= DataSize || in.K&3 != 0 {
				return nil, fmt.Errorf("%w: load of offset %d at %d", ErrInvalid, in.K, pc)
			}
			in.Code = opLoadData
		case ClassLD | SizeW | ModeLEN:
			in = Instruction{Code: ClassLD | ModeIMM, K: DataSize}
		case ClassLDX | SizeW | ModeLEN:
			in = Instruction{Code: ClassLDX | ModeIMM, K: DataSize}
		case ClassRET | RetK, ClassRET | RetA,
			ClassALU | OpADD | SrcK, ClassALU | OpADD | SrcX,
			ClassALU | OpSUB | SrcK, ClassALU | OpSUB | SrcX,
			ClassALU | OpMUL | SrcK, ClassALU | OpMUL | SrcX,
			ClassALU | OpDIV | SrcK, ClassALU | OpDIV | SrcX,
			ClassALU | OpAND | SrcK, ClassALU | OpAND | SrcX,
			ClassALU | OpOR | SrcK, ClassALU | OpOR | SrcX,
			ClassALU | OpXOR | SrcK, ClassALU | OpXOR | SrcX,
			ClassALU | OpLSH | SrcK, ClassALU | OpLSH | SrcX,
			ClassALU | OpRSH | SrcK, ClassALU | OpRSH | SrcX,
			ClassALU | OpNEG,
			ClassLD | ModeIMM, ClassLDX | ModeIMM,
			ClassMISC | MiscTAX, ClassMISC | MiscTXA,
			ClassLD | ModeMEM, ClassLDX | ModeMEM,
			ClassST, ClassSTX,
			ClassJMP | JmpJA,
			ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJEQ | SrcX,
			ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJGE | SrcX,
			ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJGT | SrcX,
			ClassJMP | JmpJSET | SrcK, ClassJMP | JmpJSET | SrcX:
		default:
			return nil, fmt.Errorf("%w: opcode %#x not allowed in seccomp at %d", ErrInvalid, in.Code, pc)
		}
		out[pc] = in
	}
	return &Program{insns: out}, nil
}

// checkLoadsAndStores is check_load_and_stores: a scratch cell may only be
// read on paths where it was written.
func checkLoadsAndStores(insns []Instruction) error {
	masks := make([]uint16, len(insns))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, in := range insns {
		valid &= masks[pc]
		switch {
		case in.Code == ClassST || in.Code == ClassSTX:
			valid |= 1 << in.K
		case in.Code == ClassLD|ModeMEM || in.Code == ClassLDX|ModeMEM:
			if valid&(1<<in.K) == 0 {
				return fmt.Errorf("%w: read of unwritten memory cell %d at %d", ErrInvalid, in.K, pc)
			}
		case in.Code == ClassJMP|JmpJA:
			masks[pc+1+int(in.K)] &= valid
			valid = 0xffff
		case isCondJump(in.Code):
			masks[pc+1+int(in.Jt)] &= valid
			masks[pc+1+int(in.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}

// Run executes the program over d and returns its 32-bit result.
func (p *Program) Run(d *Data) uint32 {
	var a, x uint32
	var mem [memWords]uint32
	insns := p.insns
	for pc := 0; pc < len(insns); pc++ {
		in := &insns[pc]
		switch in.Code {
		case opLoadData:
			a = d.word(in.K)
		case ClassLD | ModeIMM:
			a = in.K
		case ClassLDX | ModeIMM:
			x = in.K
		case ClassLD | ModeMEM:
			a = mem[in.K&(memWords-1)]
		case ClassLDX | ModeMEM:
			x = mem[in.K&(memWords-1)]
		case ClassST:
			mem[in.K&(memWords-1)] = a
		case ClassSTX:
			mem[in.K&(memWords-1)] = x
		case ClassMISC | MiscTAX:
			x = a
		case ClassMISC | MiscTXA:
			a = x
		case ClassALU | OpADD | SrcK:
			a += in.K
		case ClassALU | OpADD | SrcX:
			a += x
		case ClassALU | OpSUB | SrcK:
			a -= in.K
		case ClassALU | OpSUB | SrcX:
			a -= x
		case ClassALU | OpMUL | SrcK:
			a *= in.K
		case ClassALU | OpMUL | SrcX:
			a *= x
		case ClassALU | OpDIV | SrcK:
			a /= in.K // never zero: Compile refuses it
		case ClassALU | OpDIV | SrcX:
			if x == 0 {
				return 0 // classic BPF: division by zero ends the program with 0
			}
			a /= x
		case ClassALU | OpAND | SrcK:
			a &= in.K
		case ClassALU | OpAND | SrcX:
			a &= x
		case ClassALU | OpOR | SrcK:
			a |= in.K
		case ClassALU | OpOR | SrcX:
			a |= x
		case ClassALU | OpXOR | SrcK:
			a ^= in.K
		case ClassALU | OpXOR | SrcX:
			a ^= x
		case ClassALU | OpLSH | SrcK:
			a <<= in.K
		case ClassALU | OpLSH | SrcX:
			a = shl(a, x)
		case ClassALU | OpRSH | SrcK:
			a >>= in.K
		case ClassALU | OpRSH | SrcX:
			a = shr(a, x)
		case ClassALU | OpNEG:
			a = -a
		case ClassJMP | JmpJA:
			pc += int(in.K)
		case ClassJMP | JmpJEQ | SrcK:
			pc += branch(a == in.K, in)
		case ClassJMP | JmpJEQ | SrcX:
			pc += branch(a == x, in)
		case ClassJMP | JmpJGE | SrcK:
			pc += branch(a >= in.K, in)
		case ClassJMP | JmpJGE | SrcX:
			pc += branch(a >= x, in)
		case ClassJMP | JmpJGT | SrcK:
			pc += branch(a > in.K, in)
		case ClassJMP | JmpJGT | SrcX:
			pc += branch(a > x, in)
		case ClassJMP | JmpJSET | SrcK:
			pc += branch(a&in.K != 0, in)
		case ClassJMP | JmpJSET | SrcX:
			pc += branch(a&x != 0, in)
		case ClassRET | RetK:
			return in.K
		case ClassRET | RetA:
			return a
		}
	}
	return 0 // unreachable for a compiled program: the last instruction returns
}

// shl and shr are the eBPF translation's 32-bit shifts by a register:
// the count is taken modulo 32, as the x86 instruction does.
func shl(a, x uint32) uint32 { return a << (x & 31) }
func shr(a, x uint32) uint32 { return a >> (x & 31) }

func branch(cond bool, in *Instruction) int {
	if cond {
		return int(in.Jt)
	}
	return int(in.Jf)
}
