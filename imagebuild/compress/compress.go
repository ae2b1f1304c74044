// Package compress wraps an initramfs stream in the compression Linux can
// unpack. xz is written with the CRC32 integrity check: the kernel's XZ
// decoder (lib/xz) supports only NONE and CRC32, and rejects the CRC64 that
// most encoders default to. Every method is deterministic: no timestamps or
// names in headers; xz is cut into fixed-size blocks compressed in parallel
// (NewXzWriter), whose output does not depend on the worker count, and the
// other encoders are single-threaded.
package compress

import (
	"compress/gzip"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Method names a compression format.
type Method string

// Supported methods.
const (
	None Method = "none"
	Gzip Method = "gzip"
	Xz   Method = "xz"
	Zstd Method = "zstd"
)

// Methods lists the supported methods.
var Methods = []Method{Xz, Gzip, Zstd, None}

// Parse validates a method name.
func Parse(s string) (Method, error) {
	for _, m := range Methods {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("compress: unknown method %q (want xz, gzip, zstd or none)", s)
}

// Ext is the file-name suffix for m (".xz", …; "" for none).
func (m Method) Ext() string {
	switch m {
	case Gzip:
		return ".gz"
	case Xz:
		return ".xz"
	case Zstd:
		return ".zst"
	}
	return ""
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// NewWriter returns a WriteCloser compressing into w; Close flushes the
// stream's end but does not close w.
func NewWriter(w io.Writer, m Method) (io.WriteCloser, error) {
	return NewWriterWith(w, m, XzOptions{})
}

// NewWriterWith is NewWriter with the xz writer's options (workers, block
// cache); other methods ignore them.
func NewWriterWith(w io.Writer, m Method, xo XzOptions) (io.WriteCloser, error) {
	switch m {
	case None:
		return nopCloser{w}, nil
	case Gzip:
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	case Xz:
		return NewXzWriter(w, xo)
	case Zstd:
		zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
		if err != nil {
			return nil, fmt.Errorf("compress: zstd: %w", err)
		}
		return zw, nil
	}
	return nil, fmt.Errorf("compress: unknown method %q", m)
}

// Detect names the method of a stream from its first bytes.
func Detect(head []byte) Method {
	switch {
	case len(head) >= 6 && string(head[:6]) == "\xfd7zXZ\x00":
		return Xz
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return Gzip
	case len(head) >= 4 && string(head[:4]) == "\x28\xb5\x2f\xfd":
		return Zstd
	}
	return None
}

// NewReader decompresses r according to m.
func NewReader(r io.Reader, m Method) (io.Reader, error) {
	switch m {
	case None:
		return r, nil
	case Gzip:
		return gzip.NewReader(r)
	case Xz:
		return xz.NewReader(r)
	case Zstd:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("compress: unknown method %q", m)
}
