package syscalls

import (
	"testing"

	"aramid/kernel/task"
)

func TestPrlimitAllowed(t *testing.T) {
	user := func(uid, gid uint32) task.Creds {
		return task.Creds{UID: uid, EUID: uid, SUID: uid, FSUID: uid, GID: gid, EGID: gid, SGID: gid, FSGID: gid}
	}
	setuid := user(1000, 1000)
	setuid.EUID, setuid.SUID = 0, 0 // a set-user-ID-root program run by 1000
	tests := []struct {
		name           string
		caller, target task.Creds
		want           bool
	}{
		{"root over anyone", user(0, 0), user(1000, 1000), true},
		{"same user", user(1000, 1000), user(1000, 1000), true},
		{"other user", user(65534, 65534), user(0, 0), false},
		{"same uid, other gid", user(1000, 1000), user(1000, 100), false},
		{"target is set-user-ID", user(1000, 1000), setuid, false},
		{"caller is set-user-ID root", setuid, user(0, 0), true},
	}
	for _, tc := range tests {
		if got := prlimitCredsAllowed(tc.caller, tc.target); got != tc.want {
			t.Errorf("%s: prlimitCredsAllowed = %v, want %v", tc.name, got, tc.want)
		}
	}
}
