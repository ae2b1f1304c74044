package imagebuild

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aramid/imagebuild/recipe"
)

// fakeSource writes a gzipped tarball whose meson.build declares systemd
// of the given version; extra entries are added as they are.
func fakeSource(t *testing.T, version string, extra ...string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	files := []string{
		"systemd-" + version + "/meson.build", "project('systemd', 'c', version : '" + version + "', meson_version : '>= 0.46')\n",
		"systemd-" + version + "/meson_options.txt", "option('networkd', type : 'boolean')\n",
	}
	for i := 0; i+1 < len(files); i += 2 {
		tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[i+1]))
	}
	for _, name := range extra {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
		tw.Write([]byte("x"))
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "systemd-"+version+".tar.gz")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSystemdSourceRefused: `mkimage --recipe systemd-v245 --systemd-source
// FILE` with a source of another version, a corrupt tarball, a tarball whose
// paths escape the tree, or a missing file fails with one line naming the
// problem and leaves neither an output directory nor a cache entry.
func TestSystemdSourceRefused(t *testing.T) {
	r, err := recipe.Load(filepath.Join(repoDir(t), "recipes"), "systemd-v245")
	if err != nil {
		t.Fatal(err)
	}
	good := fakeSource(t, "247")
	data, _ := os.ReadFile(good)
	corrupt := filepath.Join(t.TempDir(), "corrupt.tar.gz")
	os.WriteFile(corrupt, data[:len(data)/2], 0o644)
	tests := []struct {
		name, source, want string
	}{
		{"another version", good, "is systemd 247, not 245"},
		{"corrupt tarball", corrupt, "systemdsrc:"},
		{"escaping paths", fakeSource(t, "245", "systemd-245/../../../etc/evil"), "escapes the source tree"},
		{"missing file", filepath.Join(t.TempDir(), "nope.tar.gz"), "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			o := options(t, out, 1700000000)
			o.SystemdSource = tc.source
			_, err := Build(context.Background(), r, o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("more than one line: %q", err)
			}
			if !strings.Contains(err.Error(), "systemd-v245.yaml:") {
				t.Errorf("error does not name the recipe: %v", err)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output directory left behind: %v", err)
			}
			if left, _ := os.ReadDir(filepath.Join(o.CacheDir, "systemd-src")); len(left) != 0 {
				t.Errorf("cache entries left behind: %v", left)
			}
		})
	}
}

// TestSystemdFallbackLoud: without a source the recipe falls back to the
// host's systemd and says so in the notices and the manifest.
func TestSystemdFallbackLoud(t *testing.T) {
	r, err := recipe.Load(filepath.Join(repoDir(t), "recipes"), "systemd-v245")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repoDir(t), r.Systemd.Source)); err == nil {
		t.Skipf("%s exists: the recipe builds from source", r.Systemd.Source)
	}
	o := options(t, t.TempDir(), 1700000000)
	note, err := systemdSource(context.Background(), r, r.Systemd, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(note.source, "FALLBACK: host ") || !strings.Contains(note.notice, "systemd 245 cannot be built") {
		t.Errorf("fallback not loud: source %q notice %q", note.source, note.notice)
	}
	// A source named on the command line must exist: no fallback then.
	o.SystemdSource = filepath.Join(t.TempDir(), "missing.tar.gz")
	if _, err := systemdSource(context.Background(), r, r.Systemd, o); err == nil {
		t.Error("missing --systemd-source fell back instead of failing")
	}
}
