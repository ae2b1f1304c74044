package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// docBlock returns the first fenced block of lang in the section of
// docs/MKIMAGE.md that starts with heading.
func docBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/MKIMAGE.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("docs/MKIMAGE.md has no %q", heading)
	}
	s = s[i:]
	start := strings.Index(s, "\n```"+lang+"\n")
	if start < 0 {
		t.Fatalf("no ```%s block under %q", lang, heading)
	}
	s = s[start+len("\n```"+lang+"\n"):]
	end := strings.Index(s, "\n```\n")
	if end < 0 {
		t.Fatalf("unterminated ```%s block", lang)
	}
	return s[:end+1]
}

func write(t *testing.T, file, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOwnImage builds the recipe of docs/MKIMAGE.md's "Your own image" from
// a folder outside the repository with --recipe PATH, from an unrelated
// working directory that holds a different hello.c (a decoy: the recipe's
// relative compile.source must resolve against the recipe's folder), and the
// same recipe placed under a repository's recipes/ by name, from a third
// directory. The initramfs and disk images must be byte-identical; the
// manifests agree on the recipe's sha256 and say where each came from.
func TestOwnImage(t *testing.T) {
	for _, tool := range []string{"grub-mkimage", "musl-gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs it)", tool)
		}
	}
	yaml, hello := docBlock(t, "## Your own image", "yaml"), docBlock(t, "## Your own image", "c")
	tmp := t.TempDir()
	kernel := filepath.Join(tmp, "vmlinuz")
	write(t, kernel, "a stand-in kernel: the ESP only carries its bytes")
	cache := filepath.Join(tmp, "cache")
	env := func(k string) string {
		if k == "SOURCE_DATE_EPOCH" {
			return "1700000000"
		}
		return ""
	}
	build := func(cwd string, args ...string) (dir string, m map[string]any) {
		t.Helper()
		t.Chdir(cwd)
		out := filepath.Join(tmp, "out-"+filepath.Base(cwd))
		var stdout, stderr bytes.Buffer
		args = append(args, "-o", out, "--linux", kernel, "--cache", cache, "-q")
		if err := run(context.Background(), args, &stdout, &stderr, env); err != nil {
			t.Fatalf("mkimage %s (in %s): %v\n%s", strings.Join(args, " "), cwd, err, stderr.String())
		}
		data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return out, m
	}

	// The user's folder, and a working directory elsewhere with a decoy.
	user := filepath.Join(tmp, "home", "me", "my-image")
	write(t, filepath.Join(user, "my-image.yaml"), yaml)
	write(t, filepath.Join(user, "hello.c"), hello)
	elsewhere := filepath.Join(tmp, "elsewhere")
	write(t, filepath.Join(elsewhere, "hello.c"), strings.Replace(hello, "hello from my image", "the decoy was compiled", 1))
	a, ma := build(elsewhere, "--recipe", "../home/me/my-image/my-image.yaml")

	// The same files in a repository: recipes/my-image.yaml, hello.c at
	// the root (a named recipe's base is the repository).
	repo := filepath.Join(tmp, "repo")
	write(t, filepath.Join(repo, "go.mod"), "module example\n")
	write(t, filepath.Join(repo, "recipes", "my-image.yaml"), yaml)
	write(t, filepath.Join(repo, "hello.c"), hello)
	third := filepath.Join(tmp, "third")
	if err := os.MkdirAll(third, 0o755); err != nil {
		t.Fatal(err)
	}
	b, mb := build(third, "--repo", repo, "--recipe", "my-image")

	for _, f := range []string{"initramfs.cpio.xz", "disk.img"} {
		da, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		db, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(da, db) {
			t.Errorf("%s: the recipe built by path and by name differ (%d and %d bytes)", f, len(da), len(db))
		}
	}
	if ma["recipe_sha256"] != mb["recipe_sha256"] || ma["recipe_sha256"] == nil {
		t.Errorf("recipe_sha256 %v and %v", ma["recipe_sha256"], mb["recipe_sha256"])
	}
	if got, want := ma["recipe_file"], filepath.Join(user, "my-image.yaml"); got != want {
		t.Errorf("recipe_file of the path build = %v, want %s", got, want)
	}
	if got := mb["recipe_file"]; got != "recipes/my-image.yaml" {
		t.Errorf("recipe_file of the named build = %v, want recipes/my-image.yaml", got)
	}
	files, _ := json.Marshal(ma["files"])
	if !strings.Contains(string(files), `"/usr/bin/hello"`) || !strings.Contains(string(files), "compiled from hello.c with musl") {
		t.Errorf("manifest lacks the compiled hello: %s", files)
	}

	// Control: the decoy differs, so had the path build compiled the
	// working directory's hello.c the images would differ; and the
	// recipe's program is in the image.
	rows, err := exec.Command("sh", "-c", "xz -dc "+filepath.Join(a, "initramfs.cpio.xz")+" | grep -ac 'hello from my image'").Output()
	if err != nil || strings.TrimSpace(string(rows)) == "0" {
		t.Errorf("the initramfs does not hold the recipe's hello (%v, %q)", err, rows)
	}
}

