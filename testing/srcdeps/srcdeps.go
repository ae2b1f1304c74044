// Package srcdeps makes `go test` caching see sources a test uses only
// through a subprocess (tests that build the kernel with `go build`): it
// opens every Go and assembly file under the given directories, and the go
// command records files a test opens as inputs of its cached result.
package srcdeps

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Track opens the .go, .s and .h files under each directory (relative to the
// module root, found from the working directory) and go.mod.
func Track(dirs ...string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	open := func(p string) {
		if f, err := os.Open(p); err == nil {
			f.Close()
		}
	}
	open(filepath.Join(root, "go.mod"))
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() && (strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".s") || strings.HasSuffix(p, ".h")) {
				open(p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
