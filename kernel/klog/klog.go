// Package klog writes the kernel's boot log: one line per message, prefixed
// like Linux's printk with the time since power-on, "[    0.123456] ".
package klog

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Logger writes timestamped lines. It is safe for concurrent use.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	clock func() time.Duration
	buf   []byte
	// Ring, if set, also receives every line as a record (level info) for
	// /dev/kmsg.
	Ring *Ring
}

// New returns a Logger writing to w, stamping lines with clock (time since
// boot).
func New(w io.Writer, clock func() time.Duration) *Logger {
	return &Logger{w: w, clock: clock}
}

// Stamp formats d as Linux does: seconds right-aligned in five columns, a
// dot, microseconds in six digits.
func Stamp(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	us := d.Microseconds()
	return fmt.Sprintf("[%5d.%06d]", us/1e6, us%1e6)
}

// Printf logs one line (a trailing newline is added if missing).
func (l *Logger) Printf(format string, args ...any) { l.printf(true, format, args...) }

// ConsolePrintf prints a line on the console only: for records that are
// already in the ring (written to /dev/kmsg).
func (l *Logger) ConsolePrintf(format string, args ...any) { l.printf(false, format, args...) }

func (l *Logger) printf(record bool, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.clock()
	l.buf = append(l.buf[:0], Stamp(at)...)
	l.buf = append(l.buf, ' ')
	start := len(l.buf)
	l.buf = fmt.Appendf(l.buf, format, args...)
	if record && l.Ring != nil {
		l.Ring.Add(6, at, strings.TrimRight(string(l.buf[start:]), "\n"))
	}
	if n := len(l.buf); n == 0 || l.buf[n-1] != '\n' {
		l.buf = append(l.buf, '\n')
	}
	l.w.Write(l.buf)
}
