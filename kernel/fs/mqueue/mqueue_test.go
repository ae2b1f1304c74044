package mqueue

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

func newFS() *FS { return New(time.Now, 99) }

var root = Creator{SysResource: true, RlimitMsgqueue: 819200}

func caller() *vfs.Caller { return &vfs.Caller{Blocker: vfs.ChanBlocker{}} }

func open(t *testing.T, fs *FS, name string, flags uint32, attr *Attr) *File {
	t.Helper()
	f, err := fs.Open(caller(), root, name, OpenArgs{Flags: flags, Perm: 0o600, Attr: attr})
	if err != nil {
		t.Fatalf("Open %s: %v", name, err)
	}
	return f.Impl.(*File)
}

func TestPriorityOrder(t *testing.T) {
	fs := newFS()
	q := open(t, fs, "q", abi.O_RDWR|abi.O_CREAT, &Attr{MaxMsg: 8, MsgSize: 16}).Queue()
	sends := []struct {
		msg  string
		prio uint32
	}{{"a1", 1}, {"c9", 9}, {"a2", 1}, {"b5", 5}, {"c9b", 9}}
	for _, s := range sends {
		if err := q.Send(caller(), Sender{}, []byte(s.msg), s.prio, true, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	buf := make([]byte, 16)
	for range sends {
		n, prio, err := q.Receive(caller(), buf, true, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s/%d", buf[:n], prio))
	}
	if want := "c9/9 c9b/9 b5/5 a1/1 a2/1"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
	if _, _, err := q.Receive(caller(), buf, true, time.Time{}); err != abi.EAGAIN {
		t.Errorf("empty nonblocking receive: %v", err)
	}
}

func TestFullAndTimeouts(t *testing.T) {
	fs := newFS()
	q := open(t, fs, "q", abi.O_RDWR|abi.O_CREAT, &Attr{MaxMsg: 1, MsgSize: 4}).Queue()
	if err := q.Send(caller(), Sender{}, []byte("x"), 0, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := q.Send(caller(), Sender{}, []byte("y"), 0, true, time.Time{}); err != abi.EAGAIN {
		t.Errorf("full nonblocking: %v", err)
	}
	if err := q.Send(caller(), Sender{}, []byte("y"), 0, false, time.Now().Add(-time.Second)); err != abi.ETIMEDOUT {
		t.Errorf("full with past deadline: %v", err)
	}
	if err := q.Send(caller(), Sender{}, []byte("y"), 0, false, time.Now().Add(20*time.Millisecond)); err != abi.ETIMEDOUT {
		t.Errorf("full with deadline: %v", err)
	}
	done := make(chan error)
	go func() { done <- q.Send(caller(), Sender{}, []byte("z"), 0, false, time.Time{}) }()
	time.Sleep(10 * time.Millisecond)
	buf := make([]byte, 4)
	if _, _, err := q.Receive(caller(), buf, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("blocked sender: %v", err)
	}
}

func TestNotifyOnce(t *testing.T) {
	fs := newFS()
	q := open(t, fs, "q", abi.O_RDWR|abi.O_CREAT, nil).Queue()
	fired := 0
	var from Sender
	n := &Notification{Owner: 7, Kind: SigevSignal, Signo: 10, Fire: func(pid int32, uid uint32) { fired++; from = Sender{pid, uid} }}
	if err := q.SetNotify(7, n); err != nil {
		t.Fatal(err)
	}
	if err := q.SetNotify(8, &Notification{Owner: 8}); err != abi.EBUSY {
		t.Errorf("second registration: %v", err)
	}
	if !strings.Contains(q.Status(), "SIGNO:10    NOTIFY_PID:7 ") {
		t.Errorf("status %q", q.Status())
	}
	q.Send(caller(), Sender{PID: 3, UID: 4}, []byte("a"), 0, true, time.Time{})
	q.Send(caller(), Sender{PID: 5, UID: 6}, []byte("b"), 0, true, time.Time{})
	if fired != 1 || from != (Sender{3, 4}) {
		t.Errorf("fired %d from %+v", fired, from)
	}
	if want := "QSIZE:2          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n"; q.Status() != want {
		t.Errorf("status %q, want %q", q.Status(), want)
	}
	// A registration whose process is gone does not count.
	q.SetNotify(9, &Notification{Owner: 9, Valid: func() bool { return false }})
	if err := q.SetNotify(10, &Notification{Owner: 10}); err != nil {
		t.Errorf("registration over a dead one: %v", err)
	}
}

func TestLimitsAndAccounting(t *testing.T) {
	fs := newFS()
	user := Creator{UID: 1000, RealUID: 1000, RlimitMsgqueue: 819200}
	tests := []struct {
		name string
		cr   Creator
		attr *Attr
		want error
	}{
		{"default", user, nil, nil},
		{"zero maxmsg", user, &Attr{MaxMsg: 0, MsgSize: 1}, abi.EINVAL},
		{"over msg_max unprivileged", user, &Attr{MaxMsg: 11, MsgSize: 1}, abi.EINVAL},
		{"over msg_max privileged", root, &Attr{MaxMsg: 11, MsgSize: 1}, nil},
		{"over hard limit", root, &Attr{MaxMsg: HardMsgMax + 1, MsgSize: 1}, abi.EINVAL},
		{"over rlimit", root, &Attr{MaxMsg: 100, MsgSize: 10000}, abi.EMFILE},
	}
	for i, tc := range tests {
		_, err := fs.Open(caller(), tc.cr, fmt.Sprintf("q%d", i), OpenArgs{Flags: abi.O_RDWR | abi.O_CREAT, Perm: 0o600, Attr: tc.attr})
		if !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Unlinking a queue nobody has open returns its bytes at once.
	fs2 := newFS()
	f, _ := fs2.Open(caller(), user, "a", OpenArgs{Flags: abi.O_RDWR | abi.O_CREAT, Perm: 0o600})
	in := fs2.Lookup("a")
	if err := fs2.remove("a", in); err != nil {
		t.Fatal(err)
	}
	if fs2.userBytes[1000] == 0 || fs2.count != 1 {
		t.Errorf("an open unlinked queue must stay charged: %d, %d", fs2.userBytes[1000], fs2.count)
	}
	f.DecRef()
	if fs2.userBytes[1000] != 0 || fs2.count != 0 {
		t.Errorf("last close must uncharge: %d, %d", fs2.userBytes[1000], fs2.count)
	}
	fs2.Limits.QueuesMax.Store(0)
	if _, err := fs2.Open(caller(), user, "b", OpenArgs{Flags: abi.O_RDWR | abi.O_CREAT, Perm: 0o600}); err != abi.ENOSPC {
		t.Errorf("queues_max: %v", err)
	}
}

func TestNames(t *testing.T) {
	fs := newFS()
	for name, want := range map[string]error{"": abi.ENOENT, ".": abi.EACCES, "a/b": abi.EACCES, "missing": abi.ENOENT} {
		if _, err := fs.Open(caller(), root, name, OpenArgs{Flags: abi.O_RDWR}); err != want {
			t.Errorf("%q: %v, want %v", name, err, want)
		}
	}
}
