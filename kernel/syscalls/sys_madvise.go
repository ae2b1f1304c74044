package syscalls

import (
	"aramid/kernel/abi"
	"aramid/kernel/machine"
	"aramid/kernel/mm"
	"aramid/kernel/task"
)

func init() {
	partial("madvise", "every advice Linux 6.1 accepts (no MADV_HWPOISON/SOFT_OFFLINE: memory-failure handling is configured out); MADV_FREE frees at once; MADV_COLLAPSE refuses ranges holding a 2 MiB block (no huge pages)", sysMadvise)
	full("mincore", sysMincore)
	full("msync", sysMsync)
}

const pageSize = machine.PageSize

// sysMadvise implements madvise(2) (see mm.MM.Madvise).
func sysMadvise(s *System, t *task.Task, a Args) (uint64, error) {
	return 0, t.MM().Madvise(a[0], a[1], int(a.Int(2)))
}

// sysMincore implements mincore(2): the residency of each page, written
// for the pages before a hole even when the answer is ENOMEM.
func sysMincore(s *System, t *task.Task, a Args) (uint64, error) {
	addr, length, vec := a[0], a[1], a[2]
	if addr&(pageSize-1) != 0 {
		return 0, abi.EINVAL
	}
	if addr+length < addr || addr+length > mm.UserTop {
		return 0, abi.ENOMEM
	}
	pages := (length + pageSize - 1) / pageSize
	if vec+pages < vec || vec+pages > mm.UserTop {
		return 0, abi.EFAULT
	}
	// Walk in bounded chunks, as Linux does, so a huge length costs no
	// huge buffer.
	const chunk = 1 << 16
	for done := uint64(0); done < pages; {
		n := min(pages-done, chunk)
		out, err := t.MM().Mincore(addr+done*pageSize, n)
		if len(out) > 0 {
			if cerr := t.MM().CopyOut(vec+done, out); cerr != nil {
				return 0, cerr
			}
		}
		if err != nil {
			return 0, err
		}
		done += n
	}
	return 0, nil
}

// sysMsync implements msync(2) (see mm.MM.Msync): the range and flags
// are checked as on Linux, and MS_SYNC syncs shared mappings' files.
func sysMsync(s *System, t *task.Task, a Args) (uint64, error) {
	return 0, t.MM().Msync(a[0], a[1], int(a.Int(2)))
}
