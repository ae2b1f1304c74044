package repro

import (
	"bytes"
	"testing"
	"time"
)

func TestDerive(t *testing.T) {
	tests := []struct {
		name      string
		s1, l1    string
		s2, l2    string
		wantEqual bool
	}{
		{"same inputs", "seed", "ext4-uuid", "seed", "ext4-uuid", true},
		{"other label", "seed", "ext4-uuid", "seed", "esp-uuid", false},
		{"other seed", "seed", "ext4-uuid", "seed2", "ext4-uuid", false},
		{"no ambiguity in concatenation", "ab", "c", "a", "bc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Derive(tt.s1, tt.l1, 48), Derive(tt.s2, tt.l2, 48)
			if got := bytes.Equal(a, b); got != tt.wantEqual {
				t.Errorf("equal = %v, want %v", got, tt.wantEqual)
			}
			if len(a) != 48 {
				t.Errorf("len = %d", len(a))
			}
		})
	}
}

func TestUUIDShape(t *testing.T) {
	u := UUID("s", "l")
	if u[6]>>4 != 4 || u[8]>>6 != 2 {
		t.Errorf("version/variant bits wrong: % x", u)
	}
	if s := FormatUUID(u); len(s) != 36 || s[8] != '-' || s[14] != '4' {
		t.Errorf("FormatUUID = %q", s)
	}
	if id := MachineID("s"); len(id) != 32 || id == MachineID("t") {
		t.Errorf("MachineID = %q", id)
	}
}

func TestEpoch(t *testing.T) {
	env := map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}
	got, origin, err := Epoch(func(k string) string { return env[k] }, "")
	if err != nil || !got.Equal(time.Unix(1700000000, 0)) || origin != "SOURCE_DATE_EPOCH" {
		t.Errorf("Epoch = %v %q %v", got, origin, err)
	}
	env["SOURCE_DATE_EPOCH"] = "yesterday"
	if _, _, err := Epoch(func(k string) string { return env[k] }, ""); err == nil {
		t.Error("bad SOURCE_DATE_EPOCH accepted")
	}
	got, _, err = Epoch(func(string) string { return "" }, "")
	if err != nil || got.Unix() != 0 {
		t.Errorf("default Epoch = %v %v", got, err)
	}
}
