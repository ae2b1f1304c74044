package harvest

import (
	"errors"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"

	"aramid/imagebuild/harvest/ldd"
	"aramid/imagebuild/tree"
)

// lookup follows symlinks inside the tree, as the guest's kernel would.
func lookup(t *tree.Tree, p string) (*tree.Entry, bool) {
	cur := ""
	rest := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for hops := 0; len(rest) > 0 && hops < 40; {
		name := rest[0]
		rest = rest[1:]
		next := path.Join(cur, name)
		e, ok := t.Get(next)
		if !ok {
			return nil, false
		}
		if e.Type == tree.Symlink {
			hops++
			if path.IsAbs(e.Target) {
				cur = ""
			}
			rest = append(strings.Split(strings.Trim(e.Target, "/"), "/"), rest...)
			continue
		}
		cur = next
	}
	e, ok := t.Get(cur)
	return e, ok && len(rest) == 0
}

func TestHarvestSystemdMatchesLdd(t *testing.T) {
	const prog = "/usr/lib/systemd/systemd"
	if _, err := os.Stat(prog); err != nil {
		t.Skip("no host systemd")
	}
	tr := tree.New()
	h, err := New("", tr)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Binary(prog); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ldd", prog).Output()
	if err != nil {
		t.Skipf("ldd: %v", err)
	}
	var want []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[1] == "=>" {
			want = append(want, f[2])
		} else if len(f) == 2 && strings.HasPrefix(f[0], "/") {
			want = append(want, f[0])
		}
	}
	want = append(want, prog)
	for _, p := range want {
		e, ok := lookup(tr, p)
		if !ok || e.Type != tree.Regular {
			t.Errorf("%s does not resolve to a file in the image", p)
			continue
		}
		host, _ := os.ReadFile(p)
		if string(host) != string(e.Data) {
			t.Errorf("%s: content differs from host", p)
		}
	}
	if e, ok := tr.Get("/lib64"); !ok || e.Type != tree.Symlink {
		t.Errorf("/lib64 symlink not kept: %+v", e)
	}
	for _, e := range tr.Sorted() {
		if e.UID != 0 || e.GID != 0 {
			t.Errorf("%s: owner %d:%d not normalised", e.Path, e.UID, e.GID)
		}
	}
}

func TestHarvestErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func(h *Harvester) error
		want error
	}{
		{"missing", func(h *Harvester) error { return h.Binary("/usr/bin/does-not-exist") }, os.ErrNotExist},
		{"not ELF", func(h *Harvester) error { return h.Binary("/etc/passwd") }, ldd.ErrNotELF},
		{"directory", func(h *Harvester) error { return h.File("/etc") }, nil},
	}
	for _, tt := range tests {
		h, err := New("", tree.New())
		if err != nil {
			t.Fatal(err)
		}
		err = tt.run(h)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestOverlay harvests a program from an overlay (as a source build stages
// it) that shadows the host's file at the same path: the overlay's bytes go
// in, marked in the origin, and its libraries still come from the host.
func TestOverlay(t *testing.T) {
	overlay := t.TempDir()
	const p = "/usr/bin/ls" // exists on the host too
	data, err := os.ReadFile("/usr/bin/true")
	if err != nil {
		t.Skip("no /usr/bin/true")
	}
	dst := overlay + p
	os.MkdirAll(path.Dir(dst), 0o755)
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
	tr := tree.New()
	h, err := NewOverlay("", overlay, "built from source", tr)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Binary(p); err != nil {
		t.Fatal(err)
	}
	e, ok := lookup(tr, p)
	if !ok {
		t.Fatalf("%s not in the tree", p)
	}
	if string(e.Data) != string(data) || !strings.Contains(e.Origin, "built from source") {
		t.Errorf("%s: %d bytes (overlay file %d), origin %q", p, len(e.Data), len(data), e.Origin)
	}
	if _, ok := lookup(tr, "/lib/x86_64-linux-gnu/libc.so.6"); !ok {
		t.Error("libc.so.6 not harvested from the host")
	}
}
