package vfs

import (
	"encoding/binary"
	"testing"

	"aramid/kernel/abi"
)

func capValue(rev int, eff bool, prm, inh uint64, rootID uint32) []byte {
	b := make([]byte, 24)
	magic := uint32(capRevision2)
	if rev == 3 {
		magic = capRevision3
	}
	if eff {
		magic |= capFlagsEffective
	}
	le := binary.LittleEndian
	le.PutUint32(b, magic)
	le.PutUint32(b[4:], uint32(prm))
	le.PutUint32(b[8:], uint32(inh))
	le.PutUint32(b[12:], uint32(prm>>32))
	le.PutUint32(b[16:], uint32(inh>>32))
	le.PutUint32(b[20:], rootID)
	if rev == 2 {
		return b[:capsSize2]
	}
	return b
}

func TestConvertCaps(t *testing.T) {
	for _, c := range []struct {
		name    string
		in      []byte
		wantLen int
		wantErr error
	}{
		{"v2", capValue(2, true, 1<<13, 0, 0), capsSize2, nil},
		{"v3 root 0 becomes v2", capValue(3, true, 1<<13, 0, 0), capsSize2, nil},
		{"v3 other root kept", capValue(3, false, 1<<13, 0, 1000), capsSize3, nil},
		{"v2 short", capValue(2, true, 1, 0, 0)[:12], 0, abi.EINVAL},
		{"v2 size with v3 magic", capValue(3, true, 1, 0, 0)[:capsSize2], 0, abi.EINVAL},
		{"empty", nil, 0, abi.EINVAL},
	} {
		out, err := convertCaps(c.in)
		if err != c.wantErr || err == nil && len(out) != c.wantLen {
			t.Errorf("%s: %d bytes, %v; want %d, %v", c.name, len(out), err, c.wantLen, c.wantErr)
		}
		if err == nil {
			fc, _, ok := parseCaps(out)
			want, _, _ := parseCaps(c.in)
			if !ok || fc != want {
				t.Errorf("%s: stored %+v, want %+v", c.name, fc, want)
			}
		}
	}
}
