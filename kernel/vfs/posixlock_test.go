package vfs

import (
	"reflect"
	"testing"

	"aramid/kernel/abi"
)

// TestRecordLocksApply checks splitting, merging and conflicts of record
// locks: each case applies requests in order and compares the list.
func TestRecordLocksApply(t *testing.T) {
	const a, b = "a", "b"
	type req struct {
		owner      string
		typ        int16
		start, end int64
	}
	lk := func(o string, typ int16, s, e int64) RecordLock {
		return RecordLock{Owner: o, Pid: int32(o[0]), Type: typ, Start: s, End: e}
	}
	cases := []struct {
		name string
		reqs []req
		want []RecordLock
	}{
		{"one", []req{{a, abi.F_WRLCK, 10, 19}}, []RecordLock{lk(a, abi.F_WRLCK, 10, 19)}},
		{"adjacent same type merge", []req{{a, abi.F_RDLCK, 20, 29}, {a, abi.F_RDLCK, 10, 19}},
			[]RecordLock{lk(a, abi.F_RDLCK, 10, 29)}},
		{"adjacent other type stay apart", []req{{a, abi.F_WRLCK, 10, 19}, {a, abi.F_RDLCK, 20, 29}},
			[]RecordLock{lk(a, abi.F_WRLCK, 10, 19), lk(a, abi.F_RDLCK, 20, 29)}},
		{"overlap same type merge", []req{{a, abi.F_WRLCK, 0, 9}, {a, abi.F_WRLCK, 5, 14}},
			[]RecordLock{lk(a, abi.F_WRLCK, 0, 14)}},
		{"unlock splits", []req{{a, abi.F_WRLCK, 0, 99}, {a, abi.F_UNLCK, 40, 59}},
			[]RecordLock{lk(a, abi.F_WRLCK, 0, 39), lk(a, abi.F_WRLCK, 60, 99)}},
		{"downgrade middle", []req{{a, abi.F_WRLCK, 0, 9}, {a, abi.F_RDLCK, 3, 4}},
			[]RecordLock{lk(a, abi.F_WRLCK, 0, 2), lk(a, abi.F_RDLCK, 3, 4), lk(a, abi.F_WRLCK, 5, 9)}},
		{"to EOF absorbs", []req{{a, abi.F_RDLCK, 5, 9}, {a, abi.F_RDLCK, 20, 29}, {a, abi.F_RDLCK, 0, OffsetMax}},
			[]RecordLock{lk(a, abi.F_RDLCK, 0, OffsetMax)}},
		{"unlock all", []req{{a, abi.F_RDLCK, 5, 9}, {a, abi.F_WRLCK, 20, 29}, {a, abi.F_UNLCK, 0, OffsetMax}}, nil},
		{"owners kept apart in order", []req{{b, abi.F_RDLCK, 0, 9}, {a, abi.F_RDLCK, 10, 19}, {b, abi.F_RDLCK, 10, 19}, {a, abi.F_RDLCK, 0, 4}},
			[]RecordLock{lk(b, abi.F_RDLCK, 0, 19), lk(a, abi.F_RDLCK, 0, 4), lk(a, abi.F_RDLCK, 10, 19)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &recordLocks{released: make(chan struct{})}
			for _, q := range c.reqs {
				if err := r.apply(q.owner, int32(q.owner[0]), q.typ, q.start, q.end); err != nil {
					t.Fatal(err)
				}
			}
			if len(r.locks) == 0 {
				r.locks = nil
			}
			if !reflect.DeepEqual(r.locks, c.want) {
				t.Fatalf("locks %+v, want %+v", r.locks, c.want)
			}
		})
	}
}

