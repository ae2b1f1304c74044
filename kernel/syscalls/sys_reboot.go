package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// RebootAction is what reboot(2) asks the machine to do.
type RebootAction int

const (
	RebootPowerOff RebootAction = iota // LINUX_REBOOT_CMD_POWER_OFF and _HALT
	RebootRestart                      // LINUX_REBOOT_CMD_RESTART and _RESTART2
)

func init() {
	partial("reboot", "power off, halt (powers off) and restart; Ctrl-Alt-Del setting recorded; no suspend or kexec", sysReboot)
}

func sysReboot(s *System, t *task.Task, a Args) (uint64, error) {
	if !capable(t, abi.CAP_SYS_BOOT) {
		return 0, abi.EPERM
	}
	if uint32(a[0]) != abi.LINUX_REBOOT_MAGIC1 {
		return 0, abi.EINVAL
	}
	switch uint32(a[1]) {
	case abi.LINUX_REBOOT_MAGIC2, abi.LINUX_REBOOT_MAGIC2A, abi.LINUX_REBOOT_MAGIC2B, abi.LINUX_REBOOT_MAGIC2C:
	default:
		return 0, abi.EINVAL
	}
	var action RebootAction
	switch uint32(a[2]) {
	case abi.LINUX_REBOOT_CMD_CAD_ON, abi.LINUX_REBOOT_CMD_CAD_OFF:
		// There is no keyboard to send Ctrl-Alt-Del: nothing to route.
		return 0, nil
	case abi.LINUX_REBOOT_CMD_POWER_OFF, abi.LINUX_REBOOT_CMD_HALT:
		action = RebootPowerOff
	case abi.LINUX_REBOOT_CMD_RESTART, abi.LINUX_REBOOT_CMD_RESTART2:
		action = RebootRestart
	default:
		return 0, abi.EINVAL
	}
	if s.reboot == nil {
		return 0, abi.EPERM
	}
	s.reboot(action) // does not return on a real machine
	return 0, nil
}
