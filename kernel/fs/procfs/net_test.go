package procfs

import (
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/socket/unix"
)

// TestNetUnix checks the rows unix_seq_show would print for each kind of
// socket.
func TestNetUnix(t *testing.T) {
	tests := []struct {
		name string
		in   unix.Info
		want string
	}{
		{"listening path", unix.Info{Type: abi.SOCK_STREAM, Listening: true, HasFile: true, Ino: 42, Addr: unix.Addr{Name: "/run/x"}, Refs: 1},
			"0000000000000000: 00000001 00000000 00010000 0001 01    42 /run/x\n"},
		{"embryo", unix.Info{Type: abi.SOCK_STREAM, Connected: true, Addr: unix.Addr{Name: "s"}, Refs: 2},
			"0000000000000000: 00000002 00000000 00000000 0001 02     0 s\n"},
		{"abstract with NUL", unix.Info{Type: abi.SOCK_DGRAM, HasFile: true, Ino: 123456, Addr: unix.Addr{Name: "a\x00b", Abstract: true}, Refs: 1},
			"0000000000000000: 00000001 00000000 00000000 0002 01 123456 @a@b\n"},
		{"connected pair", unix.Info{Type: abi.SOCK_SEQPACKET, Connected: true, HasFile: true, Ino: 7, Refs: 2},
			"0000000000000000: 00000002 00000000 00000000 0005 03     7\n"},
	}
	const header = "Num       RefCount Protocol Flags    Type St Inode Path\n"
	for _, tt := range tests {
		if got := netUnix([]unix.Info{tt.in}); got != header+tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, header+tt.want)
		}
	}
}
