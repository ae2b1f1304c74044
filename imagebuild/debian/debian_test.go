package debian

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aramid/imagebuild/tree"
)

const sum = "c24fe4eb8e60d8632d72ed104cce7c92cff200847c897dc8ba764b6c47b519e0"

func TestLockRoundTrip(t *testing.T) {
	l := &Lock{Suite: "bookworm", Mirror: "http://deb.debian.org/debian", Packages: []Package{
		{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Arch: "amd64", Size: 5, SHA256: sum, Filename: "pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb"},
		{Name: "adduser", Version: "3.134", Arch: "all", Size: 7, SHA256: sum, Filename: "pool/main/a/adduser/adduser_3.134_all.deb"},
	}}
	got, err := ParseLock("x.lock", bytes.NewReader(l.Format()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Suite != l.Suite || got.Mirror != l.Mirror || len(got.Packages) != 2 || got.Packages[0].Name != "adduser" || got.Packages[1] != l.Packages[0] {
		t.Fatalf("round trip: %+v", got)
	}
	if !bytes.Equal(got.Format(), l.Format()) {
		t.Fatal("Format is not stable")
	}
}

func TestParseLockErrors(t *testing.T) {
	head := "suite bookworm\nmirror http://m/debian\n"
	for _, tc := range []struct{ name, text, want string }{
		{"short line", head + "a 1 amd64\n", "x.lock:3"},
		{"bad sha", head + "a 1 amd64 5 abc pool/a.deb\n", "sha256"},
		{"bad size", head + "a 1 amd64 -1 " + sum + " pool/a.deb\n", "size"},
		{"escaping path", head + "a 1 amd64 5 " + sum + " ../a.deb\n", "pool path"},
		{"twice", head + "a 1 amd64 5 " + sum + " pool/a.deb\na 2 amd64 5 " + sum + " pool/b.deb\n", "locked twice"},
		{"no packages", head, "needs"},
		{"no suite", "mirror http://m/debian\na 1 amd64 5 " + sum + " pool/a.deb\n", "needs"},
	} {
		_, err := ParseLock("x.lock", strings.NewReader(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDebName(t *testing.T) {
	for _, tc := range []struct{ in, name, version, arch string }{
		{"zlib1g_1%3a1.2.13.dfsg-1_amd64.deb", "zlib1g", "1:1.2.13.dfsg-1", "amd64"},
		{"adduser_3.134_all.deb", "adduser", "3.134", "all"},
	} {
		n, v, a, err := debName(tc.in)
		if err != nil || n != tc.name || v != tc.version || a != tc.arch {
			t.Errorf("debName(%q) = %q %q %q %v", tc.in, n, v, a, err)
		}
	}
	if _, _, _, err := debName("foo.deb"); err == nil {
		t.Error("debName(foo.deb): no error")
	}
}

// TestAddTarball writes a tarball with every kind of entry mmdebstrap
// makes and checks that the tree holds each with its owner, mode, link
// and device, that skipped paths are left out and xattrs are reported.
func TestAddTarball(t *testing.T) {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	add := func(h tar.Header, data string) {
		h.Size = int64(len(data))
		h.Format = tar.FormatPAX
		if err := w.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	add(tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(tar.Header{Name: "./var/log/journal/", Typeflag: tar.TypeDir, Mode: 0o2755, Gid: 101,
		PAXRecords: map[string]string{"SCHILY.xattr.system.posix_acl_access": "x"}}, "")
	add(tar.Header{Name: "./usr/bin/perl", Typeflag: tar.TypeReg, Mode: 0o755}, "perl")
	add(tar.Header{Name: "./usr/bin/perl5.36.0", Typeflag: tar.TypeLink, Linkname: "./usr/bin/perl"}, "")
	add(tar.Header{Name: "./usr/bin/su", Typeflag: tar.TypeReg, Mode: 0o4755}, "su")
	add(tar.Header{Name: "./bin", Typeflag: tar.TypeSymlink, Linkname: "usr/bin"}, "")
	add(tar.Header{Name: "./dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3}, "")
	add(tar.Header{Name: "./etc/hostname", Typeflag: tar.TypeReg, Mode: 0o644}, "host\n")
	add(tar.Header{Name: "./usr", Typeflag: tar.TypeDir, Mode: 0o700}, "") // after its children
	w.Close()
	file := filepath.Join(t.TempDir(), "root.tar")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := tree.New()
	dropped, err := AddTarball(tr, file, map[string]bool{"etc/hostname": true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 1 || dropped[0] != (Dropped{Path: "/var/log/journal", Attr: "system.posix_acl_access"}) {
		t.Errorf("dropped = %+v", dropped)
	}
	check := func(p string, want tree.Entry) {
		e, ok := tr.Get(p)
		if !ok {
			t.Errorf("%s missing", p)
			return
		}
		if e.Type != want.Type || e.Mode != want.Mode || e.GID != want.GID || e.Target != want.Target ||
			e.Major != want.Major || e.Minor != want.Minor || string(e.Data) != string(want.Data) {
			t.Errorf("%s = %+v, want %+v", p, *e, want)
		}
	}
	check("/var/log/journal", tree.Entry{Type: tree.Dir, Mode: 0o2755, GID: 101})
	check("/usr/bin/perl", tree.Entry{Type: tree.Regular, Mode: 0o755, Data: []byte("perl")})
	check("/usr/bin/perl5.36.0", tree.Entry{Type: tree.Hardlink, Target: "usr/bin/perl"})
	check("/usr/bin/su", tree.Entry{Type: tree.Regular, Mode: 0o4755, Data: []byte("su")})
	check("/bin", tree.Entry{Type: tree.Symlink, Mode: 0o777, Target: "usr/bin"})
	check("/dev/null", tree.Entry{Type: tree.CharDev, Mode: 0o666, Major: 1, Minor: 3})
	check("/usr", tree.Entry{Type: tree.Dir, Mode: 0o700})
	if _, ok := tr.Get("/etc/hostname"); ok {
		t.Error("/etc/hostname was skipped but is in the tree")
	}
	if err := tr.Check(); err != nil {
		t.Error(err)
	}
}
