package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// The UTS names: uname, and sethostname and setdomainname, which need
// CAP_SYS_ADMIN and take at most 64 bytes (__NEW_UTS_LEN).
func init() {
	full("setdomainname", func(s *System, t *task.Task, a Args) (uint64, error) {
		return setUTSName(t, a, s.setDomainnameOf)
	})
	full("sethostname", func(s *System, t *task.Task, a Args) (uint64, error) {
		return setUTSName(t, a, s.setHostnameOf)
	})
	full("uname", sysUname)
}

// setUTSName reads the (name, len) arguments of sethostname or
// setdomainname and hands the name to set.
func setUTSName(t *task.Task, a Args, set func(*task.Task, string)) (uint64, error) {
	if !capable(t, abi.CAP_SYS_ADMIN) {
		return 0, abi.EPERM
	}
	if a[1] > 64 {
		return 0, abi.EINVAL
	}
	b := make([]byte, a[1])
	if err := t.MM().CopyIn(a[0], b); err != nil {
		return 0, err
	}
	set(t, string(b))
	return 0, nil
}

func sysUname(s *System, t *task.Task, a Args) (uint64, error) {
	domain := s.domainnameOf(t)
	if domain == "" {
		domain = "(none)"
	}
	fields := []string{"Linux", s.hostnameOf(t), Release, "#1 SMP Aramid", "x86_64", domain}
	b := make([]byte, 65*6)
	for i, f := range fields {
		copy(b[i*65:i*65+64], f)
	}
	return 0, t.MM().CopyOut(a[0], b)
}
