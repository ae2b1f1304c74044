package qemu

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestInput runs a stand-in for QEMU (a shell script that ignores its
// arguments) which prints a prompt and echoes the lines it reads: what the
// judge sends must come back.
func TestInput(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "fake-qemu")
	script := "#!/bin/sh\necho ready\nwhile read l; do echo \"got $l\"; done\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	in := NewInput()
	if err := in.Send("early\n"); !errors.Is(err, ErrNoInput) {
		t.Errorf("Send before the run: err = %v, want ErrNoInput", err)
	}
	judge := func(l Line) bool {
		switch l.Text {
		case "ready":
			if err := in.Send("hello serial\n"); err != nil {
				t.Errorf("Send: %v", err)
			}
		case "got hello serial":
			return true
		}
		return false
	}
	res, err := Run(context.Background(), Config{Binary: fake, Input: in, Timeout: 10 * time.Second}, judge)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped {
		t.Errorf("judge did not stop the run; log:\n%s", res.Log())
	}
	if err := in.Send("late\n"); !errors.Is(err, ErrNoInput) {
		t.Errorf("Send after the run: err = %v, want ErrNoInput", err)
	}
	// Without Input the guest reads end-of-file at once, as before.
	res, err = Run(context.Background(), Config{Binary: fake, Timeout: 10 * time.Second}, nil)
	if err != nil || res.ExitCode != 0 || len(res.Lines) != 1 {
		t.Errorf("no input: err=%v exit=%d lines=%q", err, res.ExitCode, res.Log())
	}
}
