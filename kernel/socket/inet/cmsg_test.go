package inet

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"

	"aramid/kernel/abi"
)

func TestControlMessages(t *testing.T) {
	at := time.Unix(1700000000, 123456789)
	lo := tcpip.AddrFrom4([4]byte{127, 0, 0, 1})
	hdr := func(level, typ, n int) []byte {
		b := binary.LittleEndian.AppendUint64(nil, uint64(16+n))
		b = binary.LittleEndian.AppendUint32(b, uint32(level))
		return binary.LittleEndian.AppendUint32(b, uint32(typ))
	}
	pad := func(b []byte) []byte { return append(b, make([]byte, abi.CmsgAlign(len(b))-len(b))...) }
	for _, tc := range []struct {
		name   string
		tstamp int
		cm     tcpip.ReceivableControlMessages
		want   []byte
	}{
		{"nothing", tstampOff, tcpip.ReceivableControlMessages{HasTimestamp: true, Timestamp: at}, nil},
		{"timeval", tstampTimeval, tcpip.ReceivableControlMessages{HasTimestamp: true, Timestamp: at},
			le64(hdr(abi.SOL_SOCKET, abi.SCM_TIMESTAMP, 16), 1700000000, 123456)},
		{"timespec", tstampTimespec, tcpip.ReceivableControlMessages{HasTimestamp: true, Timestamp: at},
			le64(hdr(abi.SOL_SOCKET, SCM_TIMESTAMPNS, 16), 1700000000, 123456789)},
		{"ip in order", tstampOff, tcpip.ReceivableControlMessages{HasTOS: true, TOS: 0x10, HasTTL: true, TTL: 33,
			HasIPPacketInfo: true, PacketInfo: tcpip.IPPacketInfo{NIC: 1, LocalAddr: lo, DestinationAddr: lo}},
			bytes.Join([][]byte{
				pad(append(hdr(SOL_IP, IP_PKTINFO, 12), 1, 0, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1)),
				pad(append(hdr(SOL_IP, IP_TTL, 4), 33, 0, 0, 0)),
				pad(append(hdr(SOL_IP, IP_TOS, 1), 0x10)),
			}, nil)},
	} {
		s := &Socket{tstamp: tc.tstamp}
		got := bytes.Join(s.controlMessages(tc.cm), nil)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got % x\nwant % x", tc.name, got, tc.want)
		}
	}
}

func TestTimestampOptions(t *testing.T) {
	s := &Socket{typ: abi.SOCK_DGRAM}
	get := func(name int) byte { b, _ := s.getTimestamp(name); return b[0] }
	for _, step := range []struct {
		name     int
		on       bool
		ts, tsns byte
	}{
		{abi.SO_TIMESTAMP, true, 1, 0},
		{SO_TIMESTAMPNS, true, 0, 1},
		{abi.SO_TIMESTAMP, true, 1, 0},
		{SO_TIMESTAMPNS, false, 0, 0},
	} {
		if err := s.setTimestamp(step.name, step.on); err != nil {
			t.Fatal(err)
		}
		if get(abi.SO_TIMESTAMP) != step.ts || get(SO_TIMESTAMPNS) != step.tsns {
			t.Errorf("after %d=%v: SO_TIMESTAMP %d SO_TIMESTAMPNS %d", step.name, step.on, get(abi.SO_TIMESTAMP), get(SO_TIMESTAMPNS))
		}
	}
	st := &Socket{typ: abi.SOCK_STREAM}
	if err := st.setTimestamp(abi.SO_TIMESTAMP, true); err != abi.ENOPROTOOPT {
		t.Errorf("SO_TIMESTAMP on a stream: %v", err)
	}
}
