package task

import (
	"testing"

	"aramid/kernel/abi"
)

func TestSigQueueOrder(t *testing.T) {
	rt := abi.SIGRTMIN + 1
	var q sigQueue
	q.add(sigInfo{signo: abi.SIGUSR1, pid: 1})
	q.add(sigInfo{signo: abi.SIGUSR1, pid: 2}) // standard: coalesced
	for i := 0; i < 1000; i++ {
		q.add(sigInfo{signo: rt, pid: int32(i)})
	}
	q.add(sigInfo{signo: abi.SIGHUP, pid: 9})

	// Lowest signal first, standard signals once, real-time ones in order.
	steps := []struct {
		mask abi.SignalSet
		sig  abi.Signal
		pid  int32
	}{
		{0, abi.SIGHUP, 9},
		{abi.MakeSignalSet(abi.SIGUSR1), rt, 0},
		{0, abi.SIGUSR1, 1},
	}
	for i, s := range steps {
		si, ok := q.take(s.mask)
		if !ok || si.signo != s.sig || si.pid != s.pid {
			t.Fatalf("step %d: took %v/%d ok=%v, want %v/%d", i, si.signo, si.pid, ok, s.sig, s.pid)
		}
	}
	if q.set.Has(abi.SIGUSR1) {
		t.Fatal("SIGUSR1 still pending after its only instance was taken")
	}
	for i := 1; i < 1000; i++ {
		if i == 500 {
			// A timer-style in-place update finds the queued instance.
			p := q.find(rt, func(si *sigInfo) bool { return si.pid == 700 })
			if p == nil {
				t.Fatal("find: queued instance 700 not found")
			}
			p.uid = 77
		}
		si, ok := q.take(0)
		if !ok || si.signo != rt || si.pid != int32(i) {
			t.Fatalf("take %d: got %v/%d ok=%v", i, si.signo, si.pid, ok)
		}
		if i == 700 && si.uid != 77 {
			t.Fatalf("instance 700 lost its in-place update: uid %d", si.uid)
		}
	}
	if _, ok := q.take(0); ok || q.set != 0 || len(q.lists) != 0 {
		t.Fatalf("queue not empty at the end: set %#x lists %d", q.set, len(q.lists))
	}
	q.add(sigInfo{signo: rt})
	q.add(sigInfo{signo: rt})
	q.remove(rt)
	if _, ok := q.take(0); ok {
		t.Fatal("remove left an instance behind")
	}
}

func BenchmarkSigQueueFlood(b *testing.B) {
	rt := abi.SIGRTMIN + 1
	for b.Loop() {
		var q sigQueue
		for i := 0; i < 3200; i++ {
			q.add(sigInfo{signo: rt, pid: int32(i)})
		}
		for i := 0; i < 3200; i++ {
			q.take(0)
		}
	}
}
