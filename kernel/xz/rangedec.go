package xz

// The range decoder is deliberately not an object. Decoding one bit is on
// the critical path of every symbol, and keeping the range, code and input
// position in struct fields would turn each bit into a chain of loads and
// stores through memory. Instead the LZMA loop owns those three values as
// local variables and passes them through the functions below by value.
//
// Every function here must stay within the compiler's inlining budget (rcBit
// sits right at it), or the hot loop slows to a crawl; check with
//
//	go build -gcflags=-m ./kernel/xz 2>&1 | grep 'inline rc'

const (
	probBits = 11 // probabilities are 11-bit fixed point
	probOne  = 1 << probBits
	probInit = probOne / 2
	moveBits = 5 // adaptation speed of a probability
	topValue = 1 << 24
)

// prob is an adaptive probability that the next bit is 0, scaled by probOne.
type prob uint16

// inBufSize is the largest compressed size of an LZMA2 chunk. The chunk is
// copied into a buffer of this power-of-two size so that the input index can
// be masked instead of bounds-checked: a corrupt chunk that reads past its
// end gets stale bytes, never a panic, and the caller rejects it once it sees
// the position overshoot.
const (
	inBufSize = 1 << 16
	inBufMask = inBufSize - 1
)

type inBuf = [inBufSize]byte

// rcBit decodes one bit coded with probability *p and adapts *p. It returns
// the updated range, code and input position, and the bit.
func rcBit(p *prob, rng, code uint32, in *inBuf, pos int) (uint32, uint32, int, uint32) {
	v := *p
	bound := (rng >> probBits) * uint32(v)
	var bit uint32
	if code < bound {
		rng = bound
		v += (probOne - v) >> moveBits
	} else {
		rng -= bound
		code -= bound
		v -= v >> moveBits
		bit = 1
	}
	*p = v
	if rng < topValue {
		rng <<= 8
		code = code<<8 | uint32(in[pos&inBufMask])
		pos++
	}
	return rng, code, pos, bit
}

// rcDirect decodes one bit with a fixed probability of one half, as used
// for the middle bits of large distances. These bits are random, so a branch
// on them would mispredict half the time; the subtraction's sign selects
// instead. (code < rng holds for valid data, making the sign reliable; for
// corrupt data the output is garbage, which the checks reject later.)
func rcDirect(rng, code uint32, in *inBuf, pos int) (uint32, uint32, int, uint32) {
	rng >>= 1
	m := uint32(int32(code-rng) >> 31) // all ones when the bit is 0
	code -= rng &^ m
	if rng < topValue {
		rng <<= 8
		code = code<<8 | uint32(in[pos&inBufMask])
		pos++
	}
	return rng, code, pos, m + 1
}

// rcBitTree is rcBit without the data-dependent branch, for bit trees whose
// bits are close to random, such as literals, where a mispredicted branch
// costs more than computing both outcomes. The caller normalises with
// rcNorm afterwards; the split keeps both halves within the inlining budget.
func rcBitTree(p *prob, rng, code uint32) (uint32, uint32, uint32) {
	v := uint32(*p)
	bound := (rng >> probBits) * v
	// m is all ones when the bit is 0.
	m := uint32((uint64(code) - uint64(bound)) >> 32)
	t := rng - bound
	// Both adaptations in one expression: for a 0 bit,
	// v + (probOne-v)>>5 equals v - (v+31)>>5 + probOne>>5.
	*p = prob(v - (v+31&m)>>moveBits + probOne>>moveBits&m)
	return t ^ ((t ^ bound) & m), code - bound&^m, m + 1
}

// rcNorm keeps the range at least topValue by shifting in the next byte.
func rcNorm(rng, code uint32, in *inBuf, pos int) (uint32, uint32, int) {
	if rng < topValue {
		rng <<= 8
		code = code<<8 | uint32(in[pos&inBufMask])
		pos++
	}
	return rng, code, pos
}
