package compress

import (
	"bytes"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	kxz "aramid/kernel/xz"

	"github.com/ulikunitz/xz"
)

// blockInput is compressible data spanning several blocks plus a partial one.
func blockInput() []byte {
	rng := rand.New(rand.NewSource(1))
	words := []string{"systemd ", "aramid ", "initramfs ", "\x00\x00\x00\x00", "/usr/lib/", "ELF\x02\x01"}
	var b bytes.Buffer
	for b.Len() < 2*XzBlockSize+12345 {
		b.WriteString(words[rng.Intn(len(words))])
		if rng.Intn(8) == 0 {
			b.WriteByte(byte(rng.Intn(256)))
		}
	}
	return b.Bytes()
}

func encodeXz(t *testing.T, data []byte, o XzOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := NewXzWriter(&b, o)
	if err != nil {
		t.Fatal(err)
	}
	for p := data; len(p) > 0; { // odd write sizes cross block boundaries
		n := min(len(p), 777777)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestXzBlocks: the block-parallel stream decodes to the input with xz(1),
// with the Go reader and with Aramid's kernel decoder; it has one block per
// XzBlockSize of input; its bytes do not depend on the worker count; a
// cache hands back the same blocks, and a damaged cache file is not used.
func TestXzBlocks(t *testing.T) {
	data := blockInput()
	one := encodeXz(t, data, XzOptions{Workers: 1})
	if four := encodeXz(t, data, XzOptions{Workers: 4}); !bytes.Equal(one, four) {
		t.Fatal("1 and 4 workers give different streams")
	}
	r, err := xz.NewReader(bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	if back, err := io.ReadAll(r); err != nil || !bytes.Equal(back, data) {
		t.Errorf("Go reader: %v, %d bytes of %d", err, len(back), len(data))
	}
	if back, _, err := kxz.Decode(one, 64<<20); err != nil || !bytes.Equal(back, data) {
		t.Errorf("kernel/xz: %v, %d bytes of %d", err, len(back), len(data))
	}
	if _, err := exec.LookPath("xz"); err == nil {
		f := filepath.Join(t.TempDir(), "x.xz")
		os.WriteFile(f, one, 0o644)
		back, err := exec.Command("xz", "-dc", f).Output()
		if err != nil || !bytes.Equal(back, data) {
			t.Errorf("xz -dc: %v, %d bytes of %d", err, len(back), len(data))
		}
		out, _ := exec.Command("xz", "--robot", "--list", f).Output()
		if !bytes.Contains(out, []byte("\t3\t")) || !bytes.Contains(out, []byte("CRC32")) {
			t.Errorf("xz --list: want 3 blocks, CRC32:\n%s", out)
		}
	}

	cache := t.TempDir()
	var s1, s2 XzStats
	a := encodeXz(t, data, XzOptions{CacheDir: cache, Stats: &s1})
	b := encodeXz(t, data, XzOptions{CacheDir: cache, Stats: &s2})
	if !bytes.Equal(a, one) || !bytes.Equal(b, one) {
		t.Error("cached encodings differ from the uncached one")
	}
	if s1.Compressed != 3 || s1.Reused != 0 || s2.Compressed != 0 || s2.Reused != 3 {
		t.Errorf("cold %d compressed %d reused, warm %d compressed %d reused; want 3 compressed, then 3 reused",
			s1.Compressed, s1.Reused, s2.Compressed, s2.Reused)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "xz", "*", "*"))
	if len(files) != 3 {
		t.Fatalf("%d cache files, want 3", len(files))
	}
	os.WriteFile(files[0], []byte("damaged"), 0o644)
	var s3 XzStats
	if c := encodeXz(t, data, XzOptions{CacheDir: cache, Stats: &s3}); !bytes.Equal(c, one) || s3.Compressed != 1 {
		t.Errorf("damaged cache file: equal=%v, %d compressed", bytes.Equal(c, one), s3.Compressed)
	}
	// Empty input: a stream with no blocks.
	empty := encodeXz(t, nil, XzOptions{})
	if back, _, err := kxz.Decode(empty, 1<<20); err != nil || len(back) != 0 {
		t.Errorf("empty stream: %v, %d bytes", err, len(back))
	}
}

func TestDictSizeByte(t *testing.T) {
	for _, tc := range []struct{ size, want int }{{4096, 0}, {1 << 20, 16}, {3 << 20, 19}, {4 << 20, 20}, {8 << 20, 22}} {
		if got := dictSizeByte(tc.size); int(got) != tc.want {
			t.Errorf("dictSizeByte(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
}
