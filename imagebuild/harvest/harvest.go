// Package harvest copies host files into an image tree: programs with the
// shared libraries they need (found by package ldd, which runs nothing), the
// dynamic loader, and every symbolic link met on the way, so that a path like
// /lib64/ld-linux-x86-64.so.2 works in the image exactly as on the host.
// Owners are normalised to root; permission bits are kept.
package harvest

import (
	"fmt"
	"io/fs"
	"os"

	"aramid/imagebuild/harvest/ldd"
	"aramid/imagebuild/tree"
)

// Harvester copies from one root into one tree.
type Harvester struct {
	Root ldd.Root
	// OverlayOrigin is added to the origin of files read from Root.Overlay.
	OverlayOrigin string
	Resolver      *ldd.Resolver
	Tree          *tree.Tree
}

// New returns a Harvester reading from the sysroot dir ("" or "/" for the host).
func New(sysroot string, t *tree.Tree) (*Harvester, error) {
	return NewOverlay(sysroot, "", "", t)
}

// NewOverlay is New with an overlay directory whose files win over the
// sysroot's (see ldd.Root); origin describes them in the manifest.
func NewOverlay(sysroot, overlay, origin string, t *tree.Tree) (*Harvester, error) {
	root := ldd.Root{Dir: sysroot, Overlay: overlay}
	r, err := ldd.NewResolver(root)
	if err != nil {
		return nil, fmt.Errorf("harvest: %w", err)
	}
	return &Harvester{Root: root, Resolver: r, Tree: t, OverlayOrigin: origin}, nil
}

// Binary copies the ELF program (or library) at p with its closure and, for
// programs, its interpreter. The file must be ELF64 x86-64.
func (h *Harvester) Binary(p string) error {
	res, err := h.Resolver.Resolve(p)
	if err != nil {
		return fmt.Errorf("harvest: %w", err)
	}
	if err := h.copy(p, "harvested"); err != nil {
		return err
	}
	if res.Interp != "" {
		if err := h.copy(res.Interp, "harvested: interpreter of "+p); err != nil {
			return err
		}
	}
	for _, l := range res.Libs {
		if err := h.copy(l.Path, "harvested: "+l.Name+" needed by "+l.NeededBy); err != nil {
			return err
		}
	}
	return nil
}

// File copies a regular file at p as it is.
func (h *Harvester) File(p string) error {
	return h.copy(p, "harvested")
}

// copy adds p's symlink chain and the regular file it resolves to.
func (h *Harvester) copy(p, origin string) error {
	real, links, err := h.Root.Resolve(p)
	if err != nil {
		return fmt.Errorf("harvest: %w", err)
	}
	for _, l := range links {
		e := tree.Entry{Path: l.Path, Type: tree.Symlink, Mode: 0o777, Target: l.Target, Origin: "harvested symlink"}
		if err := h.Tree.Add(e); err != nil {
			return fmt.Errorf("harvest: %s: %w", p, err)
		}
	}
	host, overlay := h.Root.HostPath(real)
	if overlay {
		origin += " (" + h.OverlayOrigin + ")"
	}
	fi, err := os.Stat(host)
	if err != nil {
		return fmt.Errorf("harvest: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("harvest: %s: not a regular file (%s)", p, fi.Mode().Type())
	}
	data, err := os.ReadFile(host)
	if err != nil {
		return fmt.Errorf("harvest: %w", err)
	}
	e := tree.Entry{
		Path:   real,
		Type:   tree.Regular,
		Mode:   fi.Mode().Perm(),
		Data:   data,
		Origin: origin + " from " + real,
	}
	e.Mode |= unixSpecial(fi.Mode())
	if err := h.Tree.Add(e); err != nil {
		return fmt.Errorf("harvest: %s: %w", p, err)
	}
	return nil
}

// unixSpecial converts Go's setuid/setgid/sticky flags to Unix bits.
func unixSpecial(m fs.FileMode) fs.FileMode {
	var u fs.FileMode
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}
