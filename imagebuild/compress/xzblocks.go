package compress

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/ulikunitz/xz/lzma"
)

// XzBlockSize is how much input one xz block holds. The input is cut into
// blocks of this size, each compressed on its own (LZMA2, a fresh
// dictionary), so blocks compress in parallel and the output depends only
// on the input: one .xz stream, the same bytes whatever the worker count.
const XzBlockSize = 4 << 20

// xzDictCap is each block's LZMA2 dictionary: a block never needs more.
const xzDictCap = XzBlockSize

// xzFormat names the encoding in cache keys: a change of encoder settings
// must not reuse blocks made with the old ones.
const xzFormat = "xz-blocks v1 lzma2 lc3 lp0 pb2 dict=4MiB ulikunitz/xz v0.5.17"

// XzOptions tune the block-parallel xz writer.
type XzOptions struct {
	// Workers compress blocks concurrently; 0 means GOMAXPROCS.
	Workers int
	// CacheDir, when set, keeps every compressed block under its content's
	// sha256 (CacheDir/xz/<hash>), so a block compressed before is read
	// back instead of compressed again.
	CacheDir string
	// Stats, when set, counts blocks compressed and reused.
	Stats *XzStats
}

// XzStats counts what a writer did.
type XzStats struct {
	mu                 sync.Mutex
	Compressed, Reused int
}

func (s *XzStats) add(reused bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if reused {
		s.Reused++
	} else {
		s.Compressed++
	}
}

// xzBlock is one block on its way: its input, then its encoding.
type xzBlock struct {
	in   []byte
	out  []byte // compressed LZMA2 data
	err  error
	done chan struct{}
}

// xzWriter writes one .xz stream (CRC32 check, which Linux's decoder
// needs) of independently compressed blocks.
type xzWriter struct {
	w       io.Writer
	o       XzOptions
	cur     []byte
	pending []*xzBlock
	sem     chan struct{}
	index   []indexRecord
	err     error
	closed  bool
}

type indexRecord struct{ unpadded, uncompressed uint64 }

