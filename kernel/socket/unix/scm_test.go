package unix

import (
	"encoding/binary"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/pipe"
	"aramid/kernel/vfs"
)

func rightsCmsg(fds ...int32) []byte {
	b := make([]byte, abi.CmsgSpace(4*len(fds)))
	h := abi.Cmsghdr{Len: uint64(abi.CmsgLen(4 * len(fds))), Level: abi.SOL_SOCKET, Type: abi.SCM_RIGHTS}
	h.MarshalTo(b)
	for i, fd := range fds {
		binary.LittleEndian.PutUint32(b[abi.CmsgLen(0)+4*i:], uint32(fd))
	}
	return b
}

func credCmsg(u abi.Ucred) []byte {
	b := make([]byte, abi.CmsgSpace(abi.SizeofUcred))
	h := abi.Cmsghdr{Len: uint64(abi.CmsgLen(abi.SizeofUcred)), Level: abi.SOL_SOCKET, Type: abi.SCM_CREDENTIALS}
	h.MarshalTo(b)
	u.MarshalTo(b[abi.CmsgLen(0):])
	return b
}

// TestPassFiles sends a pipe's write end from one process's table to
// another's over a stream pair, as Linux's SCM_RIGHTS does.
func TestPassFiles(t *testing.T) {
	ns := NewNamespace(nil)
	c := caller()
	sender, receiver := vfs.NewFDTable(), vfs.NewFDTable()
	a, b := pair(t, ns, abi.SOCK_STREAM)
	fa, _ := sender.Install(a, false, 0)
	fb, _ := receiver.Install(b, false, 0)
	r, w, _ := pipe.NewPair(0)
	rfd, _ := sender.Install(r, false, 0)
	wfd, _ := sender.Install(w, false, 0)
	_ = fa
	_ = fb

	for _, tc := range []struct {
		ctl []byte
		err error
	}{
		{rightsCmsg(999), abi.EBADF},
		{append(rightsCmsg(wfd)[:12], 99, 0, 0, 0), abi.EINVAL},              // unknown type
		{[]byte{8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, abi.EINVAL}, // cmsg_len below the header
		{rightsCmsg(), nil},                                                  // no descriptors: nothing
		{make([]byte, 8), nil},                                               // shorter than a header: ignored
	} {
		ctl, err := ParseControl(tc.ctl, sender)
		if err != tc.err {
			t.Errorf("ParseControl(% x) = %v, want %v", tc.ctl, err, tc.err)
		}
		if len(ctl.Rights) != 0 {
			t.Errorf("rights %d", len(ctl.Rights))
		}
	}
	ctl, err := ParseControl(rightsCmsg(wfd, rfd, wfd), sender)
	if err != nil || len(ctl.Rights) != 3 {
		t.Fatalf("ParseControl: %v %d", err, len(ctl.Rights))
	}
	if _, err := sock(a).SendMsg(c, a, []byte("x"), SendOpts{Control: ctl}); err != nil {
		t.Fatal(err)
	}
	ctl.Release()
	send(t, a, "y", 0)
	// The sender closes its copies: the files live on in the message.
	sender.Close(wfd)
	sender.Close(rfd)

	// Room for two descriptors (CMSG_SPACE(4) = 24 bytes): two are
	// installed, the third closed, MSG_CTRUNC reported.
	buf := make([]byte, 10)
	res, err := sock(b).RecvMsg(c, b, buf, 0)
	if err != nil || res.N != 1 || len(res.Files) != 3 {
		t.Fatalf("recv = %d, %d files, %v (stops after the message with files)", res.N, len(res.Files), err)
	}
	out, flags := BuildControl(&res, receiver, abi.CmsgSpace(4), true)
	if flags != abi.MSG_CTRUNC || len(out) != 24 {
		t.Fatalf("control %d bytes flags %#x, Linux 24 and MSG_CTRUNC", len(out), flags)
	}
	var h abi.Cmsghdr
	h.Unmarshal(out)
	if h.Len != 24 || h.Type != abi.SCM_RIGHTS {
		t.Fatalf("cmsg %+v", h)
	}
	gotW := int32(binary.LittleEndian.Uint32(out[16:]))
	gotR := int32(binary.LittleEndian.Uint32(out[20:]))
	if fl, _ := receiver.GetFD(gotW); fl&abi.FD_CLOEXEC == 0 {
		t.Error("MSG_CMSG_CLOEXEC not honoured")
	}
	wf, err := receiver.Get(gotW)
	if err != nil {
		t.Fatal(err)
	}
	rf, _ := receiver.Get(gotR)
	if n, err := wf.Write(c, []byte("through the pipe")); n != 16 || err != nil {
		t.Fatalf("write through passed fd = %d, %v", n, err)
	}
	pb := make([]byte, 32)
	if n, _ := rf.Read(c, pb); string(pb[:n]) != "through the pipe" {
		t.Errorf("read %q", pb[:n])
	}
	wf.DecRef()
	rf.DecRef()
	if s, _, _ := recv(b, 10, 0); s != "y" {
		t.Errorf("next %q", s)
	}

	// Descriptors still queued when the receiver closes are released.
	r2, w2, _ := pipe.NewPair(0)
	w2fd, _ := sender.Install(w2, false, 0)
	ctl, _ = ParseControl(rightsCmsg(w2fd), sender)
	sock(a).SendMsg(c, a, []byte("z"), SendOpts{Control: ctl})
	ctl.Release()
	sender.Close(w2fd)
	receiver.Close(fb)
	if n, err := r2.Read(c, pb); n != 0 || err != nil {
		t.Errorf("pipe read after its writer was dropped with the queue = %d, %v (want EOF)", n, err)
	}
	r2.DecRef()
	sender.CloseAll()
	receiver.CloseAll()
}

func TestCredentials(t *testing.T) {
	ns := NewNamespace(nil)
	user := &Identity{PID: 42, UID: 1000, EUID: 1000, SUID: 1000, GID: 100, EGID: 100, SGID: 100, Groups: []uint32{100, 27}}
	root := &Identity{PID: 7}
	c := caller()
	a, b, err := ns.Pair(c, user, abi.SOCK_DGRAM, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.DecRef()
	defer b.DecRef()
	for _, tc := range []struct {
		id   *Identity
		cred abi.Ucred
		err  error
	}{
		{user, abi.Ucred{PID: 42, UID: 1000, GID: 100}, nil},
		{user, abi.Ucred{PID: 1, UID: 1000, GID: 100}, abi.EPERM},
		{user, abi.Ucred{PID: 42, UID: 0, GID: 100}, abi.EPERM},
		{user, abi.Ucred{PID: 42, UID: 1000, GID: 0}, abi.EPERM},
		{root, abi.Ucred{PID: 1, UID: 12345, GID: 5}, nil},
	} {
		ctl, err := ParseControl(credCmsg(tc.cred), vfs.NewFDTable())
		if err != nil {
			t.Fatal(err)
		}
		_, err = sock(a).SendMsg(c, a, []byte("m"), SendOpts{Control: ctl, ID: tc.id})
		if err != tc.err {
			t.Errorf("send %+v as %d = %v, want %v", tc.cred, tc.id.PID, err, tc.err)
		}
	}
	// The receiver turns SO_PASSCRED on after the first two were queued.
	send(t, a, "plain", 0)
	sock(b).SetSockopt(false, abi.SOL_SOCKET, abi.SO_PASSCRED, []byte{1, 0, 0, 0})
	if _, err := sock(a).SendMsg(c, a, []byte("auto"), SendOpts{ID: user}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []abi.Ucred{{PID: 42, UID: 1000, GID: 100}, {PID: 1, UID: 12345, GID: 5}, {PID: 0, UID: 65534, GID: 65534}, {PID: 42, UID: 1000, GID: 100}} {
		_, r, err := recv(b, 10, 0)
		if err != nil || r.Cred == nil || *r.Cred != want {
			t.Errorf("cred %+v, %v; want %+v", r.Cred, err, want)
			continue
		}
		out, flags := BuildControl(&r, vfs.NewFDTable(), 64, false)
		if flags != 0 || len(out) != abi.CmsgSpace(abi.SizeofUcred) {
			t.Errorf("control %d bytes, flags %#x (Linux: 32, 0)", len(out), flags)
		}
		var u abi.Ucred
		u.Unmarshal(out[abi.CmsgLen(0):])
		if u != want {
			t.Errorf("encoded cred %+v", u)
		}
	}
	// SO_PEERCRED is the creator at socketpair time; SO_PEERGROUPS its groups.
	v, _ := sock(b).GetSockopt(abi.SOL_SOCKET, abi.SO_PEERCRED, 12)
	var u abi.Ucred
	u.Unmarshal(v)
	if u != (abi.Ucred{PID: 42, UID: 1000, GID: 100}) {
		t.Errorf("SO_PEERCRED %+v", u)
	}
	if v, err := sock(b).GetSockopt(abi.SOL_SOCKET, abi.SO_PEERGROUPS, 4); err != abi.ERANGE || len(v) != 8 {
		t.Errorf("SO_PEERGROUPS small = %d, %v", len(v), err)
	}
	if v, err := sock(b).GetSockopt(abi.SOL_SOCKET, abi.SO_PEERGROUPS, 8); err != nil || binary.LittleEndian.Uint32(v[4:]) != 27 {
		t.Errorf("SO_PEERGROUPS = % x, %v", v, err)
	}
}

// A stream receiver with SO_PASSCRED does not merge data from different
// credentials into one read.
func TestStreamCredBoundary(t *testing.T) {
	ns := NewNamespace(nil)
	c := caller()
	a, b := pair(t, ns, abi.SOCK_STREAM)
	defer a.DecRef()
	defer b.DecRef()
	sock(b).SetSockopt(false, abi.SOL_SOCKET, abi.SO_PASSCRED, []byte{1, 0, 0, 0})
	one := &Identity{PID: 1}
	two := &Identity{PID: 2}
	sock(a).SendMsg(c, a, []byte("ab"), SendOpts{ID: one})
	sock(a).SendMsg(c, a, []byte("cd"), SendOpts{ID: one})
	sock(a).SendMsg(c, a, []byte("ef"), SendOpts{ID: two})
	if s, r, _ := recv(b, 10, 0); s != "abcd" || r.Cred.PID != 1 {
		t.Errorf("first read %q %+v", s, r.Cred)
	}
	if s, r, _ := recv(b, 10, 0); s != "ef" || r.Cred.PID != 2 {
		t.Errorf("second read %q %+v", s, r.Cred)
	}
}