// TestRecipePathErrors: a recipe given by path that is missing, that
// escapes its folder, or that fails validation is one line naming the file
// (and line), and nothing is written.
func TestRecipePathErrors(t *testing.T) {
	dir := t.TempDir()
	base := "name: r\nseed: s\noutputs: [initramfs]\n"
	write(t, filepath.Join(dir, "escape", "r.yaml"), base+"compile:\n  - {source: ../x.c, output: /x, toolchain: gcc}\n")
	write(t, filepath.Join(dir, "dev", "r.yaml"), base+"files:\n  - {path: /dev/x, device: {kind: char, major: 1, minor: 99999999}}\n")
	env := func(string) string { return "" }
	tests := []struct {
		file, want string
	}{
		{filepath.Join(dir, "missing", "r.yaml"), "no such file"},
		{filepath.Join(dir, "escape", "r.yaml"), "r.yaml:5: compile[0].source: \"../x.c\" escapes the recipe's folder"},
		{filepath.Join(dir, "dev", "r.yaml"), "r.yaml:5: files[0].device.minor: 99999999 does not fit"},
	}
	for _, tt := range tests {
		out := filepath.Join(dir, "out")
		err := run(context.Background(), []string{"--recipe", tt.file, "-o", out, "-q"}, &bytes.Buffer{}, &bytes.Buffer{}, env)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line with %q", tt.file, err, tt.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: output directory written: %v", tt.file, err)
		}
	}
}

// TestValidate: mkimage validate lists every problem of every file, one
// line each with file:line, and fails; valid files say ok.
func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	broken := filepath.Join(dir, "broken.yaml")
	write(t, good, "name: good\nseed: s\noutputs: [initramfs]\n")
	write(t, bad, "name: bad\nseed: s\noutputs: [initramfs, disk]\ncmdline: a;b\nfiles:\n  - {path: /dev/x, uid: 4294967295, device: {kind: char, major: 4096, minor: 0}}\n")
	write(t, broken, "name: broken\nseed: s\noutputs: [initramfs]\nfiles:\n  - {path: /x, uid: 4294967296, fifo: true}\n")
	var out bytes.Buffer
	err := run(context.Background(), []string{"validate", good, bad, broken}, &out, &bytes.Buffer{}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "2 of 3 recipes have problems") {
		t.Errorf("err = %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		good + ": ok (good, sha256 ",
		bad + ":4: cmdline: ",
		bad + ":6: files[0].uid: 4294967295 is (uid_t)-1",
		bad + ":6: files[0].device.major: 4096 does not fit",
		broken + ":5: cannot unmarshal !!int `4294967296` into uint32",
	}
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s\nwant %d lines", out.String(), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"validate", good}, &out, &bytes.Buffer{}, nil); err != nil {
		t.Errorf("a valid recipe: %v", err)
	}
}
