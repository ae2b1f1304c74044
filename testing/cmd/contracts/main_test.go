package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKernels(t *testing.T) {
	dir := t.TempDir()
	k1 := filepath.Join(dir, "vmlinuz")
	k2 := filepath.Join(dir, "kernel.elf")
	for _, p := range []string{k1, k2} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		spec    string
		ref     string
		cand    string
		wantErr string
	}{
		{"linux=" + k1, "linux", "", ""},
		{"linux=" + k1 + ",aramid=" + k2, "linux", "aramid", ""},
		{"linux=" + k1 + ",aramid", "linux", "", ""}, // default aramid path missing here: dropped
		{"linux=" + k1 + ",x=" + filepath.Join(dir, "nope"), "", "", "kernel x"},
		{"linux=" + k1 + ",linux=" + k1, "", "", "different names"},
		{"bogus", "", "", "unknown kernel"},
		{"linux=" + k1 + ",a=" + k1 + ",b=" + k2, "", "", "at most one candidate"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			ref, cand, err := parseKernels(tt.spec, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ref.Name != tt.ref {
				t.Errorf("ref %q, want %q", ref.Name, tt.ref)
			}
			if got := ""; cand != nil {
				got = cand.Name
				if got != tt.cand {
					t.Errorf("cand %q, want %q", got, tt.cand)
				}
			} else if tt.cand != "" {
				t.Errorf("no candidate, want %q", tt.cand)
			}
		})
	}
}
