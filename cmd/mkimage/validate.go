package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"aramid/imagebuild/recipe"
)

// validate decodes and validates each recipe (a path, or a name of the
// repository's recipes/) and prints one line per problem, "file:line: key:
// message", or "file: ok". It fails when any recipe has a problem.
func validate(repo string, args []string, w io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: mkimage validate FILE|NAME...")
	}
	failed := 0
	for _, a := range args {
		r, err := recipe.Find(repo, a)
		if err == nil {
			err = r.Validate()
		}
		var ve *recipe.ValidationError
		switch {
		case err == nil:
			fmt.Fprintf(w, "%s: ok (%s, sha256 %s)\n", r.File, r.Name, r.SHA256)
			continue
		case errors.As(err, &ve):
			for _, l := range ve.Lines() {
				fmt.Fprintln(w, l)
			}
		default:
			fmt.Fprintln(w, strings.TrimPrefix(err.Error(), "recipe: "))
		}
		failed++
	}
	if failed > 0 {
		return fmt.Errorf("validate: %d of %d recipes have problems", failed, len(args))
	}
	return nil
}
