package xz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	ulxz "github.com/ulikunitz/xz"
)

// needXZ skips the test when the xz command, which produces every test
// stream, is not installed.
func needXZ(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("xz"); err != nil {
		tb.Skip("xz command not installed")
	}
}

// xzRun runs the xz command with input on stdin and returns its stdout.
func xzRun(tb testing.TB, input []byte, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command("xz", args...)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("xz %s: %v: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// compress returns data compressed by "xz -c args...".
func compress(tb testing.TB, data []byte, args ...string) []byte {
	return xzRun(tb, data, append([]string{"-c", "-q"}, args...)...)
}

// Test corpora, built once per test binary.
var (
	corpusOnce sync.Once
	corpus     map[string][]byte
)

func testData(tb testing.TB, name string) []byte {
	tb.Helper()
	corpusOnce.Do(func() {
		corpus = map[string][]byte{
			"empty":      {},
			"tiny":       []byte("Hello, xz! Hello, xz! Hello, LZMA2.\n"),
			"random":     randomBytes(1<<20, 1),
			"repetitive": repetitive(3 << 20),
			"mixed":      mixedBinary(4<<20 + 12345),
		}
		corpus["mixed512k"] = corpus["mixed"][:512<<10]
	})
	d, ok := corpus[name]
	if !ok {
		tb.Fatalf("no test data %q", name)
	}
	return d
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed)})
	r.Read(b)
	return b
}

// repetitive builds data dominated by long and overlapping matches: byte
// runs (distance 1), short periods that overlap their own copy, and a long
// sentence repeated with occasional edits.
func repetitive(n int) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	sentence := []byte("The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. ")
	var b []byte
	for len(b) < n {
		switch r.IntN(4) {
		case 0:
			b = append(b, bytes.Repeat([]byte{byte(r.IntN(256))}, 1+r.IntN(5000))...)
		case 1:
			period := randomBytes(1+r.IntN(17), r.Uint64())
			b = append(b, bytes.Repeat(period, 1+r.IntN(3000))...)
		case 2:
			for range 1 + r.IntN(40) {
				s := slices.Clone(sentence)
				s[r.IntN(len(s))] = byte('a' + r.IntN(26))
				b = append(b, s...)
			}
		case 3:
			// Repeat a chunk from far back to produce long distances.
			if len(b) > 1<<16 {
				at := r.IntN(len(b) - 1<<15)
				b = append(b, b[at:at+1+r.IntN(1<<15)]...)
			}
		}
	}
	return b[:n]
}

// mixedBinary concatenates executables from /usr/bin (in name order, so the
// corpus is stable on one machine) up to n bytes.
func mixedBinary(n int) []byte {
	names, _ := filepath.Glob("/usr/bin/*")
	slices.Sort(names)
	var b []byte
	for _, name := range names {
		if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		b = append(b, data...)
		if len(b) >= n {
			return b[:n]
		}
	}
	// Not enough binaries: pad with something of similar texture.
	for len(b) < n {
		b = append(b, repetitive(1<<20)...)
		b = append(b, randomBytes(1<<18, uint64(len(b)))...)
	}
	return b[:n]
}

type streamCase struct {
	name string
	data string   // corpus entry
	args []string // xz options
	pad  int      // zero bytes of stream padding to append
}

var streamCases = []streamCase{
	{"empty", "empty", []string{"-6"}, 0},
	{"empty-nocheck", "empty", []string{"--check=none"}, 0},
	{"tiny", "tiny", []string{"-6"}, 0},
	{"tiny-0", "tiny", []string{"-0"}, 0},
	{"random", "random", []string{"-6"}, 0},
	{"repetitive-0", "repetitive", []string{"-0"}, 0},
	{"repetitive-6", "repetitive", []string{"-6"}, 0},
	{"repetitive-smalldict", "repetitive", []string{"--lzma2=preset=6,dict=4KiB"}, 0},
	{"mixed-0", "mixed", []string{"-0"}, 0},
	{"mixed-6", "mixed", []string{"-6"}, 0},
	{"mixed-9e", "mixed", []string{"-9e"}, 0},
	{"check-none", "mixed512k", []string{"--check=none"}, 0},
	{"check-crc32", "mixed512k", []string{"--check=crc32"}, 0},
	{"check-crc64", "mixed512k", []string{"--check=crc64"}, 0},
	{"check-sha256", "mixed512k", []string{"--check=sha256"}, 0},
	{"tiny-sha256", "tiny", []string{"--check=sha256"}, 0},
	{"blocks", "mixed", []string{"-6", "--block-size=512KiB"}, 0},
	{"blocks-sizes", "mixed", []string{"-6", "-T2", "--block-size=700KiB"}, 0},
	{"sizes-one-block", "mixed", []string{"-3", "-T2"}, 0},
	{"lc0-lp2-pb0", "mixed", []string{"--lzma2=preset=6,lc=0,lp=2,pb=0"}, 0},
	{"lc4-lp0", "mixed", []string{"--lzma2=preset=6,lc=4,lp=0"}, 0},
	{"lc1-lp3-pb4", "repetitive", []string{"--lzma2=preset=6,lc=1,lp=3,pb=4"}, 0},
	{"padding4", "tiny", []string{"-6"}, 4},
	{"padding8", "mixed512k", []string{"-6"}, 8},
}

