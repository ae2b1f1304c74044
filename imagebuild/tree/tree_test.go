package tree

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"/usr/bin/x", "usr/bin/x", false},
		{"usr/bin/x", "usr/bin/x", false},
		{"/", "", false},
		{"../etc/passwd", "", true},
		{"/a/../../b", "", true},
		{"/a//b", "", true},
		{"/a/./b", "", true},
		{"/..", "", true},
	}
	for _, tt := range tests {
		got, err := CleanPath(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, ErrBadPath) {
			t.Errorf("CleanPath(%q) error %v is not ErrBadPath", tt.in, err)
		}
	}
}

func TestAdd(t *testing.T) {
	tr := New()
	mustAdd := func(e Entry) {
		t.Helper()
		if err := tr.Add(e); err != nil {
			t.Fatalf("Add(%s): %v", e.Path, err)
		}
	}
	mustAdd(Entry{Path: "/usr/bin/a", Type: Regular, Mode: 0o755, Data: []byte("A")})
	mustAdd(Entry{Path: "/usr/bin/a", Type: Regular, Mode: 0o755, Data: []byte("A"), Origin: "again"})
	mustAdd(Entry{Path: "/bin", Type: Symlink, Mode: 0o777, Target: "usr/bin"})
	mustAdd(Entry{Path: "/usr/bin/b", Type: Hardlink, Target: "/usr/bin/a"})

	tests := []struct {
		name string
		e    Entry
		want error
	}{
		{"different content", Entry{Path: "/usr/bin/a", Type: Regular, Data: []byte("B")}, ErrExist},
		{"escape", Entry{Path: "/../x", Type: Regular}, ErrBadPath},
		{"parent is a symlink", Entry{Path: "/bin/x", Type: Regular}, ErrNotDir},
		{"mode too wide", Entry{Path: "/m", Type: Regular, Mode: 0o170000}, ErrBadEntry},
		{"empty symlink", Entry{Path: "/s", Type: Symlink}, ErrBadEntry},
		{"dir with data", Entry{Path: "/d", Type: Dir, Data: []byte("x")}, ErrBadEntry},
	}
	for _, tt := range tests {
		if err := tr.Add(tt.e); !errors.Is(err, tt.want) {
			t.Errorf("%s: Add = %v, want %v", tt.name, err, tt.want)
		}
	}
	var paths []string
	for _, e := range tr.Sorted() {
		paths = append(paths, "/"+e.Path)
	}
	if got, want := strings.Join(paths, " "), "/ /bin /usr /usr/bin /usr/bin/a /usr/bin/b"; got != want {
		t.Errorf("Sorted = %s, want %s", got, want)
	}
	if err := tr.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	if n := tr.Links()["usr/bin/a"]; n != 2 {
		t.Errorf("Links = %d, want 2", n)
	}
	ch := tr.Children()
	if len(ch[""]) != 2 || len(ch["usr/bin"]) != 2 {
		t.Errorf("Children = %v", ch)
	}
	if err := tr.Add(Entry{Path: "/dangling", Type: Hardlink, Target: "/nope"}); err != nil {
		t.Fatal(err)
	}
	if err := tr.Check(); !errors.Is(err, ErrBadEntry) {
		t.Errorf("Check with dangling hard link = %v", err)
	}
}
