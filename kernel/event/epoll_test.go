package event

import (
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

func epollFile(e *Epoll) *vfs.File { return vfs.NewFile(e, vfs.AnonInode(), vfs.Path{}, abi.O_RDWR) }

func eventFile() *vfs.File {
	return vfs.NewFile(NewEventFD(0, false), vfs.AnonInode(), vfs.Path{}, abi.O_RDWR)
}

func TestNesting(t *testing.T) {
	// A chain e0 in e1 in ... : Linux (EP_MAX_NESTS 4) refuses the add
	// that would make a chain of more than five instances.
	var eps []*Epoll
	var files []*vfs.File
	for i := 0; i < 7; i++ {
		eps = append(eps, NewEpoll())
		files = append(files, epollFile(eps[i]))
	}
	want := []error{nil, nil, nil, nil, abi.ELOOP, nil}
	for i := 0; i < 6; i++ {
		if err := eps[i+1].Ctl(abi.EPOLL_CTL_ADD, int32(i), files[i], abi.EPOLLIN, 0); err != want[i] {
			t.Errorf("add e%d into e%d: %v, want %v", i, i+1, err, want[i])
		}
	}
	// Upward depth counts too: e6 holds e5 (left empty); putting e3
	// (three below it) into e5 makes six levels.
	if err := eps[5].Ctl(abi.EPOLL_CTL_ADD, 3, files[3], abi.EPOLLIN, 0); err != abi.ELOOP {
		t.Errorf("too deep with the levels above: %v", err)
	}
	if err := eps[5].Ctl(abi.EPOLL_CTL_ADD, 2, files[2], abi.EPOLLIN, 0); err != nil {
		t.Errorf("five levels: %v", err)
	}
	// Loops.
	if err := eps[0].Ctl(abi.EPOLL_CTL_ADD, 1, files[1], abi.EPOLLIN, 0); err != abi.ELOOP {
		t.Errorf("loop: %v", err)
	}
	if err := eps[0].Ctl(abi.EPOLL_CTL_ADD, 0, files[0], abi.EPOLLIN, 0); err != abi.EINVAL {
		t.Errorf("self: %v", err)
	}
	// Removing an item forgets the edge.
	if err := eps[6].Ctl(abi.EPOLL_CTL_DEL, 5, files[5], 0, 0); err != nil {
		t.Fatal(err)
	}
	if d := eps[5].depthUp(0); d != 0 {
		t.Errorf("depth above e5 after removal: %d", d)
	}
}

func TestExclusiveRules(t *testing.T) {
	e := NewEpoll()
	f := eventFile()
	inner := epollFile(NewEpoll())
	tests := []struct {
		name   string
		op     int
		file   *vfs.File
		events uint32
		want   error
	}{
		{"add", abi.EPOLL_CTL_ADD, f, abi.EPOLLIN | abi.EPOLLEXCLUSIVE, nil},
		{"mod an exclusive item", abi.EPOLL_CTL_MOD, f, abi.EPOLLIN, abi.EINVAL},
		{"mod with the flag", abi.EPOLL_CTL_MOD, f, abi.EPOLLIN | abi.EPOLLEXCLUSIVE, abi.EINVAL},
		{"del", abi.EPOLL_CTL_DEL, f, 0, nil},
		{"with oneshot", abi.EPOLL_CTL_ADD, f, abi.EPOLLIN | abi.EPOLLONESHOT | abi.EPOLLEXCLUSIVE, abi.EINVAL},
		{"epoll target", abi.EPOLL_CTL_ADD, inner, abi.EPOLLIN | abi.EPOLLEXCLUSIVE, abi.EINVAL},
		{"allowed bits", abi.EPOLL_CTL_ADD, f, exclusiveOK, nil},
	}
	for _, tt := range tests {
		if err := e.Ctl(tt.op, 3, tt.file, tt.events, 0); err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestExclusiveWakesOne(t *testing.T) {
	f := eventFile()
	a, b := NewEpoll(), NewEpoll()
	for _, e := range []*Epoll{a, b} {
		if err := e.Ctl(abi.EPOLL_CTL_ADD, 3, f, abi.EPOLLIN|abi.EPOLLEXCLUSIVE, 0); err != nil {
			t.Fatal(err)
		}
		e.collect(nil, 4) // take the registration wake-up
	}
	a.sleepers.Add(1) // a thread sleeps on each
	b.sleepers.Add(1)
	if _, err := f.Write(&vfs.Caller{}, []byte{1, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if n, m := len(a.collect(nil, 4)), len(b.collect(nil, 4)); n != 1 || m != 0 {
		t.Errorf("woken: a %d, b %d; want only a", n, m)
	}
	// Level-triggered once on the ready list: a keeps reporting.
	if n := len(a.collect(nil, 4)); n != 1 {
		t.Errorf("a again: %d", n)
	}
}

// TestNestedEdgeTriggered: an epoll holding an edge-triggered item whose
// wake-up was already reported is not readable, though the item's file
// still is (Linux: the item left the ready list); a new wake-up makes it
// readable again, and checking the readiness does not use the wake-up up.
func TestNestedEdgeTriggered(t *testing.T) {
	f := eventFile()
	if _, err := f.Write(&vfs.Caller{}, []byte{1, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	inner := NewEpoll()
	if err := inner.Ctl(abi.EPOLL_CTL_ADD, 3, f, abi.EPOLLIN|abi.EPOLLET, 0); err != nil {
		t.Fatal(err)
	}
	innerFile := epollFile(inner)
	steps := []struct {
		name                string
		write               bool
		wantReady, wantWait int
	}{
		{"after ADD: the registration wake-up", false, 1, 1},
		{"reported: file still readable, epoll not", false, 0, 0},
		{"a new write wakes it", true, 1, 1},
		{"reported again", false, 0, 0},
	}
	for _, s := range steps {
		if s.write {
			if _, err := f.Write(&vfs.Caller{}, []byte{1, 0, 0, 0, 0, 0, 0, 0}); err != nil {
				t.Fatal(err)
			}
		}
		// Twice: asking must not consume the pending wake-up.
		for i := 0; i < 2; i++ {
			if got := inner.Readiness(innerFile, abi.POLLIN) != 0; got != (s.wantReady == 1) {
				t.Errorf("%s: Readiness #%d = %v", s.name, i+1, got)
			}
		}
		if n := len(inner.collect(nil, 4)); n != s.wantWait {
			t.Errorf("%s: collect = %d events, want %d", s.name, n, s.wantWait)
		}
	}
}
