package systemdsrc

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// entry is one tar entry of a test tarball.
type entry struct {
	name, body, link string
	typ              byte
}

func makeTarball(t *testing.T, entries ...entry) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.link}
		if e.typ == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "src.tar.gz")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const optionsTxt = `# SPDX-License-Identifier: LGPL-2.1-or-later

option('split-usr', type : 'combo', choices : ['auto', 'true', 'false'],
       description : '''/bin, /sbin aren't symlinks into /usr''')
option('rootprefix', type : 'string',
       description : 'override the root prefix [default '/' if split-usr and '/usr' otherwise]')
option('mode', type : 'combo', choices : ['developer', 'release'],
       description : 'autoenable features suitable for systemd development/release builds')
option('networkd', type : 'boolean',
       description : 'install the systemd-networkd stack')
option('acl', type : 'combo', choices : ['auto', 'true', 'false'],
       description : 'libacl support')
option('tests', type : 'combo', choices : ['true', 'unsafe', 'false'],
       description : 'enable extra tests with =unsafe')
option('default-dnssec', type : 'combo',
       choices : ['yes', 'allow-downgrade', 'no'],
       description : 'default DNSSEC mode',
       value : 'allow-downgrade')
option('link-udev-shared', type : 'boolean')
`

func systemdTarball(t *testing.T, version string) string {
	mb := "# SPDX\n\nproject('systemd', 'c',\n        version : '" + version + "',\n        license : 'LGPLv2+',\n" +
		"        default_options: [\n                'c_std=gnu99',\n        ],\n        meson_version : '>= 0.46',\n       )\n"
	return makeTarball(t,
		entry{name: "systemd-" + version + "/", typ: tar.TypeDir},
		entry{name: "systemd-" + version + "/meson.build", body: mb},
		entry{name: "systemd-" + version + "/meson_options.txt", body: optionsTxt},
		entry{name: "systemd-" + version + "/src/basic/linux/if_arp.h", body: "#define ARPHRD_ETHER 1\n"},
		entry{name: "systemd-" + version + "/src/basic/generate-arphrd-list.sh", body: "#!/bin/sh\n"},
		entry{name: "systemd-" + version + "/src/basic/alias.h", typ: tar.TypeSymlink, link: "linux/if_arp.h"},
	)
}

func TestParseOptions(t *testing.T) {
	opts, err := ParseOptions([]byte(optionsTxt))
	if err != nil {
		t.Fatal(err)
	}
	want := []Option{
		{"split-usr", "combo", []string{"auto", "true", "false"}},
		{"rootprefix", "string", nil},
		{"mode", "combo", []string{"developer", "release"}},
		{"networkd", "boolean", nil},
		{"acl", "combo", []string{"auto", "true", "false"}},
		{"tests", "combo", []string{"true", "unsafe", "false"}},
		{"default-dnssec", "combo", []string{"yes", "allow-downgrade", "no"}},
		{"link-udev-shared", "boolean", nil},
	}
	if !reflect.DeepEqual(opts, want) {
		t.Errorf("ParseOptions =\n%v\nwant\n%v", opts, want)
	}
	for _, bad := range []string{"", "option('x')", "option('x', type : 'boolean')\noption('x', type : 'boolean')", "option('x', type : 'boolean'"} {
		if _, err := ParseOptions([]byte(bad)); err == nil {
			t.Errorf("ParseOptions(%q): no error", bad)
		}
	}
}

