package sysfs

import (
	"reflect"
	"testing"
	"time"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

func TestParseSynthUevent(t *testing.T) {
	const u = "fe4d7c9d-b8c6-4a70-9ef1-3d8a58d18eed"
	for _, tc := range []struct {
		in     string
		action string
		env    []string
		err    error
	}{
		{"add", "add", []string{"SYNTH_UUID=0"}, nil},
		{"add\n", "add", []string{"SYNTH_UUID=0"}, nil},
		{"change\x00", "change", []string{"SYNTH_UUID=0"}, nil},
		{"unbind", "unbind", []string{"SYNTH_UUID=0"}, nil},
		{"add " + u + "\n", "add", []string{"SYNTH_UUID=" + u}, nil},
		{"add " + u + " A=1 bB=xY9\n", "add", []string{"SYNTH_UUID=" + u, "SYNTH_ARG_A=1", "SYNTH_ARG_bB=xY9"}, nil},
		{"", "", nil, abi.EINVAL},
		{"\n", "", nil, abi.EINVAL},
		{"ad", "", nil, abi.EINVAL},
		{"adds", "", nil, abi.EINVAL},
		{"add\n\n", "", nil, abi.EINVAL},
		{"add \n", "", nil, abi.EINVAL},
		{"add not-a-uuid", "", nil, abi.EINVAL},
		{"add " + u + "\n\n", "", nil, abi.EINVAL},
		{"add " + u + "x", "", nil, abi.EINVAL},
		{"add " + u + " A", "", nil, abi.EINVAL},
		{"add " + u + " A=", "", nil, abi.EINVAL},
		{"add " + u + " =1", "", nil, abi.EINVAL},
		{"add " + u + " A-B=1", "", nil, abi.EINVAL},
		{"add " + u + " A=1 ", "", nil, abi.EINVAL},
		{"add " + u + " A=1  B=2", "", nil, abi.EINVAL},
		{"add fe4d7c9d-b8c6-4a70-9ef1-3d8a58d18eeg", "", nil, abi.EINVAL},
		{"add fe4d7c9d+b8c6-4a70-9ef1-3d8a58d18eed", "", nil, abi.EINVAL},
	} {
		action, env, err := parseSynthUevent(tc.in)
		if action != tc.action || !reflect.DeepEqual(env, tc.env) || err != tc.err {
			t.Errorf("parseSynthUevent(%q) = %q, %q, %v; want %q, %q, %v", tc.in, action, env, err, tc.action, tc.env, tc.err)
		}
	}
}

// TestUeventWrite writes lo's uevent attribute and checks what is
// announced, and that a device without a subsystem link refuses.
func TestUeventWrite(t *testing.T) {
	type ev struct {
		action, devpath string
		env             []string
	}
	var got []ev
	var seq uint64
	fs := New(Options{Clock: time.Now, Uevent: func(a, d string, env []string) error {
		got = append(got, ev{a, d, env})
		seq++
		return nil
	}, UeventSeqnum: func() uint64 { return seq }})
	if err := fs.Add(Entry{Path: "devices/nosub/uevent", Kind: File, Data: "X=1\n"}); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) (int, error) {
		in := fs.lookupLocked(p)
		if in == nil {
			t.Fatalf("%s missing", p)
		}
		if in.Attr().Mode&0o777 != 0o644 {
			t.Errorf("%s: mode %o", p, in.Attr().Mode)
		}
		impl, err := in.Ops.(vfs.InodeOps).Open(nil, in, abi.O_WRONLY)
		if err != nil {
			return 0, err
		}
		return impl.Write(nil, nil, []byte(s), 0)
	}
	if n, err := write("devices/virtual/net/lo/uevent", "add\n"); n != 4 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	want := []ev{{"add", "/devices/virtual/net/lo", []string{"SUBSYSTEM=net", "SYNTH_UUID=0", "INTERFACE=lo", "IFINDEX=1"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("announced %q, want %q", got, want)
	}
	if _, err := write("devices/virtual/net/lo/uevent", "bogus"); err != abi.EINVAL {
		t.Errorf("bogus action: %v", err)
	}
	if _, err := write("devices/nosub/uevent", "add"); err != abi.EINVAL {
		t.Errorf("no subsystem: %v", err)
	}
	if len(got) != 1 {
		t.Errorf("%d announcements, want 1", len(got))
	}
	in := fs.lookupLocked("kernel/uevent_seqnum")
	impl, _ := in.Ops.(vfs.InodeOps).Open(nil, in, abi.O_RDONLY)
	b := make([]byte, 16)
	n, _ := impl.Read(nil, nil, b, 0)
	if string(b[:n]) != "1\n" {
		t.Errorf("uevent_seqnum %q", b[:n])
	}
	if _, err := fs.lookupLocked("devices/system/cpu/online").Ops.(vfs.InodeOps).Open(nil, nil, abi.O_WRONLY); err != abi.EACCES {
		t.Errorf("opening an ordinary attribute for writing: %v", err)
	}
}
