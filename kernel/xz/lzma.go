package xz

import (
	"encoding/binary"
	"errors"
)

// Limits of the LZMA model.
const (
	numStates       = 12
	maxPosBits      = 4      // pb and lp are at most 4
	litSize         = 0x300  // per context: a plain tree, then one per match bit
	maxLitStates    = 1 << 4 // LZMA2 requires lc+lp <= 4
	minMatchLen     = 2
	lenLowSymbols   = 8
	lenMidSymbols   = 8
	lenHighSymbols  = 256
	numLenToPos     = 4 // distance slot trees are chosen by min(len-2, 3)
	numSlotBits     = 6
	endPosModel     = 14 // slots below this code their low bits with a tree
	numAlignBits    = 4
	firstMatchState = 7 // states >= this follow a match: literals are "matched"
)

// Errors returned by the LZMA decoder. The LZMA2 layer wraps them with the
// position of the offending chunk.
var (
	errDistance = errors.New("match distance reaches before the dictionary start")
	errMatchEnd = errors.New("match extends past the end of the chunk")
	errOverrun  = errors.New("compressed data ends early")
	errTrailing = errors.New("compressed data not fully consumed")
	errRCInit   = errors.New("range coder does not start with a zero byte")
	errRCEnd    = errors.New("range coder does not finish cleanly")
)

// lenCoder holds the probabilities of one match length decoder.
type lenCoder struct {
	choice  prob
	choice2 prob
	low     [1 << maxPosBits][lenLowSymbols]prob
	mid     [1 << maxPosBits][lenMidSymbols]prob
	high    [lenHighSymbols]prob
}

// probs is the adaptive model apart from the literal tables. It lives in
// one struct so that the decoder reaches every table through one pointer and
// a state reset is a single copy.
type probs struct {
	isMatch    [numStates][1 << maxPosBits]prob
	isRep      [numStates]prob
	isRepG0    [numStates]prob
	isRepG1    [numStates]prob
	isRepG2    [numStates]prob
	isRep0Long [numStates][1 << maxPosBits]prob
	slot       [numLenToPos][1 << numSlotBits]prob
	// special holds one reverse bit tree per distance slot 4..13, indexed
	// from 1 like every tree here; slot 13 has 5 low bits, hence 32.
	special  [endPosModel - 4][1 << 5]prob
	align    [1 << numAlignBits]prob
	matchLen lenCoder
	repLen   lenCoder
}

// litProbs holds the literal tables for every lc/lp context LZMA2 allows.
type litProbs [maxLitStates * litSize]prob

// The initial model, copied on every state reset. Copying is much cheaper
// than refilling, which matters because a stream can reset the state in
// every chunk, and a chunk can be a dozen bytes.
var (
	initialProbs probs
	initialLit   litProbs
)

func init() {
	p := &initialProbs
	fill := func(s []prob) {
		for i := range s {
			s[i] = probInit
		}
	}
	for i := range p.isMatch {
		fill(p.isMatch[i][:])
		fill(p.isRep0Long[i][:])
	}
	fill(p.isRep[:])
	fill(p.isRepG0[:])
	fill(p.isRepG1[:])
	fill(p.isRepG2[:])
	for i := range p.slot {
		fill(p.slot[i][:])
	}
	for i := range p.special {
		fill(p.special[i][:])
	}
	fill(p.align[:])
	for _, lcod := range []*lenCoder{&p.matchLen, &p.repLen} {
		lcod.choice = probInit
		lcod.choice2 = probInit
		for i := range lcod.low {
			fill(lcod.low[i][:])
			fill(lcod.mid[i][:])
		}
		fill(lcod.high[:])
	}
	fill(initialLit[:])
}

// lzmaDecoder is the LZMA state that persists between LZMA2 chunks.
type lzmaDecoder struct {
	lc, lp, pb uint
	state      uint32
	rep        [4]uint32 // distances minus one, as coded
	p          probs
	lit        litProbs
	in         inBuf // the current chunk's compressed data
}

// setProps installs lc, lp and pb from an LZMA properties byte.
func (d *lzmaDecoder) setProps(b byte) error {
	if b >= 9*5*5 {
		return errors.New("invalid LZMA properties byte")
	}
	lc := uint(b % 9)
	b /= 9
	lp := uint(b % 5)
	pb := uint(b / 5)
	if lc+lp > 4 {
		return errors.New("lc + lp exceeds 4")
	}
	d.lc, d.lp, d.pb = lc, lp, pb
	return nil
}

// resetState returns the model to its initial state. Only the literal
// tables that lc and lp can reach are restored.
func (d *lzmaDecoder) resetState() {
	d.state = 0
	d.rep = [4]uint32{}
	d.p = initialProbs
	n := litSize << (d.lc + d.lp)
	copy(d.lit[:n], initialLit[:n])
}

// litNext is the state after a literal. It has 16 entries so that indexing
// it with state&15 needs no bounds check.
var litNext = [16]uint8{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 4, 5}

