package compress

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTripAndDeterminism(t *testing.T) {
	data := bytes.Repeat([]byte("aramid initramfs "), 5000)
	for _, m := range Methods {
		t.Run(string(m), func(t *testing.T) {
			enc := func() []byte {
				var b bytes.Buffer
				w, err := NewWriter(&b, m)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Write(data); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				return b.Bytes()
			}
			a, b := enc(), enc()
			if !bytes.Equal(a, b) {
				t.Error("two encodings differ")
			}
			if got := Detect(a); got != m {
				t.Errorf("Detect = %s", got)
			}
			r, err := NewReader(bytes.NewReader(a), m)
			if err != nil {
				t.Fatal(err)
			}
			back, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(back, data) {
				t.Errorf("round trip: %v, %d bytes", err, len(back))
			}
		})
	}
}

// TestXzCheckIsCRC32 asks xz(1) which integrity check the stream carries.
func TestXzCheckIsCRC32(t *testing.T) {
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("xz not installed (make deps installs xz-utils)")
	}
	var b bytes.Buffer
	w, _ := NewWriter(&b, Xz)
	w.Write([]byte("hello"))
	w.Close()
	f := filepath.Join(t.TempDir(), "x.xz")
	if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xz", "--robot", "--list", f).CombinedOutput()
	if err != nil {
		t.Fatalf("xz --list: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "CRC32") {
		t.Errorf("xz --list does not report CRC32:\n%s", out)
	}
}

func TestParse(t *testing.T) {
	if _, err := Parse("lz4"); err == nil {
		t.Error("lz4 accepted")
	}
	if m, err := Parse("zstd"); err != nil || m != Zstd {
		t.Errorf("Parse(zstd) = %v %v", m, err)
	}
}
