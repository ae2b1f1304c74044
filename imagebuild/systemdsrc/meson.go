package systemdsrc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Meson is the meson a build runs: the command that starts it and the
// environment it needs.
type Meson struct {
	Argv    []string // e.g. ["meson"] or ["python3", ".../usr/bin/meson"]
	Env     []string // added to the environment (PYTHONPATH for an unpacked meson)
	Version string   // what `meson --version` says
	From    string   // where it came from, for the manifest
}

// OldMeson is the meson that sources older than MesonModernFrom run
// with: Debian bullseye's package, fetched with apt-get download through a
// private apt configuration (the host's apt setup is never changed),
// checked against SHA256 and unpacked into the cache.
var OldMeson = struct {
	Suite, Package, Version, Deb, SHA256 string
}{
	Suite: "bullseye", Package: "meson", Version: "0.56.2-1", Deb: "meson_0.56.2-1_all.deb",
	SHA256: "ef6dda3268d41ceb6218da4668598242aee0b4ca1ff8394068b5243b73eb4544",
}

// MesonModernFrom is the first systemd release whose meson.build runs on
// meson ≥ 0.60 (and so on today's 1.x). Up to 249 meson.build adds
// booleans (`want_ossfuzz + want_libfuzzer`), which meson 0.60 made an
// error ("bool does not support the + operator"); systemd changed it to
// `and` for 250 (pull request 20633).
const MesonModernFrom = 250

// NeedsOldMeson reports whether a source must be configured with OldMeson.
func NeedsOldMeson(s *Source) bool { return s.Major() < MesonModernFrom }

// hostMeson is the host's meson on PATH.
func hostMeson(ctx context.Context) (*Meson, error) {
	if _, err := exec.LookPath("meson"); err != nil {
		return nil, fmt.Errorf("systemdsrc: meson not found (make test-systemd-source installs meson, ninja-build, gperf and the build dependencies)")
	}
	m := &Meson{Argv: []string{"meson"}, From: "host"}
	v, err := m.version(ctx)
	if err != nil {
		return nil, err
	}
	m.Version = v
	if p, err := exec.LookPath("meson"); err == nil {
		m.From = "host " + p
	}
	return m, nil
}

func (m *Meson) command(ctx context.Context, args ...string) *exec.Cmd {
	argv := append(append([]string(nil), m.Argv...), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), m.Env...)
	return cmd
}