// decodeChunk decodes one LZMA chunk: src is exactly the chunk's compressed
// data, and out[pos:end] receives exactly its uncompressed data. out[dict:pos]
// is the dictionary available to matches. The model state carries over
// from and to d.
//
// This is the hot loop of the whole package. The range coder lives in the
// locals rng, code and ip and every bit is decoded by inlined code: rcBit,
// which branches on the bit, for the well-predicted flags that choose
// between literal, match and rep; rcBitTree, rcDirect or an open-coded
// equivalent, which compute both outcomes and select, for the near-random
// bits of literals, lengths and distances, where a mispredicted branch per
// bit would cost more. Matches copy straight out of the output slice.
func (d *lzmaDecoder) decodeChunk(src, out []byte, dict, pos, end int) error {
	if len(src) < 5 {
		return errOverrun
	}
	if src[0] != 0 {
		return errRCInit
	}
	if len(src) > inBufSize {
		return errors.New("chunk exceeds the input buffer") // impossible: LZMA2 caps chunks at 64 KiB
	}
	in := &d.in
	copy(in[:], src)
	rng := uint32(0xFFFFFFFF)
	code := uint32(in[1])<<24 | uint32(in[2])<<16 | uint32(in[3])<<8 | uint32(in[4])
	ip := 5
	buf := out[:cap(out)]
	out = out[:end]

	p := &d.p
	state := d.state
	rep0, rep1, rep2, rep3 := d.rep[0], d.rep[1], d.rep[2], d.rep[3]
	lc := d.lc
	lpMask := uint32(1)<<d.lp - 1
	pbMask := uint32(1)<<d.pb - 1
	var prev uint32 // the byte before pos; zero right after a dictionary reset
	if pos > dict {
		prev = uint32(out[pos-1])
	}
	var bit uint32

	for pos < len(out) {
		// Positions count from the dictionary reset, like the encoder's.
		posState := uint32(pos-dict) & pbMask
		rng, code, ip, bit = rcBit(&p.isMatch[state&15][posState&15], rng, code, in, ip)
		if bit == 0 {
			litState := (uint32(pos-dict)&lpMask)<<lc | prev>>(8-lc)
			lit := (*[litSize]prob)(d.lit[(litState&15)*litSize:])
			sym := uint32(1)
			if state >= firstMatchState {
				// After a match the byte at distance rep0 is a strong
				// predictor: decode with the tables keyed by its bits until
				// the first bit that differs from it. (rep0 was checked
				// when the match was decoded; checking again is cheap
				// insurance against a stale distance.)
				if uint(rep0) >= uint(pos-dict) {
					return errDistance
				}
				mb := uint32(out[pos-int(rep0)-1])
				for sym < 0x100 {
					mbit := (mb >> 7) & 1
					mb <<= 1
					rng, code, ip, bit = rcBit(&lit[(0x100<<mbit|sym)&0x3FF], rng, code, in, ip)
					sym = sym<<1 | bit
					if bit != mbit {
						break
					}
				}
			}
			// The remaining bits, branch-free: this is rcBitTree and
			// rcNorm open-coded so that both children's probabilities
			// are loaded before the bit is known, taking a load off the
			// critical path; the next probability is then a select.
			if sym < 0x100 {
				v := uint32(lit[sym])
				for {
					bound := (rng >> probBits) * v
					m := uint32((uint64(code) - uint64(bound)) >> 32)
					c0 := uint32(lit[(sym<<1)&0x1FF])
					c1 := uint32(lit[(sym<<1|1)&0x1FF])
					t := rng - bound
					lit[sym&0xFF] = prob(v - (v+31&m)>>moveBits + probOne>>moveBits&m)
					rng = t ^ ((t ^ bound) & m)
					code -= bound &^ m
					v = c1 ^ ((c1 ^ c0) & m)
					sym = sym<<1 + 1 + m
					rng, code, ip = rcNorm(rng, code, in, ip)
					if sym >= 0x100 {
						break
					}
				}
			}
			out[pos] = byte(sym)
			pos++
			prev = sym & 0xFF
			state = uint32(litNext[state&15])
			continue
		}

		var lcod *lenCoder
		rng, code, ip, bit = rcBit(&p.isRep[state&15], rng, code, in, ip)
		if bit == 0 {
			// A new distance follows the length.
			lcod = &p.matchLen
		} else {
			rng, code, ip, bit = rcBit(&p.isRepG0[state&15], rng, code, in, ip)
			if bit == 0 {
				rng, code, ip, bit = rcBit(&p.isRep0Long[state&15][posState&15], rng, code, in, ip)
				if bit == 0 {
					// Short rep: one byte from distance rep0.
					if uint(rep0) >= uint(pos-dict) {
						return errDistance
					}
					b := out[pos-int(rep0)-1]
					out[pos] = b
					pos++
					prev = uint32(b)
					if state < firstMatchState {
						state = 9
					} else {
						state = 11
					}
					continue
				}
			} else {
				var dist uint32
				rng, code, ip, bit = rcBit(&p.isRepG1[state&15], rng, code, in, ip)
				if bit == 0 {
					dist = rep1
				} else {
					rng, code, ip, bit = rcBit(&p.isRepG2[state&15], rng, code, in, ip)
					if bit == 0 {
						dist = rep2
					} else {
						dist = rep3
						rep3 = rep2
					}
					rep2 = rep1
				}
				rep1 = rep0
				rep0 = dist
			}
			lcod = &p.repLen
		}

		// Length: a 3-bit tree for 0-7, another for 8-15, 8 bits for 16-271.
		var length uint32
		rng, code, ip, bit = rcBit(&lcod.choice, rng, code, in, ip)
		if bit == 0 {
			t := &lcod.low[posState&15]
			sym := uint32(1)
			for sym < lenLowSymbols {
				rng, code, bit = rcBitTree(&t[sym&7], rng, code)
				rng, code, ip = rcNorm(rng, code, in, ip)
				sym = sym<<1 | bit
			}
			length = sym - lenLowSymbols
		} else {
			rng, code, ip, bit = rcBit(&lcod.choice2, rng, code, in, ip)
			if bit == 0 {
				t := &lcod.mid[posState&15]
				sym := uint32(1)
				for sym < lenMidSymbols {
					rng, code, bit = rcBitTree(&t[sym&7], rng, code)
					rng, code, ip = rcNorm(rng, code, in, ip)
					sym = sym<<1 | bit
				}
				length = sym - lenMidSymbols + lenLowSymbols
			} else {
				t := &lcod.high
				sym := uint32(1)
				for sym < lenHighSymbols {
					rng, code, bit = rcBitTree(&t[sym&0xFF], rng, code)
					rng, code, ip = rcNorm(rng, code, in, ip)
					sym = sym<<1 | bit
				}
				length = sym - lenHighSymbols + lenLowSymbols + lenMidSymbols
			}
		}

		if lcod == &p.matchLen {
			lenState := length
			if lenState > numLenToPos-1 {
				lenState = numLenToPos - 1
			}
			t := &p.slot[lenState]
			slot := uint32(1)
			for slot < 1<<numSlotBits {
				rng, code, bit = rcBitTree(&t[slot&63], rng, code)
				rng, code, ip = rcNorm(rng, code, in, ip)
				slot = slot<<1 | bit
			}
			slot -= 1 << numSlotBits
			dist := slot
			if slot >= 4 {
				// The two top bits come from the slot; the rest follow.
				n := slot>>1 - 1
				dist = (2 | slot&1) << n
				if slot < endPosModel {
					t := &p.special[(slot-4)&15]
					m := uint32(1)
					for i := uint32(0); i < n; i++ {
						rng, code, bit = rcBitTree(&t[m&31], rng, code)
						rng, code, ip = rcNorm(rng, code, in, ip)
						m = m<<1 | bit
						dist |= bit << i
					}
				} else {
					var direct uint32
					for i := n - numAlignBits; i > 0; i-- {
						rng, code, ip, bit = rcDirect(rng, code, in, ip)
						direct = direct<<1 | bit
					}
					dist += direct << numAlignBits
					m := uint32(1)
					for i := uint32(0); i < numAlignBits; i++ {
						rng, code, bit = rcBitTree(&p.align[m&15], rng, code)
						rng, code, ip = rcNorm(rng, code, in, ip)
						m = m<<1 | bit
						dist |= bit << i
					}
				}
			}
			// This also rejects the end-of-payload marker (distance
			// 0xFFFFFFFF), which LZMA2 does not allow.
			if uint(dist) >= uint(pos-dict) {
				return errDistance
			}
			rep3, rep2, rep1, rep0 = rep2, rep1, rep0, dist
			if state < firstMatchState {
				state = 7
			} else {
				state = 10
			}
		} else {
			if uint(rep0) >= uint(pos-dict) {
				return errDistance
			}
			if state < firstMatchState {
				state = 8
			} else {
				state = 11
			}
		}

		n := int(length) + minMatchLen
		if n > len(out)-pos {
			return errMatchEnd
		}
		src := pos - int(rep0) - 1
		if rep0 >= 7 && n <= 32 && pos+32 <= len(buf) {
			// Most matches are a few bytes long. Moving 8-byte words is
			// cheaper than a memmove call, and safe because each word is
			// read from at least 8 bytes back, where output is final.
			// It may write past the match end, but only into bytes that
			// are yet to be decoded (buf extends out to its capacity).
			for i := 0; i < n; i += 8 {
				binary.LittleEndian.PutUint64(buf[pos+i:], binary.LittleEndian.Uint64(buf[src+i:]))
			}
		} else if int(rep0) >= n-1 {
			copy(out[pos:pos+n], out[src:src+n])
		} else {
			// Overlapping: the source region repeats with period rep0+1.
			// Copying whole periods from the start doubles the available
			// span each round.
			for k := pos + n; pos < k; {
				pos += copy(out[pos:k], out[src:pos])
			}
			pos -= n
		}
		pos += n
		prev = uint32(out[pos-1])
	}

	d.state = state
	d.rep = [4]uint32{rep0, rep1, rep2, rep3}
	if ip > len(src) {
		return errOverrun
	}
	if ip != len(src) {
		return errTrailing
	}
	if code != 0 {
		return errRCEnd
	}
	return nil
}
