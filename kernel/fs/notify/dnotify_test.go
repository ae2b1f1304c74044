package notify

import (
	"testing"

	"aramid/kernel/abi"
)

func TestDnBits(t *testing.T) {
	for _, c := range []struct {
		in   uint32
		want uint32
	}{
		{abi.IN_ACCESS, abi.DN_ACCESS},
		{abi.IN_MODIFY, abi.DN_MODIFY},
		{abi.IN_CREATE, abi.DN_CREATE},
		{abi.IN_CREATE | abi.IN_ISDIR, abi.DN_CREATE},
		{abi.IN_MOVED_TO, abi.DN_CREATE},
		{abi.IN_DELETE, abi.DN_DELETE},
		{abi.IN_MOVED_FROM, abi.DN_DELETE},
		{abi.IN_ATTRIB, abi.DN_ATTRIB},
		{abi.IN_OPEN, 0},
		{abi.IN_CLOSE_WRITE, 0},
		{abi.IN_DELETE_SELF, 0},
		{abi.IN_MOVE_SELF, 0},
	} {
		if got := dnBits(c.in); got != c.want {
			t.Errorf("dnBits(%#x) = %#x, want %#x", c.in, got, c.want)
		}
	}
}
