// Command mkimage builds reproducible Aramid boot images from recipes: the
// repository's recipes/NAME.yaml, or any recipe file given by its path.
//
//	mkimage --recipe NAME|PATH -o DIR [--format initramfs,disk] [--compression xz] [--systemd-source FILE]
//	mkimage validate FILE|NAME...
//	mkimage list
//	mkimage inspect FILE
//
// A --recipe argument holding a slash or ending in .yaml is a path; relative
// host paths inside that recipe resolve against its own folder.
// A build writes DIR/initramfs.cpio.xz, DIR/disk.img and DIR/manifest.json.
// Timestamps come from SOURCE_DATE_EPOCH, else from the recipe's last commit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"aramid/imagebuild"
	"aramid/imagebuild/recipe"
	"aramid/imagebuild/repro"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mkimage:", err)
		}
		os.Exit(1)
	}
}

// findRepo walks up from dir to the directory holding recipes/ and go.mod,
// or returns "".
func findRepo(dir string) string {
	if dir == "" {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, "recipes")); err == nil && fi.IsDir() {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d
			}
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// defaultRepo is the repository mkimage works in when --repo is not given:
// the one around the working directory, else the one around the mkimage
// executable (build/mkimage lives in it), else none.
func defaultRepo() string {
	cwd, _ := os.Getwd()
	if r := findRepo(cwd); r != "" {
		return r
	}
	if exe, err := os.Executable(); err == nil {
		return findRepo(filepath.Dir(exe))
	}
	return ""
}

// defaultCache is REPO/build/cache, or the user's cache directory when there
// is no repository.
func defaultCache(repo string) (string, error) {
	if repo != "" {
		return filepath.Join(repo, "build", "cache"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no repository and no user cache directory (give --cache): %w", err)
	}
	return filepath.Join(d, "aramid-mkimage"), nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		name        = fs.String("recipe", "", "recipe to build: a NAME of `mkimage list`, or the PATH of a recipe file (holds a / or ends in .yaml)")
		out         = fs.String("o", "", "output directory")
		formats     = fs.String("format", "", "comma-separated outputs: initramfs, disk, manifest (default: the recipe's)")
		compression = fs.String("compression", "", "initramfs compression: xz, gzip, zstd, none (default: the recipe's, else xz)")
		repo        = fs.String("repo", defaultRepo(), "repository root (holds recipes/; default: around the working directory or the mkimage executable)")
		cache       = fs.String("cache", "", "cache directory (default REPO/build/cache)")
		linux       = fs.String("linux", "", "Linux kernel to put on the disk image (default REPO/build/linux/vmlinuz if present)")
		aramid      = fs.String("aramid", "", "Aramid kernel ELF to put on the disk image as /boot/aramid.elf (default REPO/build/kernel.elf if present)")
		bootDefault = fs.String("boot-default", "", "GRUB default entry: linux or aramid (default: linux when a Linux kernel is given, else aramid)")
		aramidArgs  = fs.String("aramid-append", "", "extra kernel command line for the Aramid entry, e.g. aramid.selftest=1")
		quiet       = fs.Bool("q", false, "no progress output")
		refreshLock = fs.Bool("refresh-lock", false, "debian recipes: resolve the package list against the archive again and rewrite the lock file")
		debNoCache  = fs.Bool("no-rootfs-cache", false, "debian recipes: run mmdebstrap even when the cache holds the root tarball of the same lock")
		systemdSrc  = fs.String("systemd-source", "", "systemd source tarball to build instead of the recipe's systemd.source (must be of the recipe's systemd.version)")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mkimage --recipe NAME|PATH -o DIR [flags]\n       mkimage validate FILE|NAME...\n       mkimage list\n       mkimage inspect FILE\n\nflags:\n")
		fs.PrintDefaults()
	}
	// Flags come first, so `mkimage --repo DIR list` works too.
	if err := fs.Parse(args); err != nil {
		return err
	}
	if args = fs.Args(); len(args) > 0 {
		switch args[0] {
		case "list":
			return list(*repo, stdout)
		case "validate":
			return validate(*repo, args[1:], stdout)
		case "inspect":
			if len(args) != 2 {
				return errors.New("usage: mkimage inspect FILE")
			}
			if c, ok, err := imagebuild.InspectDisk(args[1]); ok || err != nil {
				if err != nil {
					return err
				}
				return imagebuild.WriteDisk(stdout, c)
			}
			rows, err := imagebuild.Inspect(args[1])
			if err != nil {
				return err
			}
			for _, r := range rows {
				fmt.Fprintln(stdout, imagebuild.FormatRow(r))
			}
			return nil
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (usage: mkimage --recipe NAME|PATH -o DIR)", fs.Arg(0))
	}
	if *name == "" || *out == "" {
		return errors.New("--recipe and -o are required (try `mkimage list`)")
	}
	r, err := recipe.Open(*repo, *name)
	if err != nil {
		return err
	}
	epoch, from, err := repro.Epoch(getenv, r.File)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	lg := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *cache == "" {
		if *cache, err = defaultCache(*repo); err != nil {
			return err
		}
	}
	o := imagebuild.Options{
		RepoDir: *repo, OutDir: *out, CacheDir: *cache, Epoch: epoch, EpochFrom: from,
		Compression: *compression, Linux: defaultFile(*linux, *repo, "build/linux/vmlinuz"),
		Aramid: defaultFile(*aramid, *repo, "build/kernel.elf"), BootDefault: *bootDefault, AramidAppend: *aramidArgs, Log: lg,
	}
	if !*quiet {
		o.BuildOutput = stderr
	}
	o.SystemdSource = *systemdSrc
	o.RefreshLock, o.DebianNoCache = *refreshLock, *debNoCache
	if *formats != "" {
		o.Formats = strings.Split(*formats, ",")
	}
	lg.Info("build", "recipe", r.Name, "file", r.File, "sha256", r.SHA256[:16], "out", *out, "source_date_epoch", epoch.Unix(), "from", from)
	start := time.Now()
	m, err := imagebuild.Build(ctx, r, o)
	if err != nil {
		return err
	}
	lg.Info("done", "files", len(m.Files), "elapsed", time.Since(start).Round(time.Millisecond))
	for _, n := range m.Notices {
		fmt.Fprintf(stderr, "\n!!! %s\n\n", n)
	}
	for _, k := range []string{"initramfs", "disk"} {
		if o, ok := m.Outputs[k]; ok {
			fmt.Fprintf(stdout, "%s  %s/%s (%d bytes)\n", o.SHA256, *out, o.File, o.Size)
		}
	}
	fmt.Fprintf(stdout, "manifest: %s/%s (%d files)\n", *out, imagebuild.ManifestName, len(m.Files))
	return nil
}

func defaultFile(flagValue, repo, rel string) string {
	if flagValue != "" || repo == "" {
		return flagValue
	}
	p := filepath.Join(repo, rel)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

func list(repo string, w io.Writer) error {
	if repo == "" {
		return errors.New("list: no repository found (run mkimage inside one, or give --repo before list)")
	}
	dir := filepath.Join(repo, "recipes")
	names, err := recipe.List(dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		r, err := recipe.Load(dir, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-16s %s\n", n, r.Description)
	}
	return nil
}
