package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/klog"
	"aramid/kernel/mm"
	"aramid/kernel/task"
)

func init() {
	full("syslog", sysSyslog)
}

// sysSyslog implements syslog(2): the kernel log ring (READ, READ_ALL,
// READ_CLEAR, CLEAR, SIZE_UNREAD, SIZE_BUFFER) and the console level
// (CONSOLE_OFF, CONSOLE_ON, CONSOLE_LEVEL), with Linux's permission rules
// (dmesg_restrict; CAP_SYSLOG, which root has).
func sysSyslog(s *System, t *task.Task, a Args) (uint64, error) {
	log := s.log
	if log == nil {
		return 0, abi.ENOSYS
	}
	action, buf, length := int(a.Int(0)), a[1], int(a.Int(2))
	if err := log.SyslogAllowed(action, klog.Caps{Syslog: capable(t, abi.CAP_SYSLOG), SysAdmin: capable(t, abi.CAP_SYS_ADMIN)}); err != nil {
		return 0, err
	}
	switch action {
	case klog.ActionRead, klog.ActionReadAll, klog.ActionReadClear:
		if buf == 0 || length < 0 {
			return 0, abi.EINVAL
		}
		if length == 0 {
			return 0, nil
		}
		if buf+uint64(length) < buf || buf+uint64(length) > mm.UserTop {
			return 0, abi.EFAULT
		}
	}
	var data []byte
	switch action {
	case klog.ActionReadAll, klog.ActionReadClear:
		data = log.ReadAll(length, action == klog.ActionReadClear)
	case klog.ActionRead:
		for {
			var wait <-chan struct{}
			if data, wait = log.Read(length); data != nil {
				break
			}
			if err := t.Block(wait, -1); err != nil {
				return 0, abi.ERESTARTSYS
			}
		}
	default:
		n, err := log.Syslog(action, length)
		return uint64(n), err
	}
	if err := t.MM().CopyOut(buf, data); err != nil {
		return 0, err
	}
	return uint64(len(data)), nil
}
