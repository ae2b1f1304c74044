package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	full("vhangup", sysVhangup)
}

// sysVhangup implements vhangup(2): with CAP_SYS_TTY_CONFIG (root), the
// caller's controlling terminal is hung up (tty.TTY.Hangup: descriptors
// open on it go dead, it controls no session) and the session leader gets
// SIGHUP and SIGCONT; without a controlling terminal nothing happens.
// Others get EPERM.
func sysVhangup(s *System, t *task.Task, a Args) (uint64, error) {
	if !capable(t, abi.CAP_SYS_TTY_CONFIG) {
		return 0, abi.EPERM
	}
	if s.terminals == nil {
		return 0, nil
	}
	_, _, sid := t.TG().SessionIDs()
	for _, term := range s.terminals() {
		if term.Session() != sid {
			continue
		}
		if leader := term.Hangup(); leader > 0 {
			t.Kill(leader, abi.SIGHUP)
			t.Kill(leader, abi.SIGCONT)
		}
		break
	}
	return 0, nil
}
