package netlink

import (
	"encoding/binary"

	"aramid/kernel/abi"
)

// A classic BPF socket filter (SO_ATTACH_FILTER): run over each message
// before it is queued, it returns how many bytes to keep (0 drops the
// message), as Linux's sk_filter_trim_cap.

// Instruction classes, sizes, modes and operations (linux/filter.h).
const (
	bpfLD   = 0x00
	bpfLDX  = 0x01
	bpfST   = 0x02
	bpfSTX  = 0x03
	bpfALU  = 0x04
	bpfJMP  = 0x05
	bpfRET  = 0x06
	bpfMISC = 0x07

	bpfW = 0x00
	bpfH = 0x08
	bpfB = 0x10

	bpfIMM = 0x00
	bpfABS = 0x20
	bpfIND = 0x40
	bpfMEM = 0x60
	bpfLEN = 0x80
	bpfMSH = 0xa0

	bpfX = 0x08

	maxInsns   = 4096 // BPF_MAXINSNS
	scratchLen = 16   // BPF_MEMWORDS
)

// insn is one struct sock_filter.
type insn struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// filter is a checked program.
type filter []insn

// parseFilter decodes a program of n instructions and checks it as
// Linux's bpf_check_classic does: 1 to 4096 instructions, known opcodes,
// jumps inside the program, scratch slots in range, division by a zero
// constant refused, and a return as the last instruction (EINVAL
// otherwise).
func parseFilter(raw []byte, n int) (filter, error) {
	if n < 1 || n > maxInsns || len(raw) < 8*n {
		return nil, abi.EINVAL
	}
	f := make(filter, n)
	for i := range f {
		b := raw[8*i:]
		f[i] = insn{code: binary.LittleEndian.Uint16(b), jt: b[2], jf: b[3], k: binary.LittleEndian.Uint32(b[4:])}
	}
	for i, in := range f {
		switch in.code & 7 {
		case bpfLD, bpfLDX:
			switch in.code & 0xe0 {
			case bpfIMM, bpfABS, bpfIND, bpfLEN, bpfMSH:
			case bpfMEM:
				if in.k >= scratchLen {
					return nil, abi.EINVAL
				}
			default:
				return nil, abi.EINVAL
			}
		case bpfST, bpfSTX:
			if in.k >= scratchLen {
				return nil, abi.EINVAL
			}
		case bpfALU:
			op := in.code & 0xf0
			if op > 0xa0 && op != 0x80 { // up to XOR (0xa0); NEG is 0x80
				return nil, abi.EINVAL
			}
			if (op == 0x30 || op == 0x90) && in.code&bpfX == 0 && in.k == 0 {
				return nil, abi.EINVAL // DIV or MOD by a zero constant
			}
		case bpfJMP:
			op := in.code & 0xf0
			if op == 0x00 { // JA
				if uint64(i)+1+uint64(in.k) >= uint64(n) {
					return nil, abi.EINVAL
				}
			} else if op > 0x40 || i+1+int(in.jt) >= n || i+1+int(in.jf) >= n {
				return nil, abi.EINVAL
			}
		case bpfRET, bpfMISC:
		}
	}
	if f[n-1].code&7 != bpfRET {
		return nil, abi.EINVAL
	}
	return f, nil
}

// run returns the number of bytes of pkt to keep.
func (f filter) run(pkt []byte) uint32 {
	var a, x uint32
	var mem [scratchLen]uint32
	load := func(off uint32, size uint16) (uint32, bool) {
		var w uint32
		switch size {
		case bpfW:
			w = 4
		case bpfH:
			w = 2
		default:
			w = 1
		}
		if uint64(off)+uint64(w) > uint64(len(pkt)) {
			return 0, false
		}
		switch size {
		case bpfW:
			return binary.BigEndian.Uint32(pkt[off:]), true
		case bpfH:
			return uint32(binary.BigEndian.Uint16(pkt[off:])), true
		}
		return uint32(pkt[off]), true
	}
	for pc := 0; pc < len(f); pc++ {
		in := f[pc]
		switch in.code & 7 {
		case bpfLD:
			switch in.code & 0xe0 {
			case bpfIMM:
				a = in.k
			case bpfLEN:
				a = uint32(len(pkt))
			case bpfMEM:
				a = mem[in.k]
			case bpfABS, bpfIND:
				off := in.k
				if in.code&0xe0 == bpfIND {
					off += x
				}
				v, ok := load(off, in.code&0x18)
				if !ok {
					return 0
				}
				a = v
			}
		case bpfLDX:
			switch in.code & 0xe0 {
			case bpfIMM:
				x = in.k
			case bpfLEN:
				x = uint32(len(pkt))
			case bpfMEM:
				x = mem[in.k]
			case bpfMSH:
				v, ok := load(in.k, bpfB)
				if !ok {
					return 0
				}
				x = (v & 0xf) << 2
			}
		case bpfST:
			mem[in.k] = a
		case bpfSTX:
			mem[in.k] = x
		case bpfALU:
			v := in.k
			if in.code&bpfX != 0 {
				v = x
			}
			switch in.code & 0xf0 {
			case 0x00:
				a += v
			case 0x10:
				a -= v
			case 0x20:
				a *= v
			case 0x30:
				if v == 0 {
					return 0
				}
				a /= v
			case 0x40:
				a |= v
			case 0x50:
				a &= v
			case 0x60:
				a <<= v & 31
			case 0x70:
				a >>= v & 31
			case 0x80:
				a = -a
			case 0x90:
				if v == 0 {
					return 0
				}
				a %= v
			case 0xa0:
				a ^= v
			}
		case bpfJMP:
			v := in.k
			if in.code&bpfX != 0 {
				v = x
			}
			var cond bool
			switch in.code & 0xf0 {
			case 0x00:
				pc += int(in.k)
				continue
			case 0x10:
				cond = a == v
			case 0x20:
				cond = a > v
			case 0x30:
				cond = a >= v
			case 0x40:
				cond = a&v != 0
			}
			if cond {
				pc += int(in.jt)
			} else {
				pc += int(in.jf)
			}
		case bpfRET:
			if in.code&0x18 == 0x10 { // BPF_A
				return a
			}
			return in.k
		case bpfMISC:
			if in.code&0xf8 == 0 { // TAX
				x = a
			} else { // TXA
				a = x
			}
		}
	}
	return 0
}