func (m *Meson) version(ctx context.Context) (string, error) {
	out, err := m.command(ctx, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("systemdsrc: %s --version: %w", strings.Join(m.Argv, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// oldMeson returns OldMeson unpacked under cacheDir, fetching the .deb
// first when the cache lacks it.
func oldMeson(ctx context.Context, cacheDir string, logf func(string, ...any)) (*Meson, error) {
	root := filepath.Join(cacheDir, "meson-"+OldMeson.Version)
	m := &Meson{
		Argv: []string{"python3", filepath.Join(root, "usr/bin/meson")},
		Env:  []string{"PYTHONPATH=" + filepath.Join(root, "usr/lib/python3/dist-packages")},
		From: fmt.Sprintf("Debian %s %s (sha256 %s), unpacked in the cache", OldMeson.Suite, OldMeson.Deb, OldMeson.SHA256),
	}
	if _, err := os.Stat(filepath.Join(root, ".unpacked")); err != nil {
		deb := filepath.Join(cacheDir, "debs", OldMeson.Deb)
		if err := checkSHA256(deb, OldMeson.SHA256); err != nil {
			logf("fetching meson with apt-get download (private apt configuration)", "package", OldMeson.Package+"="+OldMeson.Version, "suite", OldMeson.Suite)
			apt, err := NewPrivateApt(filepath.Join(cacheDir, "apt-"+OldMeson.Suite), OldMeson.Suite)
			if err != nil {
				return nil, err
			}
			if err := apt.Download(ctx, filepath.Dir(deb), OldMeson.Package+"="+OldMeson.Version); err != nil {
				return nil, err
			}
			if err := checkSHA256(deb, OldMeson.SHA256); err != nil {
				return nil, err
			}
		}
		tmp := root + ".tmp"
		os.RemoveAll(tmp)
		if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", deb, tmp).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("systemdsrc: dpkg-deb -x %s: %w: %s", deb, err, bytes.TrimSpace(out))
		}
		os.RemoveAll(root)
		if err := os.Rename(tmp, root); err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
		if err := os.WriteFile(filepath.Join(root, ".unpacked"), []byte(OldMeson.SHA256+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
	}
	v, err := m.version(ctx)
	if err != nil {
		return nil, err
	}
	m.Version = v
	return m, nil
}

func checkSHA256(file, want string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("systemdsrc: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("systemdsrc: %s: %w", file, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("systemdsrc: %s: sha256 %s, want %s", file, got, want)
	}
	return nil
}

// SatisfiesMesonVersion checks a meson version against a project()'s
// meson_version requirement (">= 0.46", "> 0.5", "== 1.0.1"; empty is
// always satisfied).
func SatisfiesMesonVersion(have, req string) (bool, error) {
	req = strings.TrimSpace(req)
	if req == "" {
		return true, nil
	}
	op := strings.TrimRight(req[:min(2, len(req))], "0123456789. ")
	want := strings.TrimSpace(req[len(op):])
	c := compareVersions(have, want)
	switch op {
	case ">=":
		return c >= 0, nil
	case ">":
		return c > 0, nil
	case "<=":
		return c <= 0, nil
	case "<":
		return c < 0, nil
	case "==", "":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	}
	return false, fmt.Errorf("meson_version %q: unknown comparison", req)
}

// compareVersions compares dotted numeric versions.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// PrivateApt is an apt configuration of its own (sources, lists and
// cache under Dir) for one Debian suite, with the archive and keyring the
// host's own apt sources name: apt-get runs with it through -o options and
// the host's configuration is never changed.
type PrivateApt struct {
	Dir   string
	Suite string
}

// NewPrivateApt writes Dir/sources.list.d/debian.sources naming suite on
// the host's Debian archive.
func NewPrivateApt(dir, suite string) (*PrivateApt, error) {
	uri, keyring, err := hostDebianArchive()
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"parts", "lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("systemdsrc: %w", err)
		}
	}
	src := fmt.Sprintf("Types: deb deb-src\nURIs: %s\nSuites: %s\nComponents: main\n", uri, suite)
	if keyring != "" {
		src += "Signed-By: " + keyring + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "parts", "debian.sources"), []byte(src), 0o644); err != nil {
		return nil, fmt.Errorf("systemdsrc: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sources.list"), nil, 0o644); err != nil {
		return nil, fmt.Errorf("systemdsrc: %w", err)
	}
	return &PrivateApt{Dir: dir, Suite: suite}, nil
}

// Opts are the apt-get options that select this configuration.
func (a *PrivateApt) Opts() []string {
	return []string{
		"-o", "Dir::Etc::SourceList=" + filepath.Join(a.Dir, "sources.list"),
		"-o", "Dir::Etc::SourceParts=" + filepath.Join(a.Dir, "parts"),
		"-o", "Dir::State::Lists=" + filepath.Join(a.Dir, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(a.Dir, "cache"),
	}
}

// Download runs apt-get update and apt-get download pkg into dir.
func (a *PrivateApt) Download(ctx context.Context, dir, pkg string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("systemdsrc: %w", err)
	}
	for _, args := range [][]string{{"update", "-q"}, {"download", "-q", pkg}} {
		cmd := exec.CommandContext(ctx, "apt-get", append(a.Opts(), args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("systemdsrc: apt-get %s (private configuration %s): %w: %s", args[0], a.Dir, err, lastLine(out))
		}
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// hostDebianArchive finds the Debian archive (not the security archive)
// and its keyring in the host's apt sources.
func hostDebianArchive() (uri, keyring string, err error) {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, stanza := range strings.Split(string(b), "\n\n") {
			fields := map[string]string{}
			sc := bufio.NewScanner(strings.NewReader(stanza))
			for sc.Scan() {
				if k, v, ok := strings.Cut(sc.Text(), ":"); ok && !strings.HasPrefix(k, "#") {
					fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
				}
			}
			for _, u := range strings.Fields(fields["URIs"]) {
				if strings.HasSuffix(strings.TrimSuffix(u, "/"), "/debian") && strings.Contains(" "+fields["Types"]+" ", " deb ") {
					return u, fields["Signed-By"], nil
				}
			}
		}
	}
	lists, _ := filepath.Glob("/etc/apt/sources.list.d/*.list")
	for _, f := range append([]string{"/etc/apt/sources.list"}, lists...) {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if len(fs) < 3 || fs[0] != "deb" {
				continue
			}
			i := 1
			if strings.HasPrefix(fs[1], "[") {
				for i < len(fs) && !strings.HasSuffix(fs[i], "]") {
					i++
				}
				i++
			}
			if i < len(fs) && strings.HasSuffix(strings.TrimSuffix(fs[i], "/"), "/debian") {
				key := ""
				if _, err := os.Stat("/usr/share/keyrings/debian-archive-keyring.gpg"); err == nil {
					key = "/usr/share/keyrings/debian-archive-keyring.gpg"
				}
				return fs[i], key, nil
			}
		}
	}
	return "", "", fmt.Errorf("systemdsrc: no Debian archive in the host's apt sources to fetch meson %s from", OldMeson.Version)
}
