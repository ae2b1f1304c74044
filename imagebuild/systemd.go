package imagebuild

import (
	"context"
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
	source  string            // what the manifest records as the systemd source
	notice  string            // a loud warning, when a fallback was taken
	overlay string            // staged source build, harvested before the host
	origin  string            // manifest origin note for files from the overlay
	tools   string            // build tool versions
	extra   map[string]string // further manifest sources (meson command line, fix-ups)
}

// systemdSource decides where the recipe's systemd comes from. A source
// tarball (o.SystemdSource, else the recipe's systemd.source) that exists
// is built from source; it must be of the recipe's systemd.version and,
// when the recipe pins a sha256, have it. A recipe source that is missing
// either fails the build or, with fallback "host", falls back to the host's
// systemd, which the recipe's harvest list then copies; a source named on
// the command line must exist. A build stages its outputs in an overlay
// that the harvest reads before the host.
func systemdSource(ctx context.Context, r *recipe.Recipe, s *recipe.Systemd, o Options) (systemdNote, error) {
	why := "the recipe names no source tarball"
	src, line := s.Source, r.Line("systemd.source")
	if o.SystemdSource != "" {
		src, line = o.SystemdSource, r.Line("systemd")
	} else if src != "" && !filepath.IsAbs(src) {
		src = r.Path(src) // relative to the recipe's own folder
	}
	if src != "" {
		_, err := os.Stat(src)
		switch {
		case err == nil:
			o.log().Info("systemd: building from source", "version", s.Version, "tarball", src)
			res, err := systemdsrc.Build(ctx, systemdsrc.Options{Tarball: src, Version: s.Version, SHA256: s.SHA256,
				Extra: s.Meson, CacheDir: o.CacheDir, Log: o.log(), Stdout: o.BuildOutput})
			if err != nil {
				return systemdNote{}, fmt.Errorf("%s:%d: systemd %s from source: %w", r.File, line, s.Version, err)
			}
			name := filepath.ToSlash(relTo(o.RepoDir, src))
			note := systemdNote{
				source: fmt.Sprintf("systemd %s built from source %s (sha256 %s) with meson %s, minimal options (imagebuild/systemdsrc), cache key %s",
					res.Version, name, res.SHA256, res.Meson, res.Key[:16]),
				overlay: res.Root,
				origin:  "built from systemd " + res.Version + " source",
				tools:   res.Tools,
				extra:   map[string]string{"systemd-meson-setup": res.Setup},
			}
			if len(res.Fixups) > 0 {
				note.extra["systemd-fixups"] = strings.Join(res.Fixups, "; ")
			}
			return note, nil
		case errors.Is(err, os.ErrNotExist) && o.SystemdSource == "":
			why = "source tarball " + s.Source + " is not available"
		default:
			return systemdNote{}, fmt.Errorf("%s:%d: systemd source: %w", r.File, line, err)
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
