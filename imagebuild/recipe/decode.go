package recipe

import (
	"bytes"
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

// Load reads and validates recipes/<name>.yaml from dir.
func Load(dir, name string) (*Recipe, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("%w %q", ErrUnknownRecipe, name)
	}
	file := filepath.Join(dir, name+".yaml")
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		names, _ := List(dir)
		return nil, fmt.Errorf("%w %q (have: %s)", ErrUnknownRecipe, name, strings.Join(names, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	return LoadFile(file, data)
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
