package disk

import (
	"errors"
	"os"

	"aramid/imagebuild/tree"
)

// Inspect lists the root filesystem of a disk image.
func Inspect(f *os.File) ([]tree.File, error) {
	return nil, errors.New("inspect: disk images: not implemented")
}
