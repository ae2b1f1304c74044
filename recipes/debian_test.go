package recipes

import (
	"strings"
	"testing"

	"aramid/imagebuild/debian"
	"aramid/imagebuild/disk"
	"aramid/imagebuild/recipe"
)

// TestDebianFstabRoot checks that the Debian recipe's /etc/fstab names the
// root partition mkimage writes (its PARTUUID derives from the seed) and
// that its lock parses and pins the recipe's suite.
func TestDebianFstabRoot(t *testing.T) {
	r, err := recipe.Load(".", "debian-bookworm")
	if err != nil {
		t.Fatal(err)
	}
	want := "PARTUUID=" + disk.RootPartUUID(r.Seed)
	found := false
	for _, f := range r.Files {
		if f.Path != "/etc/fstab" || f.Contents == nil {
			continue
		}
		for _, l := range strings.Split(*f.Contents, "\n") {
			if fs := strings.Fields(l); len(fs) >= 2 && fs[1] == "/" {
				found = true
				if fs[0] != want {
					t.Errorf("fstab root %s, the disk's root is %s", fs[0], want)
				}
			}
		}
	}
	if !found {
		t.Error("no / line in the recipe's /etc/fstab")
	}
	l, err := debian.ReadLock("debian-bookworm.lock")
	if err != nil {
		t.Fatal(err)
	}
	if l.Suite != r.Debian.Suite {
		t.Errorf("lock suite %s, recipe %s", l.Suite, r.Debian.Suite)
	}
}
