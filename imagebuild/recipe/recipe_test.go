package recipe

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `name: demo
description: a test image
seed: demo-seed
init: /sbin/init
cmdline: console=ttyS0
outputs: [initramfs, disk]
compression: xz
harvest:
  binaries: [/bin/busybox]
compile:
  - source: testing/programs/hello/hello.c
    output: /sbin/init
    toolchain: musl
files:
  - path: /etc/os-release
    contents: "NAME=demo\n"
  - path: /dev/console
    mode: 0o600
    device: {kind: char, major: 5, minor: 1}
  - path: /var/run
    symlink: ../run
  - path: /etc/machine-id
    generate: machine-id
`

func TestDecodeGood(t *testing.T) {
	r, err := LoadFile("recipes/demo.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "demo" || len(r.Files) != 4 || r.Files[1].Device.Major != 5 || *r.Files[1].Mode != 0o600 {
		t.Errorf("decoded %+v", r)
	}
	if l := r.Line("files[1].device"); l != 19 {
		t.Errorf("Line(files[1].device) = %d, want 19", l)
	}
}

func TestDecodeBad(t *testing.T) {
	tests := []struct {
		name, edit, want string
	}{
		{"unknown top-level key", "name: demo\n", "name: demo\nsede: x\n"},
		{"unknown nested key", "    toolchain: musl\n", "    toolchain: musl\n    optimise: yes\n"},
		{"duplicate key", "seed: demo-seed\n", "seed: demo-seed\nseed: again\n"},
		{"wrong type", "compression: xz\n", "compression: [xz]\n"},
		{"bad int", "major: 5", "major: five"},
		{"beyond 32 bits", "major: 5", "major: 4294967296"},
		{"negative", "major: 5", "major: -1"},
	}
	wantMsg := []string{`demo.yaml:2: unknown key "sede"`, `demo.yaml:14: unknown key "compile[0].optimise"`,
		`demo.yaml:4: duplicate key "seed"`, `demo.yaml:7: compression: want a single value`, `demo.yaml:19: cannot unmarshal`,
		"demo.yaml:19: cannot unmarshal !!int `4294967296` into uint32", "demo.yaml:19: cannot unmarshal !!int `-1` into uint32"}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, tt.edit, tt.want, 1)
			_, err := LoadFile("recipes/demo.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), wantMsg[i]) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line containing %q", err, wantMsg[i])
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"escaping path", "/etc/os-release", "/etc/../../x", "files[0].path"},
		{"relative path", "/etc/os-release", "etc/os-release", "not absolute"},
		{"two sources", "    symlink: ../run\n", "    symlink: ../run\n    directory: true\n", "exactly one"},
		{"no source", "    generate: machine-id\n", "", "exactly one"},
		{"bad generator", "generate: machine-id", "generate: hostname", "unknown generator"},
		{"bad toolchain", "toolchain: musl", "toolchain: clang", "want gcc or musl"},
		{"bad output", "[initramfs, disk]", "[initramfs, iso]", "unknown output"},
		{"name mismatch", "name: demo", "name: other", "does not match"},
		{"missing seed", "seed: demo-seed\n", "", "seed: missing"},
		{"device kind", "kind: char", "kind: pipe", "want char or block"},
		{"harvest escape", "[/bin/busybox]", "[/bin/../../etc/shadow]", "harvest.binaries[0]"},
		{"compile source escape", "testing/programs/hello/hello.c", "../secret.c", "compile[0].source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, tt.old, tt.new, 1)
			_, err := LoadFile("recipes/demo.yaml", []byte(src))
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a ValidationError containing %q", err, tt.want)
			}
		})
	}
	// Every problem is reported, each with its line.
	src := strings.Replace(strings.Replace(good, "toolchain: musl", "toolchain: clang", 1), "kind: char", "kind: pipe", 1)
	_, err := LoadFile("recipes/demo.yaml", []byte(src))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 || ve.Problems[0].Line != 13 || ve.Problems[1].Line != 19 {
		t.Errorf("problems = %+v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "demo.yaml"), []byte(good), 0o644)
	if _, err := Load(dir, "demo"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nope", "../demo", ""} {
		if _, err := Load(dir, name); !errors.Is(err, ErrUnknownRecipe) {
			t.Errorf("Load(%q) = %v", name, err)
		}
	}
	if names, _ := List(dir); len(names) != 1 || names[0] != "demo" {
		t.Errorf("List = %v", names)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("name: [a\n"))
	f.Add([]byte("a: &x 1\nb: *x\n"))
	f.Add([]byte(limitsBase))
	f.Add([]byte(strings.NewReplacer("major: 1,", "major: 4096,", "uid: 1000", "uid: 4294967295", "/etc/mode", "/"+strings.Repeat("n", 256)).Replace(limitsBase)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := LoadFile("recipes/demo.yaml", data)
		if err == nil && r.Validate() != nil {
			t.Fatal("LoadFile accepted a recipe Validate rejects")
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error: %q", err)
		}
	})
}
