package klog

import (
	"errors"
	"sync"
	"time"
)

// Record is one kernel log entry, as /dev/kmsg hands it out.
type Record struct {
	Seq  uint64
	Prio int           // syslog facility<<3 | level
	At   time.Duration // since boot
	Text string
}

// Ring keeps the newest kernel log records for /dev/kmsg readers.
type Ring struct {
	mu      sync.Mutex
	recs    []Record // circular, len == capacity once full
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
	return &Ring{recs: make([]Record, 0, n), changed: make(chan struct{})}
}

// Add appends a record and wakes readers.
func (r *Ring) Add(prio int, at time.Duration, text string) {
	r.mu.Lock()
	rec := Record{Seq: r.next, Prio: prio, At: at, Text: text}
	if len(r.recs) < cap(r.recs) {
		r.recs = append(r.recs, rec)
	} else {
		r.recs[r.next%uint64(cap(r.recs))] = rec
		r.first++
	}
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
	return r.recs[seq%uint64(cap(r.recs))], nil, nil
}
