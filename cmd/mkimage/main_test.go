package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	repo, _ := filepath.Abs("../..")
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("x"), 0o644)
	env := func(string) string { return "" }
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"list", []string{"list"}, "systemd-v245", ""},
		{"flags before list", []string{"--repo", repo, "list"}, "systemd-v245", ""},
		{"recipe path missing", []string{"--recipe", filepath.Join(t.TempDir(), "x.yaml"), "-o", t.TempDir()}, "", "x.yaml: no such file"},
		{"validate without files", []string{"validate"}, "", "usage: mkimage validate"},
		{"unknown recipe", []string{"--repo", repo, "--recipe", "nope", "-o", t.TempDir()}, "", `unknown recipe "nope"`},
		{"missing -o", []string{"--repo", repo, "--recipe", "busybox"}, "", "required"},
		{"output is a file", []string{"--repo", repo, "-q", "--recipe", "busybox", "-o", file, "--format", "initramfs"}, "", "is a file"},
		{"inspect non-image", []string{"inspect", file}, "", "cpio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := tt.args
			if tt.name == "list" {
				wd, _ := os.Getwd()
				os.Chdir(repo)
				defer os.Chdir(wd)
			}
			err := run(context.Background(), args, &out, &errb, env)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n")) {
				t.Fatalf("err = %v, want one line with %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout = %q", out.String())
			}
		})
	}
}
