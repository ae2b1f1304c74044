// Package klog is the kernel log: printk-style lines on the console,
// prefixed with the time since power-on ("[    0.123456] "), each with a
// level (KERN_EMERG … KERN_DEBUG) that decides, as on Linux, whether the
// console shows it (level < console_loglevel, or ignore_loglevel), while
// the ring behind /dev/kmsg and syslog(2) keeps every record whatever its
// level.
//
// The four numbers of /proc/sys/kernel/printk (console_loglevel,
// default_message_loglevel, minimum_console_loglevel,
// default_console_loglevel) and dmesg_restrict live in the Logger;
// syslog.go implements syslog(2)'s actions on them and on the ring.
//
// Locking: Logger.mu guards the levels, the syslog reader's position and
// the console writer; it is taken before Ring.mu, never after.
package klog

import (
	"fmt"

	"aramid/kernel/abi"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Levels, as printk's KERN_* (the syslog severities).
const (
	Emerg   = 0
	Alert   = 1
	Crit    = 2
	Err     = 3
	Warning = 4
	Notice  = 5
	Info    = 6
	Debug   = 7
)

// Linux's defaults in the reference configuration: CONFIG_CONSOLE_LOGLEVEL_
// DEFAULT=7, CONFIG_CONSOLE_LOGLEVEL_QUIET=4 (the `quiet` parameter),
// CONFIG_MESSAGE_LOGLEVEL_DEFAULT=4, CONSOLE_LOGLEVEL_MIN=1 and
// CONSOLE_LOGLEVEL_DEBUG=10 (the `debug` parameter).
const (
	DefaultConsoleLevel = 7
	QuietConsoleLevel   = 4
	DefaultMessageLevel = 4
	MinimumConsoleLevel = 1
	DebugConsoleLevel   = 10
)

// Logger writes timestamped lines. It is safe for concurrent use.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	clock func() time.Duration
	buf   []byte
	// Ring, if set, also receives every line as a record for /dev/kmsg
	// and syslog(2).
	Ring *Ring

	// printk[0..3]: console_loglevel, default_message_loglevel,
	// minimum_console_loglevel, default_console_loglevel.
	printk [4]int
	// ignore is ignore_loglevel: the console shows every level.
	ignore bool
	// restrict is kernel.dmesg_restrict (CONFIG_SECURITY_DMESG_RESTRICT=y).
	restrict bool
	// saved is the console level SYSLOG_ACTION_CONSOLE_OFF put aside, -1
	// when the console is on.
	saved int
	// readSeq is SYSLOG_ACTION_READ's position, clearSeq where READ_ALL
	// starts (moved by CLEAR and READ_CLEAR).
	readSeq, clearSeq uint64
	// readPartial is how much of record readSeq READ has handed out.
	readPartial int
}

// New returns a Logger writing to w, stamping lines with clock (time since
// boot), with Linux's default levels.
func New(w io.Writer, clock func() time.Duration) *Logger {
	return &Logger{w: w, clock: clock, restrict: true, saved: -1,
		printk: [4]int{DefaultConsoleLevel, DefaultMessageLevel, MinimumConsoleLevel, DefaultConsoleLevel}}
}

// SetConsoleLevel sets console_loglevel (the `quiet`, `debug` and
// `loglevel=` parameters) and ignore_loglevel.
func (l *Logger) SetConsoleLevel(level int, ignore bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.printk[0] = level
	l.ignore = ignore
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

// Log records one message at level (0-7) and prints it on the console if
// the level is shown (a trailing newline is added if missing).
func (l *Logger) Log(level int, format string, args ...any) {
	l.log(level, true, fmt.Sprintf(format, args...))
}

// Errorf, Warnf, Noticef, Infof and Debugf are Log at KERN_ERR,
// KERN_WARNING, KERN_NOTICE, KERN_INFO and KERN_DEBUG.
func (l *Logger) Errorf(format string, args ...any)  { l.Log(Err, format, args...) }
func (l *Logger) Warnf(format string, args ...any)   { l.Log(Warning, format, args...) }
func (l *Logger) Noticef(format string, args ...any) { l.Log(Notice, format, args...) }
func (l *Logger) Infof(format string, args ...any)   { l.Log(Info, format, args...) }
func (l *Logger) Debugf(format string, args ...any)  { l.Log(Debug, format, args...) }

// Emergf and Alertf are Log at KERN_EMERG and KERN_ALERT.
func (l *Logger) Emergf(format string, args ...any) { l.Log(Emerg, format, args...) }
func (l *Logger) Alertf(format string, args ...any) { l.Log(Alert, format, args...) }

// Console prints text at level on the console only, if the level is
// shown: for records already in the ring (written to /dev/kmsg).
func (l *Logger) Console(level int, text string) { l.log(level&7, false, text) }

// Shown reports whether the console prints messages of level.
func (l *Logger) Shown(level int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shownLocked(level)
}

func (l *Logger) shownLocked(level int) bool { return l.ignore || level < l.printk[0] }

func (l *Logger) log(level int, record bool, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.clock()
	text = strings.TrimRight(text, "\n")
	if record && l.Ring != nil {
		l.Ring.Add(level&7, at, text)
	}
	if !l.shownLocked(level & 7) {
		return
	}
	l.buf = append(l.buf[:0], Stamp(at)...)
	l.buf = append(l.buf, ' ')
	l.buf = append(l.buf, text...)
	l.buf = append(l.buf, '\n')
	l.w.Write(l.buf)
}

// DefaultMessageLevel returns default_message_loglevel: the level of a
// /dev/kmsg record written without one.
func (l *Logger) DefaultMessageLevel() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.printk[1]
}

// Printk returns /proc/sys/kernel/printk's text: the four levels.
func (l *Logger) Printk() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("%d\t%d\t%d\t%d\n", l.printk[0], l.printk[1], l.printk[2], l.printk[3])
}

// SetPrintk parses a write to /proc/sys/kernel/printk: up to four
// integers, each setting its level in order (proc_dointvec: no range
// check; fewer numbers leave the rest alone).
func (l *Logger) SetPrintk(text string) error {
	vals, err := parseInts(text, 4)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	copy(l.printk[:], vals)
	return nil
}

// DmesgRestrict returns kernel.dmesg_restrict's text.
func (l *Logger) DmesgRestrict() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.restrict {
		return "1\n"
	}
	return "0\n"
}

// SetDmesgRestrict parses a write to kernel.dmesg_restrict (0 or 1; the
// caller has checked CAP_SYS_ADMIN).
func (l *Logger) SetDmesgRestrict(text string) error {
	vals, err := parseInts(text, 1)
	if err != nil {
		return err
	}
	if len(vals) == 0 {
		return nil
	}
	if vals[0] != 0 && vals[0] != 1 {
		return abi.EINVAL
	}
	l.mu.Lock()
	l.restrict = vals[0] == 1
	l.mu.Unlock()
	return nil
}

// parseInts reads up to n whitespace-separated decimal integers, as
// proc_dointvec does.
func parseInts(text string, n int) ([]int, error) {
	f := strings.Fields(text)
	if len(f) > n {
		f = f[:n]
	}
	out := make([]int, 0, len(f))
	for _, s := range f {
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, abi.EINVAL
		}
		out = append(out, int(v))
	}
	return out, nil
}
