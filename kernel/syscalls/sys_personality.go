package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	partial("personality", "PER_LINUX only: queries (0xffffffff) and setting PER_LINUX return PER_LINUX; any other persona (PER_LINUX32, ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...) is EINVAL, none of their effects being implemented", sysPersonality)
}

// Personas.
const (
	perLinux     = 0
	personaQuery = 0xffffffff
)

// sysPersonality implements personality(2) for the one execution domain
// Aramid has: every process runs as PER_LINUX, which is what a query
// (persona 0xffffffff, as systemd's LockPersonality= asks before it locks
// the persona with a seccomp filter) and setting PER_LINUX itself return,
// the previous persona. Linux stores any other persona and changes how
// later mmaps and execs behave by its flags; Aramid implements none of
// those flags, so it refuses them (EINVAL) rather than store a persona
// whose promise it would not keep. Only the low 32 bits count, as in
// Linux's ksys_personality (an unsigned int).
func sysPersonality(s *System, t *task.Task, a Args) (uint64, error) {
	switch uint32(a[0]) {
	case personaQuery, perLinux:
		return perLinux, nil
	}
	return 0, abi.EINVAL
}
