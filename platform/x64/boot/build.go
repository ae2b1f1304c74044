package boot

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	bp "aramid/platform/x64/bootparams"
)

// Build links the kernel main package pkg with the stock Go toolchain at the
// higher-half link address and writes the bootable image to out (through a
// temporary file and a rename, so a failed build leaves no partial file).
// The go command's output goes to stderr.
func Build(pkg, out string, stderr io.Writer) error {
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".kernel-link-*")
	if err != nil {
		return err
	}
	linked := tmp.Name()
	tmp.Close()
	defer os.Remove(linked)

	// -T is the address of .text, one page above the first segment (which
	// starts with the ELF header); the linker takes it as a signed number.
	var text uint64 = bp.LinkAddress + 0x1000
	cmd := exec.Command("go", "build", "-trimpath", "-o", linked,
		"-ldflags", "-T "+strconv.FormatInt(int64(text), 10), pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("boot: go build %s: %w", pkg, err)
	}
	in, err := os.ReadFile(linked)
	if err != nil {
		return err
	}
	img, err := MakeBootable(in)
	if err != nil {
		return err
	}
	if err := os.WriteFile(linked, img, 0o755); err != nil {
		return err
	}
	return os.Rename(linked, out)
}
