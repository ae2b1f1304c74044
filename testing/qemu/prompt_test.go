package qemu

import (
	"bufio"
	"io"
	"reflect"
	"strings"
	"testing"
)

// TestPromptReader checks that output ending in a prompt is a line of its
// own, that a prompt's text inside a line that goes on does not split it,
// and that ordinary lines still end at their newline.
func TestPromptReader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Debian\nhost login: ", []string{"Debian\n", "host login: "}},
		{"a # b\nroot@host:~# ", []string{"a # b\n", "root@host:~# "}},
		{"no prompt", []string{"no prompt"}},
		{"Password: ", []string{"Password: "}},
	} {
		read := promptReader(bufio.NewReader(strings.NewReader(tc.in)), []string{"login: ", "Password: ", "# "})
		var got []string
		for {
			s, err := read('\n')
			if s != "" {
				got = append(got, s)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
