package compile

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestBuildAndCache(t *testing.T) {
	for tc, cc := range Toolchains {
		t.Run(tc, func(t *testing.T) {
			if _, err := exec.LookPath(cc); err != nil {
				t.Skipf("%s not installed (make deps installs gcc and musl-tools)", cc)
			}
			repo := t.TempDir()
			os.WriteFile(filepath.Join(repo, "p.c"), []byte("int main(void){return 0;}\n"), 0o644)
			c := &Compiler{RepoDir: repo, CacheDir: filepath.Join(t.TempDir(), "cache")}
			ctx := context.Background()
			a, err := c.Build(ctx, "p.c", tc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Cached {
				t.Error("first build reported as cached")
			}
			f, err := elf.NewFile(bytes.NewReader(a.Data))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("binary is not static (has PT_INTERP)")
				}
			}
			b, err := c.Build(ctx, "p.c", tc, nil)
			if err != nil || !b.Cached || !bytes.Equal(a.Data, b.Data) || a.Key != b.Key {
				t.Errorf("second build: cached=%v err=%v", b.Cached, err)
			}
			d, err := c.Build(ctx, "p.c", tc, []string{"-DX=1"})
			if err != nil || d.Cached || d.Key == a.Key {
				t.Errorf("new flags should miss the cache: cached=%v err=%v", d.Cached, err)
			}
			os.WriteFile(filepath.Join(repo, "p.c"), []byte("int main(void){return 1;}\n"), 0o644)
			e, err := c.Build(ctx, "p.c", tc, nil)
			if err != nil || e.Cached || e.Key == a.Key {
				t.Errorf("new source should miss the cache: cached=%v err=%v", e.Cached, err)
			}
			os.WriteFile(filepath.Join(repo, "bad.c"), []byte("int main(void){ return }\n"), 0o644)
			if _, err := c.Build(ctx, "bad.c", tc, nil); err == nil {
				t.Error("broken source compiled")
			}
		})
	}
}
