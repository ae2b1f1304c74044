package sysfs

import (
	"path"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/vfs"
)

// Synthetic uevents. A device's uevent attribute (a file named "uevent"
// in a directory under devices/ that has a subsystem link) is writable by
// its owner (mode 0644) when Options.Uevent is set: writing an action
// ("add", "change", ...), optionally followed by a UUID and KEY=VALUE
// arguments, makes the kernel announce the device as Linux's
// kobject_synth_uevent does. The announcement's environment is
// SUBSYSTEM (the subsystem link's last element), SYNTH_UUID (0 without a
// UUID), the SYNTH_ARG_ variables, then the attribute's own lines (the
// device's properties, what reading the file shows); Options.Uevent adds
// ACTION, DEVPATH and SEQNUM.

// ueventActions are the actions a uevent file accepts (Linux's
// kobject_actions).
var ueventActions = []string{"add", "remove", "change", "move", "online", "offline", "bind", "unbind"}

// maxStore is the most one write passes to an attribute (a page, as
// kernfs copies at most PAGE_SIZE bytes per write).
const maxStore = 4096

// ueventDir returns the device directory (relative to /sys) of a uevent
// attribute at p, or "" if p is not one.
func ueventDir(p string) string {
	p = strings.Trim(p, "/")
	if path.Base(p) != "uevent" || !strings.HasPrefix(p, "devices/") {
		return ""
	}
	return path.Dir(p)
}

// ueventFile is an open uevent attribute: reads show the properties,
// writes announce the device.
type ueventFile struct {
	attrFile
	fs  *FS
	dir string
	n   *fileNode
}

// Write implements vfs.FileImpl: one write is one synthetic uevent; the
// whole write is consumed (up to a page) or it fails with EINVAL.
func (f *ueventFile) Write(_ *vfs.Caller, _ *vfs.File, src []byte, _ int64) (int, error) {
	if len(src) > maxStore {
		src = src[:maxStore]
	}
	action, env, err := parseSynthUevent(string(src))
	if err != nil {
		return 0, err
	}
	subsystem := f.fs.subsystem(f.dir)
	if subsystem == "" {
		return 0, abi.EINVAL
	}
	props := f.n.data
	if f.n.gen != nil {
		props = f.n.gen()
	}
	all := append([]string{"SUBSYSTEM=" + subsystem}, env...)
	for _, l := range strings.Split(props, "\n") {
		if l != "" {
			all = append(all, l)
		}
	}
	if err := f.fs.o.Uevent(action, "/"+f.dir, all); err != nil {
		return 0, err
	}
	return len(src), nil
}

// subsystem returns the last element of the target of dir's subsystem
// link ("" if it has none).
func (fs *FS) subsystem(dir string) string {
	fs.mu.Lock()
	in := fs.lookupLocked(dir + "/subsystem")
	fs.mu.Unlock()
	if in == nil {
		return ""
	}
	l, ok := in.Ops.(*linkNode)
	if !ok {
		return ""
	}
	return path.Base(l.target)
}

// parseSynthUevent parses what a uevent file was given, as Linux's
// kobject_synth_uevent: "ACTION" or "ACTION UUID [KEY=VALUE ...]", one
// trailing newline or NUL allowed. It returns the action and the
// variables the arguments make (SYNTH_UUID=0 when there are none).
func parseSynthUevent(s string) (string, []string, error) {
	orig := s
	if n := len(s); n > 0 && (s[n-1] == '\n' || s[n-1] == 0) {
		s = s[:n-1]
	}
	if s == "" {
		return "", nil, abi.EINVAL
	}
	action, _, hasArgs := strings.Cut(s, " ")
	// The arguments run to the end of what was written: only their
	// parse strips a trailing newline (kobject_action_args).
	args := ""
	if hasArgs {
		args = orig[len(action)+1:]
	}
	known := false
	for _, a := range ueventActions {
		known = known || a == action
	}
	if !known {
		return "", nil, abi.EINVAL
	}
	if !hasArgs {
		return action, []string{"SYNTH_UUID=0"}, nil
	}
	if n := len(args); n > 0 && (args[n-1] == '\n' || args[n-1] == 0) {
		args = args[:n-1]
	}
	const uuidLen = 36
	if len(args) < uuidLen || !validUUID(args[:uuidLen]) {
		return "", nil, abi.EINVAL
	}
	env := []string{"SYNTH_UUID=" + args[:uuidLen]}
	rest := args[uuidLen:]
	for rest != "" {
		if rest[0] != ' ' {
			return "", nil, abi.EINVAL
		}
		rest = rest[1:]
		key, n := alnumWord(rest, '=')
		if n == 0 || n >= len(rest) || rest[n] != '=' {
			return "", nil, abi.EINVAL
		}
		rest = rest[n+1:]
		val, m := alnumWord(rest, ' ')
		if m == 0 {
			return "", nil, abi.EINVAL
		}
		rest = rest[m:]
		env = append(env, "SYNTH_ARG_"+key+"="+val)
	}
	return action, env, nil
}

// alnumWord returns the run of ASCII letters and digits at the start of
// s up to delim (or the end) and its length; 0 if the run is empty or
// ends at another character (Linux's action_arg_word_end).
func alnumWord(s string, delim byte) (string, int) {
	i := 0
	for i < len(s) && s[i] != delim {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", 0
		}
		i++
	}
	return s[:i], i
}

// validUUID reports whether u is a UUID in its 36-character text form
// (Linux's uuid_is_valid: hex digits of either case, dashes at 8, 13, 18
// and 23).
func validUUID(u string) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
