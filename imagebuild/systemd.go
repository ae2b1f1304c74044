package imagebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"aramid/imagebuild/recipe"
	"aramid/imagebuild/systemdsrc"
)

type systemdNote struct {
	source  string // what the manifest records as the systemd source
	notice  string // a loud warning, when a fallback was taken
	overlay string // staged source build, harvested before the host
	origin  string // manifest origin note for files from the overlay
	tools   string // build tool versions
}

// systemdSource decides where the recipe's systemd comes from. A named
// tarball that exists and matches its sha256 is built from source; a missing
// one either fails the build or, with fallback "host", falls back to the
// host's systemd, which the recipe's harvest list then copies. A build
// stages its outputs in an overlay that the harvest reads before the host.
func systemdSource(ctx context.Context, r *recipe.Recipe, s *recipe.Systemd, o Options) (systemdNote, error) {
	why := "the recipe names no source tarball"
	if s.Source != "" {
		src := s.Source
		if !filepath.IsAbs(src) {
			src = r.Path(src)
		}
		data, err := os.ReadFile(src)
		switch {
		case err == nil:
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != s.SHA256 {
				return systemdNote{}, fmt.Errorf("%s:%d: systemd source %s: sha256 %s, recipe says %s",
					r.File, r.Line("systemd.sha256"), s.Source, got, s.SHA256)
			}
			o.log().Info("systemd: building from source", "version", s.Version, "tarball", s.Source)
			res, err := systemdsrc.Build(ctx, systemdsrc.Options{Tarball: src, SHA256: s.SHA256,
				CacheDir: o.CacheDir, Log: o.log(), Stdout: o.BuildOutput})
			if err != nil {
				return systemdNote{}, fmt.Errorf("%s:%d: systemd %s from source: %w", r.File, r.Line("systemd.source"), s.Version, err)
			}
			return systemdNote{
				source: fmt.Sprintf("systemd %s built from source %s (sha256 %s) with meson, minimal options (imagebuild/systemdsrc), cache key %s",
					res.Version, s.Source, s.SHA256, res.Key[:16]),
				overlay: res.Root,
				origin:  "built from systemd " + res.Version + " source",
				tools:   res.Tools,
			}, nil
		case errors.Is(err, os.ErrNotExist):
			why = "source tarball " + s.Source + " is not available"
		default:
			return systemdNote{}, fmt.Errorf("%s:%d: systemd source: %w", r.File, r.Line("systemd.source"), err)
		}
	}
	if s.Fallback != "host" {
		return systemdNote{}, fmt.Errorf("%s:%d: systemd %s: %s and fallback is %q",
			r.File, r.Line("systemd.fallback"), s.Version, why, s.Fallback)
	}
	host := hostSystemdVersion(r.Harvest.Sysroot)
	return systemdNote{
		source: fmt.Sprintf("FALLBACK: host %s (systemd %s requested; %s)", host, s.Version, why),
		notice: fmt.Sprintf("FALLBACK: systemd %s cannot be built (%s); harvesting the host's %s instead", s.Version, why, host),
	}, nil
}

// hostSystemdVersion asks the host's systemd binary for its version line.
func hostSystemdVersion(sysroot string) string {
	bin := filepath.Join(orRoot(sysroot), "usr/lib/systemd/systemd")
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "systemd (version unknown)"
	}
	return strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
}

func orRoot(d string) string {
	if d == "" {
		return "/"
	}
	return d
}

func goVersion() string { return runtime.Version() }
