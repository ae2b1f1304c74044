package virtionet

import (
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"
)

func TestClassify(t *testing.T) {
	own := tcpip.LinkAddress("\x52\x54\x00\x12\x34\x56")
	tests := []struct {
		dst  tcpip.LinkAddress
		want tcpip.PacketType
	}{
		{"\xff\xff\xff\xff\xff\xff", tcpip.PacketBroadcast},
		{"\x33\x33\x00\x00\x00\x01", tcpip.PacketMulticast},
		{"\x01\x00\x5e\x00\x00\x01", tcpip.PacketMulticast},
		{own, tcpip.PacketHost},
		{"\x52\x54\x00\x12\x34\x57", tcpip.PacketOtherHost},
	}
	for _, tc := range tests {
		if got := Classify(tc.dst, own); got != tc.want {
			t.Errorf("Classify(%v) = %d, want %d", tc.dst, got, tc.want)
		}
	}
}

func TestHeaderAndMAC(t *testing.T) {
	if HeaderLen(false) != 12 || HeaderLen(true) != 10 {
		t.Errorf("header lengths %d (modern) %d (legacy), want 12 and 10", HeaderLen(false), HeaderLen(true))
	}
	if got := FormatMAC([]byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}); got != "52:54:00:12:34:56" {
		t.Errorf("FormatMAC: %s", got)
	}
}
