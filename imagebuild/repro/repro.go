// Package repro holds the two sources of variation an image build may have:
// one timestamp (SOURCE_DATE_EPOCH) and one seed. Every identifier an image
// carries (filesystem UUIDs, GPT GUIDs, directory-hash seeds, the machine-id)
// is derived from the seed and a label, so the same recipe always yields the
// same bytes and two different labels never collide.
package repro

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Derive returns n bytes derived from seed and label. It is a pure function:
// SHA-256 over a length-prefixed encoding, extended by a counter when n > 32.
func Derive(seed, label string, n int) []byte {
	out := make([]byte, 0, n)
	for ctr := 0; len(out) < n; ctr++ {
		h := sha256.New()
		fmt.Fprintf(h, "aramid-repro\x00%d:%s\x00%d:%s\x00%d", len(seed), seed, len(label), label, ctr)
		out = h.Sum(out)
	}
	return out[:n]
}

// UUID returns an RFC 9562 version-4-shaped UUID (variant and version bits set)
// derived from seed and label, as 16 raw bytes in textual order.
func UUID(seed, label string) [16]byte {
	var u [16]byte
	copy(u[:], Derive(seed, label, 16))
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// FormatUUID renders u as 8-4-4-4-12 lowercase hex.
func FormatUUID(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// MachineID returns the 32 lowercase hex digits systemd expects in
// /etc/machine-id, derived from seed.
func MachineID(seed string) string {
	u := UUID(seed, "machine-id")
	return hex.EncodeToString(u[:])
}

// Epoch resolves the build timestamp. SOURCE_DATE_EPOCH from env wins; else the
// commit time of the last commit touching recipeFile (git log); else the Unix
// epoch, reported by the returned origin so callers can say so.
func Epoch(getenv func(string) string, recipeFile string) (t time.Time, origin string, err error) {
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, "", fmt.Errorf("repro: SOURCE_DATE_EPOCH=%q is not a non-negative integer", s)
		}
		return time.Unix(n, 0).UTC(), "SOURCE_DATE_EPOCH", nil
	}
	if recipeFile != "" {
		if n, ok := gitCommitTime(recipeFile); ok {
			return time.Unix(n, 0).UTC(), "git commit of " + filepath.Base(recipeFile), nil
		}
	}
	return time.Unix(0, 0).UTC(), "default (0: recipe not committed, SOURCE_DATE_EPOCH unset)", nil
}

func gitCommitTime(file string) (int64, bool) {
	if _, err := exec.LookPath("git"); err != nil {
		return 0, false
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return 0, false
	}
	cmd := exec.Command("git", "log", "-1", "--format=%ct", "--", filepath.Base(abs))
	cmd.Dir = filepath.Dir(abs)
	cmd.Env = append(os.Environ(), "GIT_PAGER=cat")
	out, err := cmd.Output()
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
