package syscalls

import (
	"fmt"
	"strings"

	"aramid/kernel/abi"
	"aramid/kernel/loader"
	"aramid/kernel/mm"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

func init() {
	partial("execve", "ELF (static, PIE, PT_INTERP) and #! scripts", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.execveat(t, abi.AT_FDCWD, a[0], a[1], a[2], 0)
	})
	partial("execveat", "as execve; AT_EMPTY_PATH supported", func(s *System, t *task.Task, a Args) (uint64, error) {
		return s.execveat(t, a.Int(0), a[1], a[2], a[3], uint32(a[4]))
	})
}

// execveat implements execve(2) and execveat(2).
func (s *System) execveat(t *task.Task, dirfd int32, pathAddr, argvAddr, envpAddr uint64, flags uint32) (uint64, error) {
	m := t.MM()
	p, err := m.CopyInString(pathAddr, pathMax)
	if err != nil {
		return 0, err
	}
	argv, err := stringArray(m, argvAddr)
	if err != nil {
		return 0, err
	}
	envp, err := stringArray(m, envpAddr)
	if err != nil {
		return 0, err
	}
	if flags&^(abi.AT_EMPTY_PATH|abi.AT_SYMLINK_NOFOLLOW) != 0 {
		return 0, abi.EINVAL
	}
	if err := t.Kernel().ExecNprocCheck(t.TG()); err != nil {
		return 0, err
	}
	if strings.HasPrefix(p, "/") {
		dirfd = abi.AT_FDCWD // an absolute path ignores the descriptor
	}
	dir, err := dirFile(t, dirfd)
	if err != nil {
		return 0, err
	}
	defer release(dir)
	// The name a script's interpreter is given: the path itself, or for a
	// path relative to a descriptor /dev/fd/N[/path]. When N is
	// close-on-exec that name cannot be opened after the exec, and Linux
	// refuses to run a script through it (ENOENT).
	name, hidden := p, false
	if dirfd != abi.AT_FDCWD && !strings.HasPrefix(p, "/") {
		name = fmt.Sprintf("/dev/fd/%d", dirfd)
		if p != "" {
			name += "/" + p
		}
		if fl, err := fds(t).GetFD(dirfd); err == nil && fl&abi.FD_CLOEXEC != 0 {
			hidden = true
		}
	}
	return 0, s.exec(t, dir, p, name, hidden, argv, envp, flags)
}

// Exec runs the program at path (relative to dir) in t's process.
func (s *System) Exec(t *task.Task, dir *vfs.File, path string, argv, envp []string, flags uint32) error {
	return s.exec(t, dir, path, path, false, argv, envp, flags)
}

// exec runs the program at path (relative to dir); a "#!" script's
// interpreter is given name for it, and hidden refuses scripts (their name
// would not be reachable after the exec).
func (s *System) exec(t *task.Task, dir *vfs.File, path, name string, hidden bool, argv, envp []string, flags uint32) error {
	c := s.caller(t)
	for depth := 0; ; depth++ {
		if depth > 4 {
			return abi.ELOOP
		}
		f, err := s.openExec(c, t, dir, path, flags)
		if err != nil {
			return err
		}
		head := make([]byte, 256)
		n, _ := f.Pread(nil, head, 0)
		head = head[:n]
		interp, arg, isScript, err := loader.Interpreter(head)
		if err != nil {
			f.DecRef()
			return err
		}
		if isScript {
			f.DecRef()
			if hidden {
				return abi.ENOENT
			}
			nargv := []string{interp}
			if arg != "" {
				nargv = append(nargv, arg)
			}
			nargv = append(nargv, name)
			if len(argv) > 1 {
				nargv = append(nargv, argv[1:]...)
			}
			argv, path, name, dir, flags = nargv, interp, interp, nil, 0
			continue
		}
		var rnd [16]byte
		s.random(rnd[:])
		// The files execve opens (the program, its interpreter) are
		// closed again when it is done: the new image's mappings hold
		// their own references.
		var opened []*vfs.File
		img := &task.ExecImage{File: s.mapPages(t, f), Argv: argv, Envp: envp, Path: name, Random: rnd,
			Exe:   s.files.vfs.FilePath(fsctx(t), f),
			HWCap: s.files.hwcap, VDSO: s.files.vdso,
			Open: func(ip string) (loader.File, error) {
				inf, err := s.files.vfs.OpenAt(c, fsctx(t), nil, ip, abi.O_RDONLY, 0)
				if err != nil {
					return nil, err
				}
				opened = append(opened, inf)
				return s.mapPages(t, inf), nil
			}}
		if name != path {
			img.CommFrom = img.Exe
		}
		if img.SetID, err = setID(f); err != nil {
			f.DecRef()
			return err
		}
		// The program may not be open for writing, and stays unwritable
		// while it runs (ETXTBSY both ways, as Linux's deny_write_access).
		if f.Inode != nil {
			if err := f.Inode.DenyWriteAccess(); err != nil {
				f.DecRef()
				return err
			}
			img.ExeFile = f.Inode
		}
		err = t.Exec(img, s.fileHooks())
		f.DecRef()
		for _, o := range opened {
			o.DecRef()
		}
		return err
	}
}

