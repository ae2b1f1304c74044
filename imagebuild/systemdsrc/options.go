package systemdsrc

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Option is one option a source declares in meson_options.txt.
type Option struct {
	Name    string
	Type    string   // boolean, combo, string, integer, array, feature
	Choices []string // combo (and array) choices
}

// ParseOptions reads the option('name', type : 'kind', choices : [...])
// calls of a meson_options.txt.
func ParseOptions(src []byte) ([]Option, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	var opts []Option
	seen := map[string]bool{}
	for i := 0; i < len(toks); {
		if toks[i].kind != tIdent || toks[i].text != "option" || i+1 >= len(toks) || toks[i+1].text != "(" {
			i++
			continue
		}
		args, kw, end, err := callArgs(toks, i+1)
		if err != nil {
			return nil, fmt.Errorf("line %d: option(): %w", toks[i].line, err)
		}
		if len(args) < 1 || len(args[0]) != 1 || args[0][0].kind != tString {
			return nil, fmt.Errorf("line %d: option() without a name", toks[i].line)
		}
		o := Option{Name: args[0][0].text}
		if t := kw["type"]; len(t) == 1 && t[0].kind == tString {
			o.Type = t[0].text
		} else {
			return nil, fmt.Errorf("line %d: option %q has no type", toks[i].line, o.Name)
		}
		for _, t := range kw["choices"] {
			if t.kind == tString {
				o.Choices = append(o.Choices, t.text)
			}
		}
		if seen[o.Name] {
			return nil, fmt.Errorf("line %d: option %q declared twice", toks[i].line, o.Name)
		}
		seen[o.Name] = true
		opts = append(opts, o)
		i = end
	}
	if len(opts) == 0 {
		return nil, errors.New("no option() declarations")
	}
	return opts, nil
}

// layout are settings, not parts: where things go and how they are built,
// as Debian builds them. Each is passed when the source declares the
// option (and, for a combo, offers the value).
var layout = []struct{ name, value string }{
	{"mode", "release"},
	{"split-usr", "false"},
	{"rootprefix", "/usr"},
	{"rootlibdir", "/usr/lib/x86_64-linux-gnu"},
}

// components are optional parts declared as booleans (or, in some
// versions, combos) that an image with systemd, journald and systemctl
// does not need. Every combo whose choices are auto/true/false (systemd's
// form for an optional dependency or component) is turned off as well,
// whatever its name, so a version's new optional parts are off without
// being listed here.
var components = []string{
	"efi", "tpm", "hibernate", "resolve", "networkd", "timesyncd", "logind", "machined",
	"portabled", "userdb", "homed", "hostnamed", "localed", "timedated", "coredump", "pstore",
	"oomd", "firstboot", "randomseed", "backlight", "vconsole", "quotacheck", "rfkill", "hwdb",
	"sysext", "binfmt", "importd", "remote", "repart", "sysupdate", "xdg-autostart",
	"nss-myhostname", "nss-mymachines", "nss-resolve", "nss-systemd", "utmp", "kernel-install",
	"analyze", "ldconfig", "environment-d", "translations", "smack", "ima", "idn",
	"man", "html", "tests", "install-tests",
}

// keepDefault are auto/true/false combos that choose a layout rather than
// an optional part; they keep the source's default.
var keepDefault = []string{"split-usr", "split-bin"}

