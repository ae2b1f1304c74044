package xz

import (
	"os/exec"
	"strings"
	"testing"
)

// TestInlining guards the decoder's speed: the range decoder helpers only
// keep their state in registers if the compiler inlines them, and a small
// edit can silently push one over the inlining budget.
func TestInlining(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiler")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goTool, "build", "-gcflags=-m", "-o", "/dev/null", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, fn := range []string{"rcBit", "rcBitTree", "rcDirect", "rcNorm"} {
		if !strings.Contains(string(out), "can inline "+fn+"\n") {
			t.Errorf("%s is no longer inlined", fn)
		}
	}
}
