package systemdsrc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A Fixup adapts a source to today's headers, compiler or tools. Each is
// the build's own step (no systemd code is copied or patched in), applies
// to the sources that need it, found from what the source contains, and is
// recorded in the manifest when it ran.
type Fixup struct {
	Name string
	// Why says which versions need it and why.
	Why string
	// Applies reports whether the source needs it.
	Applies func(s *Source) bool
	// AfterSetup runs between `meson setup` and the main ninja run and
	// returns a note for the manifest.
	AfterSetup func(ctx context.Context, b *builder) (string, error)
}

const (
	ifArpBundled    = "src/basic/linux/if_arp.h"
	arphrdGenerator = "src/basic/generate-arphrd-list.sh"
	arphrdList      = "src/basic/arphrd-list.txt" // ninja target and file in the build directory
)

// Fixups are every known fix-up, in the order they run.
var Fixups = []Fixup{
	{
		Name: "arphrd-names",
		Why: "systemd up to 24x bundles an old linux/if_arp.h and compiles against it, but generates its " +
			"ARPHRD_* name list from the host's kernel headers; names newer than the bundled header " +
			"(ARPHRD_MCTP in Linux 5.15+) are then undeclared. The generated list is filtered to the names " +
			"the bundled header defines.",
		Applies: func(s *Source) bool {
			_, hdr := s.Files[ifArpBundled]
			_, gen := s.Files[arphrdGenerator]
			return hdr && gen
		},
		AfterSetup: filterArphrd,
	},
}

var arphrdDefine = regexp.MustCompile(`(?m)^\s*#\s*define\s+ARPHRD_([A-Za-z0-9_]+)\s+\S`)

// filterArphrd generates the ARPHRD name list and keeps the names the
// bundled header defines.
func filterArphrd(ctx context.Context, b *builder) (string, error) {
	// A resumed build filtered the list before: its note says what went.
	noteFile := filepath.Join(b.dir, "fixup-arphrd-names.txt")
	if note, err := os.ReadFile(noteFile); err == nil {
		return string(note), nil
	}
	// Without a note the list is generated afresh from the host's headers
	// (a build left by an earlier mkimage may hold a filtered one).
	file := filepath.Join(b.bld, filepath.FromSlash(arphrdList))
	if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("systemdsrc: %w", err)
	}
	if err := b.ninja(ctx, arphrdList); err != nil {
		return "", err
	}
	list, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("systemdsrc: %w", err)
	}
	kept, dropped := FilterARPHRD(list, b.src.Files[ifArpBundled])
	note := "arphrd-names: the host's list matches the bundled if_arp.h"
	if len(dropped) > 0 {
		note = "arphrd-names: dropped " + strings.Join(dropped, ", ") + " (host headers only, not in the bundled if_arp.h)"
		// Written in place: ninja sees an output newer than its inputs and
		// does not generate it again.
		if err := os.WriteFile(file, kept, 0o644); err != nil {
			return "", fmt.Errorf("systemdsrc: %w", err)
		}
	}
	if err := os.WriteFile(noteFile, []byte(note), 0o644); err != nil {
		return "", fmt.Errorf("systemdsrc: %w", err)
	}
	return note, nil
}

// fixupsFor lists the fix-ups a source needs.
func fixupsFor(s *Source) []Fixup {
	var out []Fixup
	for _, f := range Fixups {
		if f.Applies(s) {
			out = append(out, f)
		}
	}
	return out
}

// FilterARPHRD keeps the names of a generated ARPHRD list (one name without
// its ARPHRD_ prefix per line) that header #defines, and returns the kept
// list and the dropped names, sorted.
func FilterARPHRD(list, header []byte) (kept []byte, dropped []string) {
	defined := map[string]bool{}
	for _, m := range arphrdDefine.FindAllSubmatch(header, -1) {
		defined[string(m[1])] = true
	}
	var out bytes.Buffer
	for _, name := range strings.Fields(string(list)) {
		if defined[name] {
			fmt.Fprintln(&out, name)
		} else {
			dropped = append(dropped, name)
		}
	}
	slices.Sort(dropped)
	return out.Bytes(), dropped
}