// NewXzWriter returns a writer of a block-parallel .xz stream into w.
func NewXzWriter(w io.Writer, o XzOptions) (io.WriteCloser, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	x := &xzWriter{w: w, o: o, sem: make(chan struct{}, o.Workers)}
	// Stream header: magic, flags (check type 1 = CRC32), CRC32 of the flags.
	hdr := []byte{0xfd, '7', 'z', 'X', 'Z', 0, 0, 1, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(hdr[8:], crc32.ChecksumIEEE(hdr[6:8]))
	if _, err := w.Write(hdr); err != nil {
		return nil, fmt.Errorf("compress: xz: %w", err)
	}
	return x, nil
}

func (x *xzWriter) Write(p []byte) (int, error) {
	if x.closed {
		return 0, errors.New("compress: xz: write after close")
	}
	if x.err != nil {
		return 0, x.err
	}
	n := len(p)
	for len(p) > 0 {
		if x.cur == nil {
			x.cur = make([]byte, 0, XzBlockSize)
		}
		k := min(len(p), XzBlockSize-len(x.cur))
		x.cur = append(x.cur, p[:k]...)
		p = p[k:]
		if len(x.cur) == XzBlockSize {
			if err := x.dispatch(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// dispatch starts compressing the current block and writes out finished
// blocks beyond the number in flight.
func (x *xzWriter) dispatch() error {
	b := &xzBlock{in: x.cur, done: make(chan struct{})}
	x.cur = nil
	x.pending = append(x.pending, b)
	x.sem <- struct{}{}
	go func() {
		defer func() { <-x.sem; close(b.done) }()
		b.out, b.err = encodeBlock(b.in, x.o)
	}()
	for len(x.pending) > x.o.Workers {
		if err := x.flushOne(); err != nil {
			return err
		}
	}
	return nil
}

// flushOne waits for the oldest block and writes it.
func (x *xzWriter) flushOne() error {
	b := x.pending[0]
	x.pending = x.pending[1:]
	<-b.done
	if b.err != nil {
		x.err = b.err
		return b.err
	}
	if err := x.writeBlock(b.in, b.out); err != nil {
		x.err = err
		return err
	}
	return nil
}

// writeBlock writes a block: header (with both sizes, so a decoder can size
// its buffer), the LZMA2 data, padding and the CRC32 of the input.
func (x *xzWriter) writeBlock(in, out []byte) error {
	var h []byte
	h = append(h, 0, 0xc0) // size (set below); flags: 1 filter, both sizes present
	h = binary.AppendUvarint(h, uint64(len(out)))
	h = binary.AppendUvarint(h, uint64(len(in)))
	h = append(h, 0x21, 1, dictSizeByte(xzDictCap)) // LZMA2, 1 property byte
	for (len(h)+4)%4 != 0 {
		h = append(h, 0)
	}
	h[0] = byte((len(h)+4)/4 - 1)
	h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(h))
	var buf bytes.Buffer
	buf.Grow(len(h) + len(out) + 8)
	buf.Write(h)
	buf.Write(out)
	for pad := (4 - len(out)%4) % 4; pad > 0; pad-- {
		buf.WriteByte(0)
	}
	var check [4]byte
	binary.LittleEndian.PutUint32(check[:], crc32.ChecksumIEEE(in))
	buf.Write(check[:])
	if _, err := x.w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("compress: xz: %w", err)
	}
	x.index = append(x.index, indexRecord{uint64(len(h) + len(out) + 4), uint64(len(in))})
	return nil
}

func (x *xzWriter) Close() error {
	if x.closed {
		return x.err
	}
	x.closed = true
	if x.err != nil {
		return x.err
	}
	if len(x.cur) > 0 {
		if err := x.dispatch(); err != nil {
			return err
		}
	}
	for len(x.pending) > 0 {
		if err := x.flushOne(); err != nil {
			return err
		}
	}
	// Index: indicator, record count, records, padding, CRC32.
	idx := []byte{0}
	idx = binary.AppendUvarint(idx, uint64(len(x.index)))
	for _, r := range x.index {
		idx = binary.AppendUvarint(idx, r.unpadded)
		idx = binary.AppendUvarint(idx, r.uncompressed)
	}
	for len(idx)%4 != 0 {
		idx = append(idx, 0)
	}
	idx = binary.LittleEndian.AppendUint32(idx, crc32.ChecksumIEEE(idx))
	// Stream footer: CRC32 of (backward size, flags), backward size, flags, magic.
	foot := make([]byte, 12)
	binary.LittleEndian.PutUint32(foot[4:], uint32(len(idx)/4-1))
	foot[8], foot[9] = 0, 1
	binary.LittleEndian.PutUint32(foot[0:], crc32.ChecksumIEEE(foot[4:10]))
	foot[10], foot[11] = 'Y', 'Z'
	if _, err := x.w.Write(append(idx, foot...)); err != nil {
		x.err = fmt.Errorf("compress: xz: %w", err)
	}
	return x.err
}

// encodeBlock compresses one block to raw LZMA2 data, through the cache
// when there is one.
func encodeBlock(in []byte, o XzOptions) ([]byte, error) {
	var file string
	if o.CacheDir != "" {
		h := sha256.New()
		h.Write([]byte(xzFormat))
		h.Write([]byte{0})
		h.Write(in)
		key := hex.EncodeToString(h.Sum(nil))
		file = filepath.Join(o.CacheDir, "xz", key[:2], key)
		// A cache file is the sha256 of the data, then the data: a damaged
		// one is compressed again, never used.
		if b, err := os.ReadFile(file); err == nil && len(b) >= sha256.Size {
			if sum := sha256.Sum256(b[sha256.Size:]); bytes.Equal(sum[:], b[:sha256.Size]) {
				o.Stats.add(true)
				return b[sha256.Size:], nil
			}
		}
	}
	var out bytes.Buffer
	cfg := lzma.Writer2Config{DictCap: xzDictCap}
	zw, err := cfg.NewWriter2(&out)
	if err != nil {
		return nil, fmt.Errorf("compress: xz: %w", err)
	}
	if _, err := zw.Write(in); err != nil {
		return nil, fmt.Errorf("compress: xz: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress: xz: %w", err)
	}
	o.Stats.add(false)
	if file != "" {
		storeBlock(file, out.Bytes())
	}
	return out.Bytes(), nil
}

// dictSizeByte encodes an LZMA2 dictionary size as the xz filter property:
// the smallest n whose size 2^(n/2+12) (even n) or 3·2^((n-1)/2+11) (odd n)
// holds it.
func dictSizeByte(size int) byte {
	for n := 0; n < 40; n++ {
		var s uint64
		if n%2 == 0 {
			s = 1 << (n/2 + 12)
		} else {
			s = 3 << ((n-1)/2 + 11)
		}
		if s >= uint64(size) {
			return byte(n)
		}
	}
	return 40
}

// storeBlock writes a cache file (sha256, data) atomically. Best effort: a
// cache that cannot be written only costs speed.
func storeBlock(file string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(file), ".tmp-")
	if err != nil {
		return
	}
	sum := sha256.Sum256(data)
	_, err = f.Write(append(sum[:], data...))
	if cerr := f.Close(); err == nil && cerr == nil {
		err = os.Rename(f.Name(), file)
	}
	if err != nil {
		os.Remove(f.Name())
	}
}
