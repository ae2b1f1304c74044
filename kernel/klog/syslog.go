package klog

import (
	"fmt"
	"strings"

	"aramid/kernel/abi"
)

// syslog(2) actions (SYSLOG_ACTION_*).
const (
	ActionClose        = 0
	ActionOpen         = 1
	ActionRead         = 2
	ActionReadAll      = 3
	ActionReadClear    = 4
	ActionClear        = 5
	ActionConsoleOff   = 6
	ActionConsoleOn    = 7
	ActionConsoleLevel = 8
	ActionSizeUnread   = 9
	ActionSizeBuffer   = 10
)

// Caps are the capabilities syslog(2) checks.
type Caps struct {
	Syslog, SysAdmin bool
}

// SyslogAllowed applies Linux's check_syslog_permissions for a syslog(2)
// call: with dmesg_restrict off, everybody may READ_ALL and SIZE_BUFFER;
// every other action (any action at all with dmesg_restrict on, and an
// unknown one) needs CAP_SYSLOG (or, deprecated, CAP_SYS_ADMIN).
func (l *Logger) SyslogAllowed(action int, c Caps) error {
	l.mu.Lock()
	restricted := l.restrict || action != ActionReadAll && action != ActionSizeBuffer
	l.mu.Unlock()
	if restricted && !c.Syslog && !c.SysAdmin {
		return abi.EPERM
	}
	return nil
}

// syslogText formats a record as syslog(2) hands it out: "<prio>" and the
// timestamp before each line of its text.
func syslogText(r Record) string {
	prefix := fmt.Sprintf("<%d>%s ", r.Prio, Stamp(r.At))
	var b strings.Builder
	for _, line := range strings.Split(r.Text, "\n") {
		b.WriteString(prefix)
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Syslog carries out the actions that neither read records nor block:
// CLOSE, OPEN, CLEAR, CONSOLE_OFF, CONSOLE_ON, CONSOLE_LEVEL (length is the
// level), SIZE_UNREAD and SIZE_BUFFER. The caller has checked
// SyslogAllowed.
func (l *Logger) Syslog(action, length int) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch action {
	case ActionClose, ActionOpen:
		return 0, nil
	case ActionClear:
		if l.Ring != nil {
			_, l.clearSeq = l.Ring.Bounds()
		}
		return 0, nil
	case ActionConsoleOff:
		if l.saved == -1 {
			l.saved = l.printk[0]
		}
		l.printk[0] = l.printk[2]
		return 0, nil
	case ActionConsoleOn:
		if l.saved != -1 {
			l.printk[0] = l.saved
			l.saved = -1
		}
		return 0, nil
	case ActionConsoleLevel:
		if length < 1 || length > 8 {
			return 0, abi.EINVAL
		}
		l.printk[0] = max(length, l.printk[2])
		l.saved = -1 // setting a level turns the console back on
		return 0, nil
	case ActionSizeUnread:
		if l.Ring == nil {
			return 0, nil
		}
		n := 0
		for _, r := range l.Ring.Since(l.readSeq) {
			n += len(syslogText(r))
		}
		return n, nil
	case ActionSizeBuffer:
		return LogBufLen, nil
	}
	return 0, abi.EINVAL
}

// ReadAll implements SYSLOG_ACTION_READ_ALL and READ_CLEAR: the newest
// records since the last clear that fit in length bytes, whole, oldest
// first; clear moves the clear point past them.
func (l *Logger) ReadAll(length int, clear bool) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Ring == nil {
		return nil
	}
	recs := l.Ring.Since(l.clearSeq)
	texts := make([]string, len(recs))
	total := 0
	for i, r := range recs {
		texts[i] = syslogText(r)
		total += len(texts[i])
	}
	start := 0
	for start < len(texts) && total > length {
		total -= len(texts[start])
		start++
	}
	out := make([]byte, 0, total)
	for _, t := range texts[start:] {
		out = append(out, t...)
	}
	if clear {
		if len(recs) > 0 {
			l.clearSeq = recs[len(recs)-1].Seq + 1
		}
	}
	return out
}

// Read implements SYSLOG_ACTION_READ: it consumes unread records, as many
// whole ones as fit in length (the first one in part if it alone does not
// fit). With nothing unread it returns no data and a channel closed when a
// record arrives.
func (l *Logger) Read(length int) ([]byte, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Ring == nil {
		return nil, make(chan struct{})
	}
	first, _ := l.Ring.Bounds()
	if l.readSeq < first {
		l.readSeq, l.readPartial = first, 0
	}
	var out []byte
	for len(out) < length {
		r, wait, err := l.Ring.Get(l.readSeq)
		if err != nil {
			if len(out) == 0 {
				return nil, wait
			}
			break
		}
		t := syslogText(r)[l.readPartial:]
		switch {
		case len(t) <= length-len(out):
			out = append(out, t...)
			l.readSeq++
			l.readPartial = 0
			continue
		case len(out) == 0:
			out = append(out, t[:length]...)
			l.readPartial += length
		}
		break
	}
	return out, nil
}