func (s *System) openExec(c *vfs.Caller, t *task.Task, dir *vfs.File, path string, flags uint32) (*vfs.File, error) {
	if path == "" && flags&abi.AT_EMPTY_PATH == 0 {
		return nil, abi.ENOENT
	}
	if err := s.files.vfs.AccessAt(c, fsctx(t), dir, path, 1 /* X_OK */, flags&(abi.AT_EMPTY_PATH|abi.AT_SYMLINK_NOFOLLOW)); err != nil {
		return nil, err
	}
	var f *vfs.File
	var err error
	switch {
	case path != "":
		f, err = s.files.vfs.OpenAt(c, fsctx(t), dir, path, abi.O_RDONLY|flags&abi.AT_SYMLINK_NOFOLLOW<<9, 0)
	case dir == nil:
		// AT_EMPTY_PATH on AT_FDCWD names the working directory.
		err = abi.EACCES
	default:
		// fexecve: the file behind the descriptor, read through a new
		// description whatever the descriptor's own access mode.
		f, err = s.files.vfs.Reopen(c, dir, abi.O_RDONLY)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || st.Mode&abi.S_IFMT != abi.S_IFREG {
		f.DecRef()
		return nil, abi.EACCES
	}
	return f, nil
}

func stringArray(m *mm.MM, addr uint64) ([]string, error) {
	var out []string
	if addr == 0 {
		return nil, nil
	}
	total := 0
	for i := 0; ; i++ {
		if i > 1<<17 {
			return nil, abi.E2BIG
		}
		p, err := m.ReadUint64(addr + uint64(i)*8)
		if err != nil {
			return nil, err
		}
		if p == 0 {
			return out, nil
		}
		str, err := m.CopyInString(p, 1<<17)
		if err != nil {
			if err == abi.ENAMETOOLONG {
				return nil, abi.E2BIG
			}
			return nil, err
		}
		total += len(str) + 1
		if total > 2<<20 {
			return nil, abi.E2BIG
		}
		out = append(out, str)
	}
}

// setID reads what the executable changes at execve: its set-user-ID and
// set-group-ID bits (bprm_fill_uid: S_ISUID makes the owner the effective
// uid, S_ISGID with group execute the group the effective gid) and its
// file capabilities (get_file_caps; a malformed attribute fails the exec
// with EINVAL). None of them counts on a nosuid mount.
func setID(f *vfs.File) (*task.SetID, error) {
	if f.Inode == nil || f.Path.Mount != nil && f.Path.Mount.Flags()&abi.MS_NOSUID != 0 {
		return nil, nil
	}
	a := f.Inode.Attr()
	sid := &task.SetID{UID: a.UID, GID: a.GID, SetUID: a.Mode&abi.S_ISUID != 0,
		SetGID: a.Mode&(abi.S_ISGID|0o010) == abi.S_ISGID|0o010}
	fc, err := f.Inode.FileCaps()
	if err != nil {
		return nil, err
	}
	if fc != nil {
		sid.Caps = &task.FileCaps{Permitted: fc.Permitted, Inheritable: fc.Inheritable, Effective: fc.Effective}
	}
	if !sid.SetUID && !sid.SetGID && sid.Caps == nil {
		return nil, nil
	}
	return sid, nil
}