// OptionArgs returns the -D arguments for a source's declared options:
// the layout settings, every optional part off, then the recipe's extra
// options. An extra option the source does not declare, or a value a combo
// does not offer, is an error: nothing is passed that the version lacks.
func OptionArgs(opts []Option, extra []string) ([]string, error) {
	byName := map[string]Option{}
	for _, o := range opts {
		byName[o.Name] = o
	}
	set := map[string]string{}
	for _, o := range opts {
		if o.Type == "combo" && hasAll(o.Choices, "auto", "true", "false") && !slices.Contains(keepDefault, o.Name) {
			set[o.Name] = "false"
		}
	}
	for _, c := range components {
		o, ok := byName[c]
		if !ok {
			continue
		}
		switch {
		case o.Type == "boolean", o.Type == "combo" && slices.Contains(o.Choices, "false"):
			set[c] = "false"
		case o.Type == "feature":
			set[c] = "disabled"
		}
	}
	for _, l := range layout {
		o, ok := byName[l.name]
		if !ok || o.Type == "combo" && !slices.Contains(o.Choices, l.value) {
			continue
		}
		set[l.name] = l.value
	}
	var extraArgs []string
	for _, e := range extra {
		name, value, ok := strings.Cut(strings.TrimPrefix(e, "-D"), "=")
		o, known := byName[name]
		switch {
		case !ok || name == "":
			return nil, fmt.Errorf("meson option %q: want name=value", e)
		case !known:
			return nil, fmt.Errorf("meson option %q: this source declares no option %q", e, name)
		case o.Type == "combo" && !slices.Contains(o.Choices, value):
			return nil, fmt.Errorf("meson option %q: %s offers %s", e, name, strings.Join(o.Choices, ", "))
		}
		delete(set, name)
		extraArgs = append(extraArgs, "-D"+name+"="+value)
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	args := make([]string, 0, len(names)+len(extraArgs))
	for _, n := range names {
		args = append(args, "-D"+n+"="+set[n])
	}
	return append(args, extraArgs...), nil
}

func hasAll(list []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(list, w) {
			return false
		}
	}
	return true
}

// A small lexer for meson's language: enough to read project() and
// option() calls (strings, identifiers, numbers, punctuation; comments
// skipped).

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tNumber
	tPunct
)

type token struct {
	kind tokKind
	text string
	line int
}

// maxTokens bounds the lexer's work on hostile input.
const maxTokens = 1 << 20

func lex(src []byte) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(src); {
		if len(toks) > maxTokens {
			return nil, errors.New("too many tokens")
		}
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\\':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\'' || (c == 'f' && i+1 < len(src) && src[i+1] == '\''):
			if c == 'f' {
				i++
			}
			start := line
			var s strings.Builder
			if i+2 < len(src) && src[i+1] == '\'' && src[i+2] == '\'' { // '''multi-line'''
				end := strings.Index(string(src[i+3:]), "'''")
				if end < 0 {
					return nil, fmt.Errorf("line %d: unterminated string", start)
				}
				body := string(src[i+3 : i+3+end])
				line += strings.Count(body, "\n")
				toks = append(toks, token{tString, body, start})
				i += 6 + end
				continue
			}
			i++
			for ; ; i++ {
				if i >= len(src) || src[i] == '\n' {
					return nil, fmt.Errorf("line %d: unterminated string", start)
				}
				if src[i] == '\\' && i+1 < len(src) {
					i++
					s.WriteByte(src[i])
					continue
				}
				if src[i] == '\'' {
					i++
					break
				}
				s.WriteByte(src[i])
			}
			toks = append(toks, token{tString, s.String(), start})
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, token{tIdent, string(src[i:j]), line})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == 'x' || src[j] >= 'a' && src[j] <= 'f') {
				j++
			}
			toks = append(toks, token{tNumber, string(src[i:j]), line})
			i = j
		default:
			toks = append(toks, token{tPunct, string(c), line})
			i++
		}
	}
	return toks, nil
}

// callArgs reads the arguments of a call whose "(" is toks[open]: the
// positional arguments and the keyword arguments, each as its tokens
// (brackets and commas inside a list dropped, so a list of strings comes
// back as its strings). It returns the index after the closing ")".
func callArgs(toks []token, open int) (args [][]token, kw map[string][]token, end int, err error) {
	kw = map[string][]token{}
	depth := 0
	var cur []token
	key := ""
	flush := func() {
		if key != "" {
			kw[key] = cur
		} else if len(cur) > 0 {
			args = append(args, cur)
		}
		cur, key = nil, ""
	}
	for i := open; i < len(toks); i++ {
		t := toks[i]
		if t.kind == tPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
				if depth == 1 || depth == 2 && t.text == "[" {
					continue // the call's own parenthesis, or a list argument's bracket
				}
			case ")", "]", "}":
				depth--
				if depth == 0 {
					flush()
					return args, kw, i + 1, nil
				}
				if depth == 1 && t.text == "]" {
					continue
				}
			case ",":
				if depth == 1 {
					flush()
					continue
				}
				if depth == 2 {
					continue // between a list's items
				}
			case ":":
				if depth == 1 && len(cur) == 1 && cur[0].kind == tIdent && key == "" {
					key, cur = cur[0].text, nil
					continue
				}
			}
		}
		cur = append(cur, t)
	}
	return nil, nil, 0, errors.New("unterminated call")
}