func TestDecode(t *testing.T) {
	needXZ(t)
	for _, tc := range streamCases {
		t.Run(tc.name, func(t *testing.T) {
			data := testData(t, tc.data)
			stream := compress(t, data, tc.args...)
			want := xzRun(t, stream, "-dc")
			if !bytes.Equal(want, data) {
				t.Fatal("xz -dc does not round-trip the corpus")
			}
			src := append(slices.Clone(stream), make([]byte, tc.pad)...)
			got, n, err := Decode(src, len(data))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if n != len(stream) {
				t.Errorf("n = %d, want %d", n, len(stream))
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from xz -dc (%d vs %d bytes)", len(got), len(want))
			}
			// Cross-check the reference Go implementation on the same input.
			r, err := ulxz.NewReader(bytes.NewReader(src))
			if err != nil {
				t.Fatalf("ulikunitz: %v", err)
			}
			var ul bytes.Buffer
			if _, err := ul.ReadFrom(r); err != nil {
				t.Fatalf("ulikunitz: %v", err)
			}
			if !bytes.Equal(got, ul.Bytes()) {
				t.Errorf("output differs from ulikunitz/xz")
			}
		})
	}
}

func TestConcatenated(t *testing.T) {
	needXZ(t)
	a := compress(t, testData(t, "tiny"))
	b := compress(t, testData(t, "mixed512k"))
	src := slices.Concat(a, make([]byte, 4), b)
	got, n, err := Decode(src, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(a) || !bytes.Equal(got, testData(t, "tiny")) {
		t.Errorf("got %d bytes, n = %d; want the first stream only (%d bytes)", len(got), n, len(a))
	}
	got, n, err = Decode(src[n+4:], 1<<30)
	if err != nil || n != len(b) || !bytes.Equal(got, testData(t, "mixed512k")) {
		t.Errorf("second stream: n = %d, err = %v", n, err)
	}
}

func TestTruncated(t *testing.T) {
	needXZ(t)
	for _, tc := range []struct {
		data string
		args []string
	}{
		{"tiny", nil},
		{"empty", nil},
		{"repetitive", []string{"-6", "-T2", "--block-size=256KiB"}},
		{"mixed512k", []string{"--check=sha256"}},
		{"random", nil},
	} {
		stream := compress(t, testData(t, tc.data), tc.args...)
		// Every offset near the ends and in between at a stride: the
		// interesting structures are the headers, index and footer.
		var offsets []int
		for i := 0; i < len(stream); i++ {
			if i < 200 || len(stream)-i < 200 || i%997 == 0 {
				offsets = append(offsets, i)
			}
		}
		for _, i := range offsets {
			_, _, err := Decode(stream[:i], 1<<30)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("%s truncated to %d of %d bytes: err = %v, want ErrFormat", tc.data, i, len(stream), err)
			}
		}
	}
}

func TestCorrupted(t *testing.T) {
	needXZ(t)
	for _, check := range []string{"crc32", "crc64", "sha256"} {
		stream := compress(t, testData(t, "mixed512k"), "--check="+check)
		r := rand.New(rand.NewPCG(1, 2))
		for range 50 {
			bad := slices.Clone(stream)
			// Stay within the compressed data (past the block header and
			// before the check) so that only the decoder or check can notice.
			i := 40 + r.IntN(len(bad)-200)
			bad[i] ^= byte(1 + r.IntN(255))
			_, _, err := Decode(bad, 1<<30)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("check %s, byte %d flipped: err = %v, want ErrFormat", check, i, err)
			}
		}
	}
}