func TestOptionArgs(t *testing.T) {
	opts, _ := ParseOptions([]byte(optionsTxt))
	tests := []struct {
		name    string
		extra   []string
		want    string
		wantErr string
	}{
		{name: "declared parts off, layout set, nothing else",
			want: "-Dacl=false -Dmode=release -Dnetworkd=false -Drootprefix=/usr -Dsplit-usr=false -Dtests=false"},
		{name: "extra overrides", extra: []string{"-Dacl=true", "default-dnssec=no"},
			want: "-Dmode=release -Dnetworkd=false -Drootprefix=/usr -Dsplit-usr=false -Dtests=false -Dacl=true -Ddefault-dnssec=no"},
		{name: "undeclared option", extra: []string{"-Dtpm2=false"}, wantErr: `declares no option "tpm2"`},
		{name: "value a combo lacks", extra: []string{"-Dmode=debug"}, wantErr: "mode offers developer, release"},
		{name: "not name=value", extra: []string{"-Dacl"}, wantErr: "want name=value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OptionArgs(opts, tc.extra)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("args =\n%s\nwant\n%s", s, tc.want)
			}
		})
	}
	// Without the option declared, the layout setting is not passed either.
	got, _ := OptionArgs([]Option{{Name: "networkd", Type: "boolean"}}, nil)
	if !reflect.DeepEqual(got, []string{"-Dnetworkd=false"}) {
		t.Errorf("minimal source: %v", got)
	}
}

func TestVersionMatches(t *testing.T) {
	tests := []struct {
		want, got string
		ok        bool
	}{
		{"245", "245", true}, {"245", "245.4", true}, {"252.39", "252", true},
		{"245", "247", false}, {"252.38", "252.39", false}, {"24", "245", false}, {"245", "", false},
	}
	for _, tc := range tests {
		if got := VersionMatches(tc.want, tc.got); got != tc.ok {
			t.Errorf("VersionMatches(%q, %q) = %v, want %v", tc.want, tc.got, got, tc.ok)
		}
	}
}

func TestSatisfiesMesonVersion(t *testing.T) {
	tests := []struct {
		have, req string
		ok        bool
	}{
		{"0.56.2", ">= 0.46", true}, {"0.56.2", ">= 0.53.2", true}, {"0.56.2", ">= 0.60.0", false},
		{"1.0.1", ">=0.53.2", true}, {"1.0.1", "", true}, {"1.0.1", "< 1.0", false}, {"0.56.2", "< 1.0", true},
	}
	for _, tc := range tests {
		got, err := SatisfiesMesonVersion(tc.have, tc.req)
		if err != nil || got != tc.ok {
			t.Errorf("SatisfiesMesonVersion(%q, %q) = %v, %v; want %v", tc.have, tc.req, got, err, tc.ok)
		}
	}
}

