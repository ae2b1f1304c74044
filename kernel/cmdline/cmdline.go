// Package cmdline parses the kernel command line the way Linux does: words
// separated by spaces, "key=value" or bare "key", double quotes around values
// that contain spaces, and everything after "--" passed to init. Unknown keys
// are kept but have no effect, as on Linux.
package cmdline

import "strings"

// Config is what the kernel understands of its command line.
type Config struct {
	Console   string   // console=, e.g. ttyS0
	Init      string   // init=: the program to run as PID 1 after the initramfs is set up
	RDInit    string   // rdinit=: the initramfs's init, tried before Init (default /init)
	InitArgs  []string // words after "--"
	SelfTest  bool     // aramid.selftest=1: run the in-kernel checks and power off
	TestFault string   // aramid.testfault=pagefault: fault on purpose (tests the panic path)
	Quiet     bool     // quiet
	// ConsoleLevel is console_loglevel as `quiet` (4), `debug` (10) and
	// `loglevel=N` set it, the last one on the line winning as on Linux;
	// -1 when none is given.
	ConsoleLevel int
	// IgnoreLogLevel is `ignore_loglevel`: the console prints every level.
	IgnoreLogLevel bool

	// Root is root=: the root device (/dev/vda2, PARTUUID=..., PARTLABEL=...,
	// MAJ:MIN), mounted when the initramfs has no rdinit program.
	Root string
	// RootFSType is rootfstype=: the filesystem types to try, comma-separated.
	RootFSType string
	// RootFlags is rootflags=: the root filesystem's mount data.
	RootFlags string
	// RootRW is true after a bare `rw` and false after `ro`, the last one
	// winning; Linux mounts the root read-only unless told `rw`.
	RootRW bool
	// RootWait is a bare `rootwait`: wait for the root device forever.
	RootWait bool
	// RootDelay is rootdelay=: seconds to wait before mounting the root.
	RootDelay int

	// Params holds every key=value (and bare key, with value "") in order of
	// appearance; later duplicates win, as Linux's __setup handlers see them.
	Params map[string]string
}

// Parse parses a kernel command line. It never fails: malformed quoting is
// taken literally, as Linux does.
func Parse(line string) Config {
	c := Config{RDInit: "/init", Params: map[string]string{}, ConsoleLevel: -1}
	words := split(line)
	for i, w := range words {
		if w == "--" {
			c.InitArgs = append([]string(nil), words[i+1:]...)
			break
		}
		key, val, _ := strings.Cut(w, "=")
		c.Params[key] = val
		switch key {
		case "console":
			c.Console = val
		case "init":
			c.Init = val
		case "rdinit":
			c.RDInit = val
		case "aramid.selftest":
			c.SelfTest = val == "1" || val == "y" || val == "yes" || val == "true" || val == ""
		case "aramid.testfault":
			c.TestFault = val
		case "quiet":
			c.Quiet = true
			c.ConsoleLevel = 4
		case "debug":
			c.ConsoleLevel = 10
		case "loglevel":
			if n, ok := leadingInt(val); ok {
				c.ConsoleLevel = n
			}
		case "ignore_loglevel":
			c.IgnoreLogLevel = true
		case "root":
			c.Root = val
		case "rootfstype":
			c.RootFSType = val
		case "rootflags":
			c.RootFlags = val
		// ro, rw and rootwait take no value: "rw=1" is not them, as in
		// Linux's __setup handlers, which refuse a value.
		case "ro":
			if w == key {
				c.RootRW = false
			}
		case "rw":
			if w == key {
				c.RootRW = true
			}
		case "rootwait":
			if w == key {
				c.RootWait = true
			}
		case "rootdelay":
			if n, ok := leadingInt(val); ok && n >= 0 {
				c.RootDelay = n
			}
		}
	}
	return c
}

// split breaks line into words at runs of spaces and tabs outside double
// quotes; the quotes themselves are removed.
func split(line string) []string {
	var words []string
	var b strings.Builder
	inQuote, inWord := false, false
	for _, r := range line {
		switch {
		case r == '"':
			inQuote = !inQuote
			inWord = true
		case (r == ' ' || r == '\t' || r == '\n') && !inQuote:
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, b.String())
	}
	return words
}

// leadingInt reads a decimal integer (optionally signed) at the start of s,
// as the kernel's get_option does; ok is false when there is none.
func leadingInt(s string) (int, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start, n := i, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<30; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i == start {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}