func TestUnsupported(t *testing.T) {
	needXZ(t)
	data := testData(t, "mixed512k")
	for _, args := range [][]string{
		{"--x86", "--lzma2"},
		{"--delta=dist=4", "--lzma2"},
		{"--format=xz", "--arm64", "--lzma2=preset=1"},
	} {
		stream := xzRun(t, data, append([]string{"-c", "-q"}, args...)...)
		_, _, err := Decode(stream, 1<<30)
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("xz %v: err = %v, want ErrUnsupported", args, err)
		}
	}

	// A check type the format defines but this package does not implement.
	stream := compress(t, data)
	stream[7] = 0x02
	binary.LittleEndian.PutUint32(stream[8:], crc32.ChecksumIEEE(stream[6:8]))
	if _, _, err := Decode(stream, 1<<30); !errors.Is(err, ErrUnsupported) {
		t.Errorf("check type 2: err = %v, want ErrUnsupported", err)
	}
}

func TestLimit(t *testing.T) {
	needXZ(t)
	data := testData(t, "mixed512k")
	for _, args := range [][]string{{"-6"}, {"-6", "-T2", "--block-size=100KiB"}} {
		stream := compress(t, data, args...)
		for _, limit := range []int{-1, 0, 1, len(data) / 2, len(data) - 1} {
			if _, _, err := Decode(stream, limit); !errors.Is(err, ErrLimit) {
				t.Errorf("xz %v, limit %d: err = %v, want ErrLimit", args, limit, err)
			}
		}
		if got, _, err := Decode(stream, len(data)); err != nil || !bytes.Equal(got, data) {
			t.Errorf("xz %v, limit = size: err = %v", args, err)
		}
	}
}

// lzma2Chunk describes one chunk of a block's LZMA2 data.
type lzma2Chunk struct {
	off  int  // offset of the control byte in the stream
	ctrl byte // control byte
}

// chunks lists the LZMA2 chunks of the single-block stream s, whose block
// header is assumed to start at byte 12.
func chunks(t *testing.T, s []byte) []lzma2Chunk {
	off := 12 + (int(s[12])+1)*4
	var cs []lzma2Chunk
	for s[off] != 0 {
		c := s[off]
		cs = append(cs, lzma2Chunk{off, c})
		switch {
		case c >= 0xC0:
			off += 6 + int(binary.BigEndian.Uint16(s[off+3:])) + 1
		case c >= 0x80:
			off += 5 + int(binary.BigEndian.Uint16(s[off+3:])) + 1
		case c <= 2:
			off += 3 + int(binary.BigEndian.Uint16(s[off+1:])) + 1
		default:
			t.Fatalf("bad control byte %#x", c)
		}
	}
	return cs
}

// TestLZMA2Rules patches the chunk sequence of real streams to break each
// rule LZMA2 imposes between chunks.
func TestLZMA2Rules(t *testing.T) {
	needXZ(t)
	// Half incompressible, then a copy of all of it, with a literal model
	// that ignores position and the previous byte: xz emits uncompressed
	// chunks for the first part and then LZMA chunks whose matches reach
	// back into them.
	p := randomBytes(100<<10, 3)
	stream := compress(t, slices.Concat(p, p), "--lzma2=preset=6,lc=0,lp=0,pb=0")
	cs := chunks(t, stream)
	var lz int // first LZMA chunk, which follows the uncompressed ones
	for lz < len(cs) && cs[lz].ctrl < 0x80 {
		lz++
	}
	if cs[0].ctrl != 0x01 || lz == len(cs) || cs[lz].ctrl&0xE0 != 0xC0 {
		t.Fatalf("unexpected chunk layout %v", cs)
	}
	if _, _, err := Decode(stream, 1<<30); err != nil {
		t.Fatalf("unpatched stream: %v", err)
	}

	for _, tc := range []struct {
		name  string
		patch func(s []byte)
		msg   string
	}{
		{"no initial dictionary reset", func(s []byte) { s[cs[0].off] = 0x02 }, "does not reset the dictionary"},
		{"no properties after reset", func(s []byte) { s[cs[lz].off] = 0xA0 | cs[lz].ctrl&0x1F }, "without properties"},
		{"lc+lp > 4", func(s []byte) { s[cs[lz].off+5] = 4 + 9*1 }, "lc + lp"},
		{"properties out of range", func(s []byte) { s[cs[lz].off+5] = 225 }, "properties"},
		{"invalid control", func(s []byte) { s[cs[lz].off] = 0x03 }, "control byte"},
		// A dictionary reset in front of the LZMA chunk leaves its matches
		// pointing at data they may no longer see.
		{"match before dictionary reset", func(s []byte) { s[cs[lz].off] |= 0xE0 }, "dictionary start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := slices.Clone(stream)
			tc.patch(s)
			_, _, err := Decode(s, 1<<30)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want ErrFormat mentioning %q", err, tc.msg)
			}
		})
	}
}

