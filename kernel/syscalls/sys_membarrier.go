package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/task"
)

// membarrier(2). One CPU runs every thread, and the way into and out of
// the kernel serialises it, so every barrier is complete by the time the
// call returns: the commands only need Linux's validation and
// registration rules.
func init() {
	full("membarrier", sysMembarrier)
}

// membarrier commands (each a single bit).
const (
	mbQuery                           = 0
	mbGlobal                          = 1 << 0
	mbGlobalExpedited                 = 1 << 1
	mbRegisterGlobalExpedited         = 1 << 2
	mbPrivateExpedited                = 1 << 3
	mbRegisterPrivateExpedited        = 1 << 4
	mbPrivateExpeditedSyncCore        = 1 << 5
	mbRegisterPrivateExpeditedSyncCor = 1 << 6
	mbPrivateExpeditedRseq            = 1 << 7
	mbRegisterPrivateExpeditedRseq    = 1 << 8

	// mbSupported is what MEMBARRIER_CMD_QUERY reports (Linux 6.1 on x86).
	mbSupported = 0x1ff

	mbFlagCPU = 1 // MEMBARRIER_CMD_FLAG_CPU, for the RSEQ command only
)

// sysMembarrier implements membarrier(cmd, flags, cpu_id).
func sysMembarrier(s *System, t *task.Task, a Args) (uint64, error) {
	cmd, flags := int32(a[0]), uint32(a[1])
	if cmd == mbPrivateExpeditedRseq {
		if flags&^mbFlagCPU != 0 {
			return 0, abi.EINVAL
		}
	} else if flags != 0 {
		return 0, abi.EINVAL
	}
	reg := &t.MM().Membarrier
	// needs returns EPERM unless the process registered for cmd.
	needs := func(registration uint32) (uint64, error) {
		if reg.Load()&registration == 0 {
			return 0, abi.EPERM
		}
		return 0, nil
	}
	register := func(bit uint32) (uint64, error) {
		for {
			old := reg.Load()
			if reg.CompareAndSwap(old, old|bit) {
				return 0, nil
			}
		}
	}
	switch cmd {
	case mbQuery:
		return mbSupported, nil
	case mbGlobal, mbGlobalExpedited:
		return 0, nil
	case mbRegisterGlobalExpedited, mbRegisterPrivateExpedited, mbRegisterPrivateExpeditedSyncCor, mbRegisterPrivateExpeditedRseq:
		return register(uint32(cmd))
	case mbPrivateExpedited:
		return needs(mbRegisterPrivateExpedited)
	case mbPrivateExpeditedSyncCore:
		return needs(mbRegisterPrivateExpeditedSyncCor)
	case mbPrivateExpeditedRseq:
		return needs(mbRegisterPrivateExpeditedRseq)
	}
	return 0, abi.EINVAL
}
