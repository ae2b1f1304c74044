package ldd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// lddReference runs the host's ldd(1) (glibc's, which runs the loader in
// trace mode) and returns needed-name -> path plus the interpreter line.
func lddReference(t *testing.T, prog string) (map[string]string, string) {
	t.Helper()
	out, err := exec.Command("ldd", prog).CombinedOutput()
	if err != nil {
		t.Fatalf("ldd %s: %v\n%s", prog, err, out)
	}
	libs := map[string]string{}
	interp := ""
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[1] == "=>":
			libs[f[0]] = f[2]
		case len(f) == 2 && strings.HasPrefix(f[0], "/"):
			interp = f[0]
		}
	}
	return libs, interp
}

func ours(t *testing.T, r *Resolver, prog string) (map[string]string, string) {
	t.Helper()
	res, err := r.Resolve(prog)
	if err != nil {
		t.Fatalf("Resolve(%s): %v", prog, err)
	}
	libs := map[string]string{}
	for _, l := range res.Libs {
		libs[l.Name] = l.Path
	}
	return libs, res.Interp
}

func diff(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, k+": ours "+v+", ldd "+b[k])
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d = append(d, k+": ours missing, ldd "+v)
		}
	}
	sort.Strings(d)
	return d
}

func TestMatchesLdd(t *testing.T) {
	if _, err := exec.LookPath("ldd"); err != nil {
		t.Skip("ldd not installed")
	}
	r, err := NewResolver(Root{})
	if err != nil {
		t.Fatal(err)
	}
	for _, prog := range []string{
		"/usr/lib/systemd/systemd", "/usr/bin/systemctl", "/usr/lib/systemd/systemd-journald", "/bin/bash",
	} {
		t.Run(filepath.Base(prog), func(t *testing.T) {
			if _, err := os.Stat(prog); err != nil {
				t.Skipf("%s not on this host", prog)
			}
			want, wantInterp := lddReference(t, prog)
			got, gotInterp := ours(t, r, prog)
			if d := diff(got, want); len(d) > 0 {
				t.Errorf("closure differs from ldd:\n%s", strings.Join(d, "\n"))
			}
			if gotInterp != wantInterp {
				t.Errorf("interpreter %q, ldd %q", gotInterp, wantInterp)
			}
			if len(want) < 2 {
				t.Errorf("ldd found only %d libraries; is %s dynamic?", len(want), prog)
			}
		})
	}
}

// TestOriginRunpath builds a program whose library sits in $ORIGIN/../lib and
// compares with ldd, once with DT_RUNPATH and once with DT_RPATH.
func TestOriginRunpath(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed (make deps installs it)")
	}
	for _, tags := range []string{"--enable-new-dtags", "--disable-new-dtags"} {
		t.Run(tags, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
			os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
			os.WriteFile(filepath.Join(dir, "x.c"), []byte("int x(void){return 7;}\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "m.c"), []byte("int x(void); int main(void){return x();}\n"), 0o644)
			run := func(args ...string) {
				t.Helper()
				cmd := exec.Command("gcc", args...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("gcc %v: %v\n%s", args, err, out)
				}
			}
			run("-shared", "-fPIC", "-o", "lib/libx.so.1", "-Wl,-soname,libx.so.1", "x.c")
			os.Symlink("libx.so.1", filepath.Join(dir, "lib/libx.so"))
			run("-o", "bin/m", "m.c", "-Llib", "-lx", "-Wl,"+tags+",-rpath,$ORIGIN/../lib")
			r, err := NewResolver(Root{})
			if err != nil {
				t.Fatal(err)
			}
			prog := filepath.Join(dir, "bin/m")
			want, _ := lddReference(t, prog)
			got, _ := ours(t, r, prog)
			// ldd prints the $ORIGIN-expanded path unnormalised (bin/../lib).
			for k, v := range want {
				want[k] = filepath.Clean(v)
			}
			if d := diff(got, want); len(d) > 0 {
				t.Errorf("closure differs from ldd:\n%s", strings.Join(d, "\n"))
			}
			if got["libx.so.1"] != filepath.Join(dir, "lib/libx.so.1") {
				t.Errorf("libx.so.1 at %q", got["libx.so.1"])
			}
		})
	}
}

func TestSysroot(t *testing.T) {
	// A sysroot with a merged /lib symlink and an absolute symlink inside it:
	// resolution must stay inside the root.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "usr/lib/x86_64-linux-gnu"), 0o755)
	os.Symlink("usr/lib", filepath.Join(dir, "lib"))
	os.WriteFile(filepath.Join(dir, "usr/lib/x86_64-linux-gnu/libc.so.6"), []byte("x"), 0o644)
	os.Symlink("/lib/x86_64-linux-gnu/libc.so.6", filepath.Join(dir, "usr/lib/abs"))
	os.MkdirAll(filepath.Join(dir, "etc/ld.so.conf.d"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/ld.so.conf"), []byte("include ld.so.conf.d/*.conf\n/opt/lib # comment\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/ld.so.conf.d/b.conf"), []byte("/b\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/ld.so.conf.d/a.conf"), []byte("/a\n/b\n"), 0o644)
	root := Root{Dir: dir}
	real, links, err := root.Resolve("/usr/lib/abs")
	if err != nil {
		t.Fatal(err)
	}
	if real != "/usr/lib/x86_64-linux-gnu/libc.so.6" || len(links) != 2 || links[1].Path != "/lib" {
		t.Errorf("Resolve = %q %v", real, links)
	}
	dirs, err := LoadConfig(root, "/etc/ld.so.conf")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(dirs, " "); got != "/a /b /opt/lib" {
		t.Errorf("LoadConfig = %q", got)
	}
	os.Symlink("loop", filepath.Join(dir, "loop"))
	if _, _, err := root.Resolve("/loop"); !errors.Is(err, ErrLoop) {
		t.Errorf("loop: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	bash, err := os.ReadFile("/bin/bash")
	if err != nil {
		t.Skip("no /bin/bash")
	}
	arm := append([]byte(nil), bash...)
	arm[18], arm[19] = 183, 0 // e_machine = EM_AARCH64
	class32 := append([]byte(nil), bash...)
	class32[4] = 1 // ELFCLASS32
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"text file", []byte("#!/bin/sh\necho hi\n"), ErrNotELF},
		{"empty", nil, ErrNotELF},
		{"truncated", bash[:64], ErrNotELF},
		{"aarch64", arm, ErrArch},
	}
	for _, tt := range tests {
		if _, err := Parse(tt.data); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := Parse(class32); err == nil {
		t.Error("32-bit class accepted")
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"/bin/bash", "/usr/lib/systemd/systemd"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:min(len(b), 64<<10)])
		}
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Parse(data)
		if err == nil && o == nil {
			t.Fatal("nil object without error")
		}
	})
}
