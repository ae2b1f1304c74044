package block

import (
	"strings"
	"testing"
)

func TestFindRoot(t *testing.T) {
	register(t, "vda", gptDisk(t, twoParts()...))
	l := NewLayer(nil)
	l.Sync()
	for _, c := range []struct {
		root string
		want Devnum
		err  error
	}{
		{"/dev/vda2", Devnum{254, 2}, nil},
		{"/dev/vda", Devnum{254, 0}, nil},
		{"/dev/vda7", Devnum{254, 7}, nil}, // a partition that may come later
		{"/dev/vda0", Devnum{}, nil},
		{"/dev/vdb1", Devnum{}, nil},
		{"/dev/vda16", Devnum{}, nil},
		{"vda2", Devnum{}, nil}, // without /dev/ only numbers
		{"254:2", Devnum{254, 2}, nil},
		{"8:1", Devnum{8, 1}, nil},
		{"254:2x", Devnum{}, nil},
		{"fe02", Devnum{254, 2}, nil},
		{"PARTUUID=01234567-89AB-CDEF-0123-456789ABCDEF", Devnum{254, 2}, nil},
		{"PARTUUID=01234567", Devnum{254, 2}, nil}, // Linux compares the given length
		{"PARTUUID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/PARTNROFF=1", Devnum{254, 2}, nil},
		{"PARTUUID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/PARTNROFF=5", Devnum{}, nil},
		{"PARTUUID=aaaaaaaa/PARTNROFF=x", Devnum{}, ErrPartUUIDSyntax},
		{"PARTUUID=", Devnum{}, ErrPartUUIDSyntax},
		{"PARTUUID=ffffffff", Devnum{}, nil},
		{"PARTLABEL=root", Devnum{254, 2}, nil},
		{"PARTLABEL=Root", Devnum{}, nil},
		{"PARTLABEL=esp", Devnum{254, 1}, nil},
	} {
		got, err := l.FindRoot(c.root)
		if got != c.want || err != c.err {
			t.Errorf("FindRoot(%q) = %v, %v; want %v, %v", c.root, got, err, c.want, c.err)
		}
	}
	lines := l.PrintPartitions(func(*Bdev) string { return "virtio_blk" })
	want := "fe00      16384 vda  driver: virtio_blk\n" +
		"  fe01       1024 vda1 aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n" +
		"  fe02       8192 vda2 01234567-89ab-cdef-0123-456789abcdef"
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("partitions:\n%s\nwant\n%s", got, want)
	}
}

// FuzzFindRoot: any root= value resolves to a device or to none, never a
// panic.
func FuzzFindRoot(f *testing.F) {
	for _, s := range []string{"/dev/vda2", "PARTUUID=01234567/PARTNROFF=1", "PARTLABEL=root", "254:2", "fe02", "/dev/vda99", "/dev/0p1"} {
		f.Add(s)
	}
	d, err := NewRAMDisk(512, 64)
	if err != nil {
		f.Fatal(err)
	}
	if err := Register("vdf", d); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { Unregister("vdf") })
	l := NewLayer(nil)
	l.Sync()
	f.Fuzz(func(t *testing.T, root string) {
		_, _ = l.FindRoot(root)
	})
}
