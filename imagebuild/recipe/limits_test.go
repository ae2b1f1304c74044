package recipe

import (
	"errors"
	"strings"
	"testing"
)

// limitsBase is a valid recipe with an entry of every kind, each on its own
// line, so a test can change one field and know the line it must be blamed on.
const limitsBase = `name: lim
seed: s
cmdline: console=ttyS0
outputs: [initramfs, disk]
compile:
  - {source: hello.c, output: /usr/bin/hello, toolchain: gcc}
harvest:
  sysroot: /
files:
  - {path: /dev/null, device: {kind: char, major: 1, minor: 3}}
  - {path: /etc/owned, uid: 1000, gid: 1000, contents: x}
  - {path: /etc/link, symlink: owned}
  - {path: /etc/hard, hardlink: /etc/owned}
  - {path: /etc/mode, mode: 0o644, contents: x}
`

// TestLimits changes one field of limitsBase to a value an output or Linux
// cannot hold: validation must give exactly one problem, on that field's
// line, as one line of text. The value just inside the limit must pass
// (the control: the check is the limit, not a rejection of the field).
func TestLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	// pathOf builds an absolute path of exactly n bytes from 200-byte names.
	pathOf := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			seg := min(200, n-b.Len()-1)
			b.WriteString("/" + long(seg))
		}
		return b.String()
	}
	tests := []struct {
		name     string
		old      string // text of limitsBase to replace
		bad, ok  string // replacement outside the limit, and just inside ("" = none)
		key      string // the problem's key
		want     string // text the message must hold
		wantLine int
	}{
		{"device major", "major: 1,", "major: 4096,", "major: 4095,", "files[0].device.major", "12 bits (at most 4095)", 10},
		{"device minor", "minor: 3}", "minor: 1048576}", "minor: 1048575}", "files[0].device.minor", "20 bits (at most 1048575)", 10},
		{"device minor of the issue", "minor: 3}", "minor: 99999999}", "", "files[0].device.minor", "99999999 does not fit", 10},
		{"uid", "uid: 1000", "uid: 4294967295", "uid: 4294967294", "files[1].uid", "(uid_t)-1", 11},
		{"gid", "gid: 1000", "gid: 4294967295", "gid: 4294967294", "files[1].gid", "(gid_t)-1", 11},
		{"mode bits", "mode: 0o644", "mode: 0o10000", "mode: 0o7777", "files[4].mode", "beyond 07777", 14},
		{"mode of a symlink", "symlink: owned}", "symlink: owned, mode: 0o755}", "", "files[2].mode", "always 0777", 12},
		{"mode of a hard link", "hardlink: /etc/owned}", "hardlink: /etc/owned, mode: 0o600}", "", "files[3].mode", "shares its target's mode", 13},
		{"owner of a hard link", "hardlink: /etc/owned}", "hardlink: /etc/owned, gid: 5}", "", "files[3].gid", "shares its target's owner", 13},
		{"name length", "/etc/mode", "/etc/" + long(256), "/etc/" + long(255), "files[4].path", "allow 255", 14},
		{"path length", "/etc/mode", pathOf(4097), pathOf(4096), "files[4].path", "at most 4095", 14},
		{"hard link path length", "hardlink: /etc/owned", "hardlink: " + pathOf(4097), "", "files[3].hardlink", "at most 4095", 13},
		{"NUL in a path", "/etc/mode", `"/etc/mo\0de"`, "", "files[4].path", "NUL", 14},
		{"symlink target length", "symlink: owned", "symlink: " + long(4096), "symlink: " + long(4095), "files[2].symlink", "allow 4095", 12},
		{"root as a file", "path: /etc/mode", "path: /", "", "files[4].path", "image root", 14},
		{"compile output root", "output: /usr/bin/hello", "output: /", "", "compile[0].output", "image root", 6},
		{"cmdline length", "cmdline: console=ttyS0", "cmdline: " + long(2048), "cmdline: " + long(2047), "cmdline", "at most 2047", 3},
		{"cmdline newline", "cmdline: console=ttyS0", `cmdline: "console=ttyS0\nquiet"`, "", "cmdline", "one line", 3},
		{"cmdline GRUB would expand", "cmdline: console=ttyS0", "cmdline: console=$tty", "", "cmdline", "grub.cfg would interpret", 3},
		{"name characters", "name: lim", "name: lim!", "", "name", "want letters, digits", 1},
		{"description lines", "seed: s\n", "seed: s\ndescription: \"a\\nb\"\n", "", "description", "one line", 3},
		{"checks lines", "seed: s\n", "seed: s\nchecks: {success: \"a\\nb\"}\n", "", "checks.success", "one line", 3},
		{"compile source escapes", "source: hello.c", "source: ../hello.c", "source: /elsewhere/hello.c", "compile[0].source", "escapes the recipe's folder", 6},
		{"compile source unclean", "source: hello.c", "source: ./hello.c", "source: src/hello.c", "compile[0].source", "not clean", 6},
		{"sysroot escapes", "sysroot: /", "sysroot: ../root", "sysroot: root", "harvest.sysroot", "escapes the recipe's folder", 8},
		{"systemd tarball escapes", "seed: s\n", "seed: s\nsystemd: {version: \"252\", source: ../s.tar.gz, sha256: " + strings.Repeat("0123456789abcdef", 4) + ", fallback: fail}\n", "", "systemd.source", "escapes the recipe's folder", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(limitsBase, tt.old) {
				t.Fatalf("%q not in the base recipe", tt.old)
			}
			file := "recipes/lim.yaml"
			if tt.key == "name" {
				file = "recipes/lim!.yaml" // the name must still match the file name
			}
			r, err := Decode(file, []byte(strings.Replace(limitsBase, tt.old, tt.bad, 1)))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			err = r.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Fatalf("err = %v, want exactly one problem", err)
			}
			p := ve.Problems[0]
			line := ve.Lines()[0]
			if p.Key != tt.key || p.Line != tt.wantLine || !strings.Contains(p.Msg, tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("problem %q (key %s, line %d), want key %s, line %d, text %q, one line", line, p.Key, p.Line, tt.key, tt.wantLine, tt.want)
			}
			if tt.ok != "" {
				r, err := Decode("recipes/lim.yaml", []byte(strings.Replace(limitsBase, tt.old, tt.ok, 1)))
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Validate(); err != nil {
					t.Errorf("the value just inside the limit is rejected: %v", err)
				}
			}
		})
	}
}