// TestRecordLocksConflict checks which requests another owner's locks block.
func TestRecordLocksConflict(t *testing.T) {
	r := &recordLocks{released: make(chan struct{})}
	_ = r.apply("a", 1, abi.F_WRLCK, 10, 19)
	_ = r.apply("a", 1, abi.F_RDLCK, 30, 39)
	cases := []struct {
		name       string
		owner      string
		typ        int16
		start, end int64
		want       int64 // start of the reported lock, -1 for none
	}{
		{"own locks never conflict", "a", abi.F_WRLCK, 0, OffsetMax, -1},
		{"read vs write", "b", abi.F_RDLCK, 15, 15, 10},
		{"write vs read", "b", abi.F_WRLCK, 39, 50, 30},
		{"read vs read", "b", abi.F_RDLCK, 30, 39, -1},
		{"gap", "b", abi.F_WRLCK, 20, 29, -1},
		{"first of several", "b", abi.F_WRLCK, 0, OffsetMax, 10},
		{"edge before", "b", abi.F_WRLCK, 0, 9, -1},
		{"edge touches", "b", abi.F_WRLCK, 0, 10, 10},
	}
	for _, c := range cases {
		l, busy := r.test(c.owner, c.typ, c.start, c.end)
		got := int64(-1)
		if busy {
			got = l.Start
		}
		if got != c.want {
			t.Errorf("%s: conflict at %d, want %d", c.name, got, c.want)
		}
	}
}

// TestLockRange checks the struct flock to byte range conversion.
func TestLockRange(t *testing.T) {
	f := &File{off: 60}
	cases := []struct {
		whence     int16
		start, len int64
		lo, hi     int64
		err        error
	}{
		{abi.SEEK_SET, 10, 10, 10, 19, nil},
		{abi.SEEK_SET, 10, 0, 10, OffsetMax, nil},
		{abi.SEEK_CUR, 0, -10, 50, 59, nil},
		{abi.SEEK_CUR, -60, 1, 0, 0, nil},
		{abi.SEEK_CUR, 0, -61, 0, 0, abi.EINVAL},
		{abi.SEEK_SET, -1, 1, 0, 0, abi.EINVAL},
		{abi.SEEK_SET, OffsetMax, 1, OffsetMax, OffsetMax, nil},
		{abi.SEEK_SET, OffsetMax, 2, 0, 0, abi.EOVERFLOW},
		{abi.SEEK_CUR, OffsetMax, 0, 0, 0, abi.EOVERFLOW},
		{3, 0, 0, 0, 0, abi.EINVAL},
	}
	for _, c := range cases {
		lo, hi, err := f.LockRange(c.whence, c.start, c.len)
		if err != c.err || err == nil && (lo != c.lo || hi != c.hi) {
			t.Errorf("LockRange(%d, %d, %d) = %d, %d, %v; want %d, %d, %v", c.whence, c.start, c.len, lo, hi, err, c.lo, c.hi, c.err)
		}
	}
}

// TestWaitForDeadlock checks the waits-for chain: a waits for b, so b may
// not wait for a, nor c (waited for by b) for a through b.
func TestWaitForDeadlock(t *testing.T) {
	if !waitFor("a", "b") {
		t.Fatal("a waiting for b refused")
	}
	defer func() {
		waits.mu.Lock()
		clear(waits.of)
		waits.mu.Unlock()
	}()
	if waitFor("b", "a") {
		t.Fatal("b waiting for a (which waits for b) allowed")
	}
	if !waitFor("c", "a") {
		t.Fatal("c waiting for a refused")
	}
	if waitFor("b", "c") {
		t.Fatal("b waiting for c (which waits for a, which waits for b) allowed")
	}
}

// TestRecordLocksBound checks that splitting cannot grow a list past
// maxRecordLocks and that a refused request leaves the list unchanged.
func TestRecordLocksBound(t *testing.T) {
	r := &recordLocks{released: make(chan struct{})}
	_ = r.apply("a", 1, abi.F_WRLCK, 0, OffsetMax)
	var err error
	for i := int64(0); i < maxRecordLocks+1 && err == nil; i++ {
		err = r.apply("a", 1, abi.F_UNLCK, 2*i+1, 2*i+1)
	}
	if err != abi.ENOLCK || len(r.locks) != maxRecordLocks {
		t.Fatalf("err %v with %d locks, want ENOLCK with %d", err, len(r.locks), maxRecordLocks)
	}
	if err := r.apply("a", 1, abi.F_UNLCK, 0, OffsetMax); err != nil || len(r.locks) != 0 {
		t.Fatalf("unlock all: %v, %d locks left", err, len(r.locks))
	}
}
