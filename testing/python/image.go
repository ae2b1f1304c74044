package python

import (
	"bufio"
	_ "embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"aramid/imagebuild/compress"
	"aramid/imagebuild/cpio"
	"aramid/imagebuild/harvest"
	"aramid/imagebuild/tree"
)

//go:embed guest/init.sh
var initScript string

//go:embed guest/summarize.py
var summarizeScript string

// StdlibDir is where Debian's python3.11 keeps its standard library (and,
// from libpython3.11-testsuite, the test package).
const StdlibDir = "usr/lib/python3.11"

// pruned are stdlib directories no selected module needs; leaving them out
// keeps the initramfs (unpacked under TCG on every boot) small. Paths are
// relative to StdlibDir.
var pruned = []string{
	"idlelib", "tkinter", "turtledemo", "lib2to3", "pydoc_data", "ensurepip",
	"test/decimaltestdata", "test/cjkencodings", "test/test_email", "test/test_lib2to3",
	"test/test_tkinter", "test/test_ttk", "test/test_idle", "test/test_peg_generator",
}

// ImageOptions says where the inputs of the python image are.
type ImageOptions struct {
	// DebRoot is the directory the python3.11 .debs were extracted into
	// (dpkg-deb -x); its files win over the host's.
	DebRoot string
	// Busybox is a static busybox; its applets become /usr/bin/<applet>.
	Busybox string
	// Modules is the regrtest module list written to /etc/pytest/modules.
	Modules []Module
	// Compression of the archive (gzip unpacks fast enough on both kernels).
	Compression compress.Method
}

