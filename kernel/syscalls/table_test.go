package syscalls

import (
	"os"
	"testing"
)

func TestTableCoversEveryNumber(t *testing.T) {
	rows := Table()
	if len(rows) < 350 {
		t.Fatalf("table has %d rows", len(rows))
	}
	seen := map[string]bool{}
	for _, e := range rows {
		if e.Name == "" || seen[e.Name] {
			t.Errorf("row %d: name %q (duplicate or empty)", e.Number, e.Name)
		}
		seen[e.Name] = true
		if e.Support != Unimplemented && e.Handler == nil {
			t.Errorf("%s is %v without a handler", e.Name, e.Support)
		}
		if e.Support == Partial && e.Note == "" {
			t.Errorf("%s is partial without a note", e.Name)
		}
	}
	for _, must := range []string{"read", "write", "openat", "mmap", "clone", "execve", "wait4", "futex", "epoll_wait", "rt_sigaction"} {
		if e := rows[nr(must)]; e.Support == Unimplemented {
			t.Errorf("%s is not implemented", must)
		}
	}
}

// TestDocIsCurrent keeps docs/SYSCALLS.md equal to the table
// (regenerate with: go run ./kernel/syscalls/cmd/syscalltable > docs/SYSCALLS.md).
func TestDocIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../../docs/SYSCALLS.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != Markdown() {
		t.Error("docs/SYSCALLS.md is out of date: go run ./kernel/syscalls/cmd/syscalltable > docs/SYSCALLS.md")
	}
}
