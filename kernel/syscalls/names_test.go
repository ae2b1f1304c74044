package syscalls

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestNamesMatchHeader compares the generated table with the kernel
// headers installed on the host.
func TestNamesMatchHeader(t *testing.T) {
	f, err := os.Open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
	if err != nil {
		t.Skip("no kernel headers on this host")
	}
	defer f.Close()
	re := regexp.MustCompile(`^#define __NR_(\w+)\s+(\d+)`)
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		seen++
		if n >= len(names) || names[n] != m[1] {
			t.Errorf("syscall %d: table has %q, header %q", n, name(n), m[1])
		}
	}
	if seen < 300 {
		t.Fatalf("only %d syscalls in the header", seen)
	}
}

func name(n int) string {
	if n < len(names) {
		return names[n]
	}
	return ""
}
