package imagebuild

import (
	"context"
	"errors"

	"aramid/imagebuild/compress"
	"aramid/imagebuild/recipe"
	"aramid/imagebuild/tree"
	"os"
)

func writeDisk(ctx context.Context, file string, r *recipe.Recipe, img *Image, o Options, m compress.Method) error {
	return errors.New("imagebuild: disk output is not implemented yet")
}

func isDisk(f *os.File) bool { return false }

func inspectDisk(f *os.File) ([]tree.File, error) {
	return nil, errors.New("inspect: disk images are not supported yet")
}