// TestLimitsPerOutput: GRUB's limits on the command line apply only when a
// disk is written; the same recipe without the disk output is valid, and
// ValidateFor checks the outputs a build asks for beyond the recipe's.
func TestLimitsPerOutput(t *testing.T) {
	src := strings.Replace(strings.Replace(limitsBase, "[initramfs, disk]", "[initramfs]", 1), "console=ttyS0", "console=$tty", 1)
	r, err := Decode("recipes/lim.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("initramfs only: %v", err)
	}
	if err := r.ValidateFor([]string{"disk"}); err == nil || !strings.Contains(err.Error(), "lim.yaml:3: cmdline:") {
		t.Errorf("ValidateFor(disk) = %v, want the cmdline problem on line 3", err)
	}
}

// TestLimitsEveryProblem: several bad fields are all reported, in line order.
func TestLimitsEveryProblem(t *testing.T) {
	src := strings.NewReplacer("major: 1,", "major: 5000,", "uid: 1000", "uid: 4294967295", "cmdline: console=ttyS0", "cmdline: a;b").Replace(limitsBase)
	r, err := Decode("recipes/lim.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if err := r.Validate(); !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, l := range ve.Lines() {
		got = append(got, l[:strings.Index(l, ": ")+strings.Index(l[strings.Index(l, ": ")+2:], ":")+2])
	}
	want := []string{"recipes/lim.yaml:3: cmdline", "recipes/lim.yaml:10: files[0].device.major", "recipes/lim.yaml:11: files[1].uid"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("problems %q, want %q", got, want)
	}
}