// BuildImage assembles the python initramfs into file: python3.11 and its
// extension modules with their shared-library closure (read from the host,
// the .debs' own files taking precedence), the standard library and test
// package from the .debs, busybox as /bin/sh and its applets, and the
// runner (/init) with the module list.
func BuildImage(o ImageOptions, file string) error {
	t := tree.New()
	h, err := harvest.NewOverlay("/", o.DebRoot, "python3.11 .deb", t)
	if err != nil {
		return err
	}
	// Merged /usr as on the host: /bin, /lib and /lib64 are links.
	for _, l := range [][2]string{{"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib64"}} {
		if err := t.Add(tree.Entry{Path: l[0], Type: tree.Symlink, Mode: 0o777, Target: l[1], Origin: "generated"}); err != nil {
			return fmt.Errorf("python image: %w", err)
		}
	}
	if err := h.Binary("/usr/bin/python3.11"); err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	dynload, err := filepath.Glob(filepath.Join(o.DebRoot, StdlibDir, "lib-dynload", "*.so"))
	if err != nil || len(dynload) == 0 {
		return fmt.Errorf("python image: no extension modules under %s/%s/lib-dynload (err %v)", o.DebRoot, StdlibDir, err)
	}
	for _, so := range dynload {
		if err := h.Binary("/" + StdlibDir + "/lib-dynload/" + filepath.Base(so)); err != nil {
			return fmt.Errorf("python image: %w", err)
		}
	}
	if err := addStdlib(t, filepath.Join(o.DebRoot, StdlibDir)); err != nil {
		return err
	}
	if err := addBusybox(t, o.Busybox); err != nil {
		return err
	}
	gen := func(p string, mode fs.FileMode, data string) error {
		return t.Add(tree.Entry{Path: p, Type: tree.Regular, Mode: mode, Data: []byte(data), Origin: "generated"})
	}
	var list strings.Builder
	for _, m := range o.Modules {
		fmt.Fprintf(&list, "%s %d", m.Name, m.Timeout)
		for _, a := range m.Args {
			fmt.Fprintf(&list, " %s", a)
		}
		list.WriteString("\n")
	}
	for _, f := range []struct {
		p    string
		mode fs.FileMode
		data string
	}{
		{"init", 0o755, initScript},
		{"etc/pytest/summarize.py", 0o644, summarizeScript},
		{"etc/pytest/modules", 0o644, list.String()},
		{"etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
		{"etc/group", 0o644, "root:x:0:\nnogroup:x:65534:\n"},
		{"etc/hosts", 0o644, "127.0.0.1 localhost\n"},
	} {
		if err := gen(f.p, f.mode, f.data); err != nil {
			return fmt.Errorf("python image: %w", err)
		}
	}
	for _, s := range []struct {
		p, target string
	}{{"usr/bin/python3", "python3.11"}, {"usr/bin/python", "python3.11"}} {
		if err := t.Add(tree.Entry{Path: s.p, Type: tree.Symlink, Mode: 0o777, Target: s.target, Origin: "generated"}); err != nil {
			return fmt.Errorf("python image: %w", err)
		}
	}
	for _, d := range []struct {
		p    string
		mode fs.FileMode
	}{{"proc", 0o555}, {"sys", 0o555}, {"dev", 0o755}, {"tmp", 0o1777}, {"root", 0o700}, {"run", 0o755}} {
		if err := t.Add(tree.Entry{Path: d.p, Type: tree.Dir, Mode: d.mode, Origin: "generated"}); err != nil {
			return fmt.Errorf("python image: %w", err)
		}
	}
	if err := t.Add(tree.Entry{Path: "dev/console", Type: tree.CharDev, Mode: 0o600, Major: 5, Minor: 1, Origin: "generated"}); err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	return writeArchive(file, t, o.Compression)
}

// addStdlib copies the library tree at dir (regular files, links and
// directories, the pruned ones left out) into StdlibDir; entries already in
// t (the harvested extension modules) are kept.
func addStdlib(t *tree.Tree, dir string) error {
	skip := map[string]bool{}
	for _, p := range pruned {
		skip[p] = true
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if skip[rel] {
			return filepath.SkipDir
		}
		ip := path.Join(StdlibDir, rel)
		if _, ok := t.Get(ip); ok {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		e := tree.Entry{Path: ip, Mode: fi.Mode().Perm(), Origin: "python3.11 .deb"}
		switch {
		case d.IsDir():
			e.Type = tree.Dir
		case d.Type()&fs.ModeSymlink != 0:
			e.Type, e.Mode = tree.Symlink, 0o777
			if e.Target, err = os.Readlink(p); err != nil {
				return err
			}
		case d.Type().IsRegular():
			e.Type = tree.Regular
			if e.Data, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("python image: %s: unexpected file type %v", p, d.Type())
		}
		if err := t.Add(e); err != nil {
			return fmt.Errorf("python image: %w", err)
		}
		return nil
	})
}

// addBusybox copies the static busybox to /usr/bin/busybox and links every
// applet to it in /usr/bin, where no other file is.
func addBusybox(t *tree.Tree, bb string) error {
	data, err := os.ReadFile(bb)
	if err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	if err := t.Add(tree.Entry{Path: "usr/bin/busybox", Type: tree.Regular, Mode: 0o755, Data: data, Origin: "host " + bb}); err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return fmt.Errorf("python image: %s --list: %w", bb, err)
	}
	applets := strings.Fields(string(out))
	sort.Strings(applets)
	for _, a := range applets {
		if a == "busybox" || strings.ContainsAny(a, "/ ") {
			continue
		}
		p := "usr/bin/" + a
		if _, ok := t.Get(p); ok {
			continue
		}
		if err := t.Add(tree.Entry{Path: p, Type: tree.Symlink, Mode: 0o777, Target: "busybox", Origin: "busybox applet"}); err != nil {
			return fmt.Errorf("python image: %w", err)
		}
	}
	return nil
}

func writeArchive(file string, t *tree.Tree, m compress.Method) error {
	tmp := file + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	defer os.Remove(tmp)
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := compress.NewWriter(bw, m)
	if err != nil {
		return err
	}
	if err := cpio.WriteTree(zw, t, time.Unix(0, 0)); err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("python image: %w", err)
	}
	return os.Rename(tmp, file)
}
