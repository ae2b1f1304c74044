package imagebuild

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"aramid/imagebuild/debian"
	"aramid/imagebuild/recipe"
	"aramid/imagebuild/tree"
)

// DebianLockFile is the lock file of a recipe with a debian section: its
// debian.lock, else NAME.lock beside the recipe file.
func DebianLockFile(r *recipe.Recipe) string {
	if r.Debian != nil && r.Debian.Lock != "" {
		return r.Path(r.Debian.Lock)
	}
	f := r.File
	if abs, err := filepath.Abs(f); err == nil {
		f = abs
	}
	return filepath.Join(filepath.Dir(f), r.Name+".lock")
}

// debianRoot builds the recipe's Debian root file system (imagebuild/debian:
// mmdebstrap on the locked packages) and reads it into the image's tree,
// leaving out the paths the recipe's own files declare.
func debianRoot(ctx context.Context, r *recipe.Recipe, o Options, img *Image) error {
	d := r.Debian
	mirror, variant := d.Mirror, d.Variant
	if mirror == "" {
		mirror = "http://deb.debian.org/debian"
	}
	if variant == "" {
		variant = "apt"
	}
	var hooks []string
	if d.RootPasswordHash != "" {
		hooks = append(hooks, "chroot \"$1\" usermod -p '"+d.RootPasswordHash+"' root")
	}
	if len(d.Enable) > 0 {
		hooks = append(hooks, "chroot \"$1\" systemctl enable "+strings.Join(d.Enable, " "))
	}
	hooks = append(hooks, d.Customize...)
	recipeArg := r.Name
	if r.File != "" && !strings.HasPrefix(filepath.Clean(r.File), filepath.Join(o.RepoDir, "recipes")) {
		recipeArg = r.File
	}
	out := o.BuildOutput
	if out == nil {
		out = io.Discard
	}
	lock := DebianLockFile(r)
	res, err := debian.Rootfs(ctx, debian.Options{
		Suite: d.Suite, Mirror: mirror, Variant: variant, Packages: d.Packages, Customize: hooks,
		LockFile: lock, Refresh: o.RefreshLock, CacheDir: filepath.Join(o.CacheDir, "debian"), Epoch: o.Epoch,
		NoTarballCache: o.DebianNoCache, Log: o.log(), Output: out,
		RefreshHint: fmt.Sprintf("mkimage --recipe %s --refresh-lock -o DIR", recipeArg),
	})
	if err != nil {
		return fmt.Errorf("%s:%d: %w", r.File, r.Line("debian"), err)
	}
	skip := map[string]bool{}
	for _, f := range r.Files {
		if q, err := tree.CleanPath(f.Path); err == nil {
			skip[q] = true
		}
	}
	origin := fmt.Sprintf("debian %s (mmdebstrap, lock sha256 %s)", d.Suite, res.LockSHA256[:16])
	dropped, err := debian.AddTarball(img.Tree, res.Tarball, skip, origin)
	if err != nil {
		return fmt.Errorf("%s: %w", r.File, err)
	}
	img.Sources["debian"] = fmt.Sprintf("%s from %s, %d packages locked in %s (sha256 %s), built by %s --variant=%s; root tarball sha256 %s",
		d.Suite, mirror, len(res.Lock.Packages), relTo(o.RepoDir, lock), res.LockSHA256, res.Tool, variant, res.SHA256)
	img.Toolchain["mmdebstrap"] = res.Tool
	if len(dropped) > 0 {
		var names []string
		for _, x := range dropped {
			names = append(names, x.Path+" "+x.Attr)
		}
		n := "extended attributes not carried into the image (mkimage's ext4 writer has none): " + strings.Join(names, ", ")
		img.Notices = append(img.Notices, n)
		o.log().Warn("!!! " + n)
	}
	return nil
}