// buildStream wraps raw LZMA2 data in a minimal valid xz stream with a CRC32
// check of content; the block header optionally records both sizes.
func buildStream(lzma2, content []byte, sizes bool) []byte {
	hdr := []byte{0, 0}
	if sizes {
		hdr[1] = 0xC0
		hdr = binary.AppendUvarint(hdr, uint64(len(lzma2)))
		hdr = binary.AppendUvarint(hdr, uint64(len(content)))
	}
	hdr = append(hdr, 0x21, 1, 16) // LZMA2, 8 MiB dictionary
	for len(hdr)%4 != 0 {
		hdr = append(hdr, 0)
	}
	hdr[0] = byte(len(hdr) / 4) // header size including the CRC, /4, -1
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.ChecksumIEEE(hdr))

	s := []byte{0xFD, '7', 'z', 'X', 'Z', 0, 0, 1}
	s = binary.LittleEndian.AppendUint32(s, crc32.ChecksumIEEE(s[6:8]))
	s = append(s, hdr...)
	s = append(s, lzma2...)
	for i := len(hdr) + len(lzma2); i%4 != 0; i++ {
		s = append(s, 0) // block padding
	}
	s = binary.LittleEndian.AppendUint32(s, crc32.ChecksumIEEE(content))

	idx := []byte{0, 1}
	idx = binary.AppendUvarint(idx, uint64(len(hdr)+len(lzma2)+4))
	idx = binary.AppendUvarint(idx, uint64(len(content)))
	for len(idx)%4 != 0 {
		idx = append(idx, 0)
	}
	idx = binary.LittleEndian.AppendUint32(idx, crc32.ChecksumIEEE(idx))
	s = append(s, idx...)

	f := binary.LittleEndian.AppendUint32(nil, uint32(len(idx)/4-1))
	f = append(f, 0, 1)
	s = binary.LittleEndian.AppendUint32(s, crc32.ChecksumIEEE(f))
	return append(append(s, f...), 'Y', 'Z')
}

// TestHandmade decodes streams assembled here: uncompressed chunks, several
// dictionary resets in one block, and size fields that lie.
func TestHandmade(t *testing.T) {
	raw := slices.Concat(
		[]byte{0x01, 0, 4}, []byte("hello"),
		[]byte{0x02, 0, 0}, []byte(","),
		[]byte{0x01, 0, 5}, []byte(" world"),
		[]byte{0x00})
	want := []byte("hello, world")
	for _, sizes := range []bool{false, true} {
		got, n, err := Decode(buildStream(raw, want, sizes), 100)
		if err != nil || !bytes.Equal(got, want) || n != len(buildStream(raw, want, sizes)) {
			t.Errorf("sizes=%v: got %q, %d, %v", sizes, got, n, err)
		}
	}
	for _, tc := range []struct {
		name    string
		lzma2   []byte
		content []byte
		sizes   bool
	}{
		{"no end marker", raw[:len(raw)-1], want, false},
		{"wrong uncompressed size", raw, want[:5], true},
		{"wrong content", raw, []byte("hello, World"), false},
		{"empty chunk data", []byte{0x01, 0, 0}, nil, false},
	} {
		if _, _, err := Decode(buildStream(tc.lzma2, tc.content, tc.sizes), 100); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", tc.name, err)
		}
	}
	// Not xz at all.
	for _, src := range [][]byte{nil, []byte("hello"), make([]byte, 64)} {
		if _, _, err := Decode(src, 100); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: err = %v, want ErrFormat", src, err)
		}
	}
}

func TestErrorContext(t *testing.T) {
	needXZ(t)
	stream := compress(t, testData(t, "tiny"))
	stream[len(stream)-3] ^= 1 // footer flags
	_, _, err := Decode(stream, 100)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "at byte") {
		t.Errorf("err = %v, want ErrFormat with a byte offset", err)
	}
}
