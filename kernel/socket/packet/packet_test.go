package packet

import (
	"bytes"
	"testing"

	"aramid/kernel/abi"

	"gvisor.dev/gvisor/pkg/tcpip"
)

func TestSockaddrLL(t *testing.T) {
	mac := []byte{0x52, 0x54, 0, 0x12, 0x34, 0x56}
	full := marshalLL(0x0800, 2, 1, PACKET_HOST, mac)
	tests := []struct {
		name    string
		b       []byte
		min     int
		err     error
		proto   uint16
		ifindex int32
		addr    []byte
	}{
		{"full", full, sizeofSockaddrLL, nil, 0x0800, 2, mac},
		{"short for bind", full[:12], sizeofSockaddrLL, abi.EINVAL, 0, 0, nil},
		{"header only", full[:addrOff], addrOff, abi.EINVAL, 0, 0, nil}, // halen 6 needs the address
		{"no address", marshalLL(0x88b5, 3, 1, 0, nil)[:addrOff], addrOff, nil, 0x88b5, 3, []byte{}},
		{"wrong family", append([]byte{2, 0}, full[2:]...), addrOff, abi.EINVAL, 0, 0, nil},
		{"halen too long", append(append([]byte(nil), full[:11]...), append([]byte{9}, full[12:]...)...), addrOff, abi.EINVAL, 0, 0, nil},
	}
	for _, tc := range tests {
		a, err := parseLL(tc.b, tc.min)
		if err != tc.err {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err == nil && (a.proto != tc.proto || a.ifindex != tc.ifindex || !bytes.Equal(a.addr, tc.addr)) {
			t.Errorf("%s: %+v", tc.name, a)
		}
	}
	if len(full) != 20 || full[0] != 17 || full[2] != 8 || full[3] != 0 || full[8] != 1 || full[11] != 6 {
		t.Errorf("marshalLL: % x", full)
	}
}

func TestPktType(t *testing.T) {
	for in, want := range map[tcpip.PacketType]byte{
		tcpip.PacketHost: PACKET_HOST, tcpip.PacketBroadcast: PACKET_BROADCAST, tcpip.PacketMulticast: PACKET_MULTICAST,
		tcpip.PacketOtherHost: PACKET_OTHERHOST, tcpip.PacketOutgoing: PACKET_OUTGOING,
	} {
		if got := pktType(in); got != want {
			t.Errorf("pktType(%d) = %d, want %d", in, got, want)
		}
	}
}