func TestInspect(t *testing.T) {
	s, err := Inspect(systemdTarball(t, "247"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "247" || s.MesonVersion != ">= 0.46" || s.Top != "systemd-247" || len(s.Options) != 8 {
		t.Errorf("Inspect = version %q meson %q top %q %d options", s.Version, s.MesonVersion, s.Top, len(s.Options))
	}
	if !NeedsOldMeson(s) {
		t.Error("247 should need the old meson")
	}
	if f := fixupsFor(s); len(f) != 1 || f[0].Name != "arphrd-names" {
		t.Errorf("fix-ups for a source bundling if_arp.h: %v", f)
	}
	// A version kept in meson.version (later releases).
	mv := makeTarball(t,
		entry{name: "systemd-256/meson.build", body: "project('systemd', 'c', version : files('meson.version'), meson_version : '>= 0.60.0')\n"},
		entry{name: "systemd-256/meson.version", body: "256.7\n"},
		entry{name: "systemd-256/meson_options.txt", body: "option('networkd', type : 'boolean')\n"})
	if s, err := Inspect(mv); err != nil || s.Version != "256.7" || NeedsOldMeson(s) || len(fixupsFor(s)) != 0 {
		t.Errorf("meson.version source: %+v, %v", s, err)
	}

	good := systemdTarball(t, "252")
	data, _ := os.ReadFile(good)
	corrupt := filepath.Join(t.TempDir(), "corrupt.tar.gz")
	os.WriteFile(corrupt, data[:len(data)/2], 0o644)
	bad := []struct {
		name, file, want string
	}{
		{"escaping name", makeTarball(t, entry{name: "systemd-1/../../evil", body: "x"}), "escapes the source tree"},
		{"absolute name", makeTarball(t, entry{name: "/etc/evil", body: "x"}), "escapes the source tree"},
		{"escaping symlink", makeTarball(t, entry{name: "systemd-1/meson.build", body: "x"},
			entry{name: "systemd-1/src/up", typ: tar.TypeSymlink, link: "../../.."}), "escapes the source tree"},
		{"absolute symlink", makeTarball(t, entry{name: "systemd-1/etc", typ: tar.TypeSymlink, link: "/etc"}), "escapes the source tree"},
		{"two top directories", makeTarball(t, entry{name: "a/meson.build", body: "x"}, entry{name: "b/x", body: "y"}), "outside the top directory"},
		{"device node", makeTarball(t, entry{name: "systemd-1/null", typ: tar.TypeChar}), "unsupported entry type"},
		{"corrupt", corrupt, "systemdsrc:"},
		{"not a systemd source", makeTarball(t, entry{name: "x-1/meson.build", body: "project('busybox', 'c', version : '1')\n"}), `project "busybox", not systemd`},
		{"no meson.build", makeTarball(t, entry{name: "x-1/Makefile", body: "all:\n"}), "no meson.build"},
	}
	for _, tc := range bad {
		if _, err := Inspect(tc.file); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestBuildRefusesBeforeWriting: a wrong version, a wrong sha256, a corrupt
// or escaping tarball fail with one line and leave the cache untouched.
func TestBuildRefusesBeforeWriting(t *testing.T) {
	v247 := systemdTarball(t, "247")
	data, _ := os.ReadFile(v247)
	corrupt := filepath.Join(t.TempDir(), "corrupt.tar.gz")
	os.WriteFile(corrupt, data[:len(data)-40], 0o644)
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"other version", Options{Tarball: v247, Version: "245"}, "is systemd 247, not 245"},
		{"sha256 mismatch", Options{Tarball: v247, Version: "247", SHA256: strings.Repeat("ab", 32)}, "sha256"},
		{"corrupt", Options{Tarball: corrupt, Version: "247"}, "systemdsrc:"},
		{"escaping", Options{Tarball: makeTarball(t, entry{name: "s/../../x", body: "x"}), Version: "247"}, "escapes"},
		{"option the version lacks", Options{Tarball: v247, Version: "247", Extra: []string{"-Dtpm2=false"}}, "declares no option"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cache := t.TempDir()
			tc.o.CacheDir = cache
			_, err := Build(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if left, _ := os.ReadDir(cache); len(left) != 0 {
				t.Errorf("left behind in the cache: %v", left)
			}
		})
	}
}

func TestFilterARPHRD(t *testing.T) {
	header := []byte("#define ARPHRD_ETHER \t1\n# define ARPHRD_RAWIP 519 /* raw */\n#define ARPHRD_NONE\n")
	kept, dropped := FilterARPHRD([]byte("ETHER\nMCTP\nRAWIP\nNONE\nAAA\n"), header)
	if string(kept) != "ETHER\nRAWIP\n" || !reflect.DeepEqual(dropped, []string{"AAA", "MCTP", "NONE"}) {
		t.Errorf("kept %q dropped %v", kept, dropped)
	}
}

func TestPrivateAptLeavesHostAlone(t *testing.T) {
	if _, _, err := hostDebianArchive(); err != nil {
		t.Skip("no Debian archive in this host's apt sources")
	}
	dir := t.TempDir()
	a, err := NewPrivateApt(dir, "bullseye")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "parts", "debian.sources"))
	if err != nil || !strings.Contains(string(b), "Suites: bullseye\n") || !strings.Contains(string(b), "Types: deb deb-src\n") {
		t.Errorf("private sources: %q, %v", b, err)
	}
	for _, o := range a.Opts() {
		if strings.Contains(o, "=") && !strings.Contains(o, dir) {
			t.Errorf("option %q points outside the private directory", o)
		}
	}
}
