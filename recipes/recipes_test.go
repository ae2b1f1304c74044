// Package recipes holds mkimage's image recipes; this test decodes and
// validates every one of them.
package recipes

import (
	"testing"

	"aramid/imagebuild/recipe"
)

func TestAllRecipesValidate(t *testing.T) {
	names, err := recipe.List(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 3 {
		t.Fatalf("only %d recipes: %v", len(names), names)
	}
	for _, n := range names {
		r, err := recipe.Load(".", n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if r.Description == "" {
			t.Errorf("%s: no description (mkimage list shows it)", n)
		}
	}
}
