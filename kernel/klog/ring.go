package klog

import (
	"errors"
	"sync"
	"time"
)

// LogBufLen is the size of the kernel log buffer in bytes (Linux's
// log_buf_len with CONFIG_LOG_BUF_SHIFT=17, what SYSLOG_ACTION_SIZE_BUFFER
// reports): the ring keeps records while their text fits in it.
const LogBufLen = 1 << 17

// Record is one kernel log entry, as /dev/kmsg hands it out.
type Record struct {
	Seq  uint64
	Prio int           // syslog facility<<3 | level
	At   time.Duration // since boot
	Text string
}

// Ring keeps the newest kernel log records for /dev/kmsg and syslog(2)
// readers: at most a fixed number of records, and at most LogBufLen bytes
// of text.
type Ring struct {
	mu      sync.Mutex
	recs    []Record // oldest first; recs[i].Seq == first+i
	max     int      // records kept at most
	bytes   int      // text bytes held
	first   uint64   // sequence number of the oldest record kept
	next    uint64   // sequence number the next record gets
	changed chan struct{}
	// Notify, if set, is called after each Add (outside the lock).
	Notify func()
}

// Errors from Get.
var (
	ErrNoRecord = errors.New("klog: no record yet")      // seq is not written yet
	ErrOverrun  = errors.New("klog: record overwritten") // seq fell out of the ring
)

// NewRing returns a ring keeping up to n records.
func NewRing(n int) *Ring {
	return &Ring{recs: make([]Record, 0, min(n, 64)), max: max(n, 1), changed: make(chan struct{})}
}

// Add appends a record and wakes readers. Text longer than the buffer is
// cut to fit, as printk truncates an over-long record.
func (r *Ring) Add(prio int, at time.Duration, text string) {
	if len(text) > LogBufLen {
		text = text[:LogBufLen]
	}
	r.mu.Lock()
	for len(r.recs) > 0 && (len(r.recs) >= r.max || r.bytes+len(text) > LogBufLen) {
		r.bytes -= len(r.recs[0].Text)
		r.recs[0] = Record{}
		r.recs = r.recs[1:]
		r.first++
	}
	r.recs = append(r.recs, Record{Seq: r.next, Prio: prio, At: at, Text: text})
	r.bytes += len(text)
	r.next++
	close(r.changed)
	r.changed = make(chan struct{})
	notify := r.Notify
	r.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// Bounds returns the oldest kept sequence number and the next one to come.
func (r *Ring) Bounds() (first, next uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first, r.next
}

// Get returns record seq. ErrOverrun means it is gone (the oldest kept
// follows); ErrNoRecord means it is not written yet, and the channel is
// closed when a record is added.
func (r *Ring) Get(seq uint64) (Record, <-chan struct{}, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case seq < r.first:
		return Record{}, nil, ErrOverrun
	case seq >= r.next:
		return Record{}, r.changed, ErrNoRecord
	}
	return r.recs[seq-r.first], nil, nil
}

// Since returns the records from seq on (from the oldest kept if seq is
// gone).
func (r *Ring) Since(seq uint64) []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq = max(seq, r.first)
	if seq >= r.next {
		return nil
	}
	return append([]Record(nil), r.recs[seq-r.first:]...)
}
