package main

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"

	"aramid/platform/x64/nucleus"
)

// entropy is the kernel's random source (getrandom, /dev/urandom and
// /dev/random, AT_RANDOM, UUIDs). On a CPU with RDRAND every request reads
// the hardware generator. Without it (SandyBridge and older) the bytes come
// from a ChaCha8 stream keyed from timing jitter — the low bits of many TSC
// deltas around short loops, folded into the key — and rekeyed from fresh
// jitter after every MiB it produces.
var entropy struct {
	mu    sync.Mutex
	gen   *rand.ChaCha8
	count int
}

const rekeyBytes = 1 << 20

// jitterKey gathers a 32-byte key from TSC timing jitter.
func jitterKey() [32]byte {
	var lanes [4]uint64
	last := nucleus.SinceBoot()
	for i := 0; i < 4096; i++ {
		// A loop whose length depends on earlier samples: its timing
		// varies with caches, interrupts and the host's scheduling.
		x := lanes[i&3] | 1
		for j := 0; j < 16+int(x&15); j++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
		now := nucleus.SinceBoot()
		d := uint64(now-last) ^ x
		last = now
		l := &lanes[i&3]
		*l = (*l^d)*0x9e3779b97f4a7c15 + uint64(i)
		*l ^= *l >> 29
	}
	var k [32]byte
	for i, l := range lanes {
		binary.LittleEndian.PutUint64(k[8*i:], l)
	}
	return k
}

// randomBytes fills b from the kernel's random source.
func randomBytes(b []byte) {
	if nucleus.HasRDRAND() {
		nucleus.Random(b)
		return
	}
	entropy.mu.Lock()
	defer entropy.mu.Unlock()
	if entropy.gen == nil || entropy.count >= rekeyBytes {
		entropy.gen = rand.NewChaCha8(jitterKey())
		entropy.count = 0
	}
	for len(b) > 0 {
		n, _ := entropy.gen.Read(b[:min(len(b), 4096)])
		entropy.count += n
		b = b[n:]
	}
}
