package recipe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxRecipe bounds the size of a recipe file.
const maxRecipe = 1 << 20

// ErrUnknownRecipe is returned by Load for a name with no recipe file.
var ErrUnknownRecipe = errors.New("recipe: unknown recipe")

// Decode parses a recipe strictly: unknown keys, duplicate keys, wrong types
// and trailing documents are errors naming file:line. It does not Validate.
func Decode(file string, data []byte) (*Recipe, error) {
	if len(data) > maxRecipe {
		return nil, fmt.Errorf("recipe: %s: larger than %d bytes", file, maxRecipe)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("recipe: %s: empty file", file)
		}
		return nil, fmt.Errorf("recipe: %s", located(file, err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("recipe: %s: more than one YAML document", file)
	}
	r := &Recipe{File: file, lines: map[string]int{}}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("recipe: %s: empty document", file)
	}
	if err := check(file, doc.Content[0], reflect.TypeOf(*r), "", r.lines); err != nil {
		return nil, err
	}
	if err := doc.Content[0].Decode(r); err != nil {
		return nil, fmt.Errorf("recipe: %s", located(file, err))
	}
	r.File = file
	sum := sha256.Sum256(data)
	r.SHA256 = hex.EncodeToString(sum[:])
	return r, nil
}

var lineRE = regexp.MustCompile(`^line (\d+): `)

// located renders a yaml error as "file:line: message" on one line.
func located(file string, err error) string {
	s := oneLine(err)
	if m := lineRE.FindStringSubmatch(s); m != nil {
		return file + ":" + m[1] + ": " + s[len(m[0]):]
	}
	return file + ": " + s
}

// oneLine flattens yaml's multi-line error text.
func oneLine(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.ReplaceAll(s, "unmarshal errors:\n  ", "")
	return strings.Join(strings.Fields(s), " ")
}

// check walks node against type t, rejecting unknown and duplicate keys, and
// records the line of every key path.
func check(file string, n *yaml.Node, t reflect.Type, key string, lines map[string]int) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		return fmt.Errorf("recipe: %s:%d: %s: YAML aliases are not allowed", file, n.Line, keyName(key))
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("recipe: %s:%d: %s: want a mapping", file, n.Line, keyName(key))
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = f.Type
			names = append(names, tag)
		}
		sort.Strings(names)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := k.Value
			if key != "" {
				sub = key + "." + k.Value
			}
			ft, ok := fields[k.Value]
			if !ok {
				return fmt.Errorf("recipe: %s:%d: unknown key %q (known: %s)", file, k.Line, sub, strings.Join(names, ", "))
			}
			if seen[k.Value] {
				return fmt.Errorf("recipe: %s:%d: duplicate key %q", file, k.Line, sub)
			}
			seen[k.Value] = true
			lines[sub] = k.Line
			if err := check(file, v, ft, sub, lines); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("recipe: %s:%d: %s: want a list", file, n.Line, keyName(key))
		}
		for i, c := range n.Content {
			sub := fmt.Sprintf("%s[%d]", key, i)
			lines[sub] = c.Line
			if err := check(file, c, t.Elem(), sub, lines); err != nil {
				return err
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("recipe: %s:%d: %s: want a single value", file, n.Line, keyName(key))
		}
	}
	return nil
}

func keyName(k string) string {
	if k == "" {
		return "document"
	}
	return k
}

// Load reads and validates <name>.yaml from dir, a repository's recipes/
// folder. Relative host paths in it resolve against the repository (the
// folder above dir).
func Load(dir, name string) (*Recipe, error) {
	r, err := findName(dir, name)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// findName decodes <name>.yaml from dir without validating it.
func findName(dir, name string) (*Recipe, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("%w %q", ErrUnknownRecipe, name)
	}
	file := filepath.Join(dir, name+".yaml")
	data, err := readFile(file)
	if errors.Is(err, os.ErrNotExist) {
		names, _ := List(dir)
		return nil, fmt.Errorf("%w %q (have: %s)", ErrUnknownRecipe, name, strings.Join(names, ", "))
	}
	if err != nil {
		return nil, err
	}
	r, err := Decode(file, data)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	r.Dir = filepath.Dir(abs)
	return r, nil
}

// IsPath reports whether a --recipe argument names a file rather than a
// recipe of the repository: it holds a slash or ends in ".yaml".
func IsPath(arg string) bool {
	return strings.Contains(arg, "/") || strings.HasSuffix(arg, ".yaml")
}

// Find decodes the recipe arg stands for, without validating it: a path (see
// IsPath) is read from there and its relative host paths resolve against its
// own folder; a name is repoDir/recipes/NAME.yaml.
func Find(repoDir, arg string) (*Recipe, error) {
	if IsPath(arg) {
		arg = filepath.Clean(arg)
		data, err := readFile(arg)
		if err != nil {
			return nil, err
		}
		r, err := Decode(arg, data)
		if err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(arg)
		if err != nil {
			return nil, fmt.Errorf("recipe: %w", err)
		}
		r.Dir = filepath.Dir(abs)
		return r, nil
	}
	if repoDir == "" {
		return nil, fmt.Errorf("%w %q: no repository found to look it up in (run mkimage inside one, give --repo, or give the recipe's path)", ErrUnknownRecipe, arg)
	}
	return findName(filepath.Join(repoDir, "recipes"), arg)
}

// Open is Find followed by Validate.
func Open(repoDir, arg string) (*Recipe, error) {
	r, err := Find(repoDir, arg)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// readFile reads a recipe file, refusing one larger than maxRecipe before
// reading more than that.
func readFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecipe+1))
	if err != nil {
		return nil, fmt.Errorf("recipe: %s: %w", file, err)
	}
	if len(data) > maxRecipe {
		return nil, fmt.Errorf("recipe: %s: larger than %d bytes", file, maxRecipe)
	}
	return data, nil
}

// Path resolves a host path of the recipe (a compile source, the harvest
// sysroot, a tarball): an absolute one as it is, a relative one against Dir.
// The empty path stays empty.
func (r *Recipe) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.Dir, p)
}

// LoadFile decodes and validates one recipe file's contents.
func LoadFile(file string, data []byte) (*Recipe, error) {
	r, err := Decode(file, data)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// List names the recipes in dir, sorted.
func List(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	names := make([]string, 0, len(m))
	for _, f := range m {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	sort.Strings(names)
	return names, nil
}
