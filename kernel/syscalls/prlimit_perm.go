package syscalls

import "aramid/kernel/task"

// prlimitCredsAllowed reports whether a process with credentials caller may read
// or change the limits of another process with credentials target
// (prlimit64 on a pid other than its own): Linux's check_prlimit_permission
// asks that the caller's real uid be the target's real, effective and saved
// uid and its real gid the target's three gids, unless the caller has
// CAP_SYS_RESOURCE (here: effective uid 0).
func prlimitCredsAllowed(caller, target task.Creds) bool {
	if caller.EUID == 0 {
		return true
	}
	u, g := caller.UID, caller.GID
	return target.UID == u && target.EUID == u && target.SUID == u &&
		target.GID == g && target.EGID == g && target.SGID == g
}
