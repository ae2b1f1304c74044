package xz

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"

	ulxz "github.com/ulikunitz/xz"
)

const initramfsPath = "../../build/images/systemd-v245-aramid/initramfs.cpio.xz"

var (
	benchOnce  sync.Once
	benchMixed []byte
)

// benchInputs returns the streams to benchmark: the real initramfs when it
// has been built, and a generated single-block stream of mixed binaries
// shaped like it.
func benchInputs(b *testing.B) map[string][]byte {
	in := map[string][]byte{}
	if src, err := os.ReadFile(initramfsPath); err == nil {
		in["initramfs"] = src
	}
	benchOnce.Do(func() {
		if _, err := exec.LookPath("xz"); err == nil {
			benchMixed = compress(b, mixedBinary(8<<20+1), "-6")
		}
	})
	if benchMixed != nil {
		in["mixed8MiB"] = benchMixed
	}
	return in
}

func benchmark(b *testing.B, decode func(src []byte) ([]byte, error)) {
	for _, name := range []string{"initramfs", "mixed8MiB"} {
		b.Run(name, func(b *testing.B) {
			src, ok := benchInputs(b)[name]
			if !ok {
				b.Skip("input not available")
			}
			out, err := decode(src)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := decode(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	benchmark(b, func(src []byte) ([]byte, error) {
		out, _, err := Decode(src, 1<<30)
		return out, err
	})
}

func BenchmarkULikunitz(b *testing.B) {
	benchmark(b, func(src []byte) ([]byte, error) {
		r, err := ulxz.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	})
}
