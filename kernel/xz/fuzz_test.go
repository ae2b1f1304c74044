package xz

import (
	"bytes"
	"errors"
	"os/exec"
	"testing"
)

// fuzzSeeds returns small valid streams covering the features Decode
// handles, or nothing when xz is missing.
func fuzzSeeds(tb testing.TB) [][]byte {
	if _, err := exec.LookPath("xz"); err != nil {
		return nil
	}
	small := repetitive(20 << 10)
	mixed := mixedBinary(16 << 10)
	var seeds [][]byte
	for _, s := range []struct {
		data []byte
		args []string
	}{
		{nil, nil},
		{[]byte("hello, hello, hello"), []string{"--check=none"}},
		{small, []string{"-0"}},
		{small, []string{"--check=sha256"}},
		{mixed, []string{"-6", "--check=crc64"}},
		{mixed, []string{"--lzma2=preset=6,lc=0,lp=2,pb=0"}},
		{randomBytes(3000, 9), nil},
		{append(mixed[:4096:4096], small[:4096]...), []string{"-T2", "--block-size=2KiB"}},
	} {
		seeds = append(seeds, compress(tb, s.data, s.args...))
	}
	return seeds
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		f.Add(append(s, 0, 0, 0, 0))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, n, err := Decode(src, 256<<10)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrLimit) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if n < 32 || n > len(src) || n%4 != 0 {
			t.Fatalf("n = %d for %d bytes of input", n, len(src))
		}
		// The stream alone must decode the same.
		out2, n2, err := Decode(src[:n], len(out))
		if err != nil || n2 != n || !bytes.Equal(out, out2) {
			t.Fatalf("re-decoding the %d-byte stream: n = %d, err = %v", n, n2, err)
		}
	})
}

// FuzzLZMA2 feeds arbitrary bytes to the LZMA2 decoder inside a valid
// container, so the fuzzer need not rediscover header CRCs to reach it.
func FuzzLZMA2(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if len(s) > 24 && s[12] == 2 { // one 12-byte block header
			f.Add(s[24:])
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _, err := Decode(buildStream(raw, nil, false), 256<<10)
		if err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrLimit) {
			t.Fatalf("unexpected error: %v", err)
		}
	})
}
