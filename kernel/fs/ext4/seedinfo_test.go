package ext4

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFuzzSeedHasJournalToReplay: the fuzz seed's journal holds a
// committed transaction, so FuzzMount exercises the replay.
func TestFuzzSeedHasJournalToReplay(t *testing.T) {
	seed := fuzzSeed(t)
	img := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(img, seed, 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, "dumpe2fs", "-h", img)
	if !strings.Contains(out, "needs_recovery") || !strings.Contains(out, "Journal start:            1") {
		t.Errorf("seed journal:\n%s", out)
	}
	if !strings.Contains(debugfs(t, img, "htree /h"), "Root node dump") {
		t.Error("seed /h is not an htree")
	}
}
