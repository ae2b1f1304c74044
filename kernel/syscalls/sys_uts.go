package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

func init() {
	partial("setdomainname", "recorded for uname's domainname", func(s *System, t *task.Task, a Args) (uint64, error) {
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
		s.setDomainnameOf(t, string(b))
		return 0, nil
	})
	partial("sethostname", "root only", func(s *System, t *task.Task, a Args) (uint64, error) {
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
		s.setHostnameOf(t, string(b))
		return 0, nil
	})
	full("uname", sysUname)
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
