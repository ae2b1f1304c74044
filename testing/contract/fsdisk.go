package contract

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The filesystem family: contracts under testing/contracts/<FSFamily> run
// in boots of their own with an ext4 disk (WriteFSDisk) as the second
// virtio-blk disk, /dev/vdb, after the test disk. That disk is not a
// snapshot: every kernel's run starts from a fresh image and writes reach
// it. After the family's programs the harness runs DigestName, a program
// that lists every file of the disk (runner/ext4_digest.c), then checks
// the image itself (FSChecks): e2fsck -fn must find it clean, and the
// reference kernel, booted on the image the candidate wrote, must print
// the same digest as the candidate did.
const (
	FSFamily   = "ext4"
	DigestName = FSFamily + "/digest"
	// FSDiskSize leaves room for 10,000-entry directories and the
	// allocations of every program; files past 4 GiB are sparse.
	FSDiskSize = 256 << 20
	// FSTestTimeout is the family's least per-program time limit: its
	// 10,000-entry directories take tens of seconds under TCG.
	FSTestTimeout = 120 * time.Second
)

// fsDiskConfig is the mke2fs.conf the disk is made with, so the host's
// /etc/mke2fs.conf does not matter: bookworm's ext4 defaults (without the
// orphan_file of newer e2fsprogs) and an inode per 4 KiB.
const fsDiskConfig = `[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = user_xattr
	blocksize = 4096
	inode_size = 256
	inode_ratio = 4096
	reserved_ratio = 5.0
	lazy_itable_init = false
	lazy_journal_init = false

[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
`

// WriteFSDisk writes the family's ext4 image to path (replacing it),
// made by the host's mke2fs with everything that would vary fixed: the
// UUID, the directory hash seed, the time (E2FSPROGS_FAKE_TIME,
// SOURCE_DATE_EPOCH) and the configuration. The same call always
// writes the same bytes.
func WriteFSDisk(ctx context.Context, path string) error {
	conf := path + ".mke2fs.conf"
	if err := os.WriteFile(conf, []byte(fsDiskConfig), 0o644); err != nil {
		return fmt.Errorf("contract: fs disk: %w", err)
	}
	defer os.Remove(conf)
	tmp := path + ".tmp"
	os.Remove(tmp)
	defer os.Remove(tmp)
	cmd := exec.CommandContext(ctx, "mke2fs", "-q", "-F", "-t", "ext4", "-L", "fsdiff",
		"-U", "f5d1ff00-e4e4-4a4a-8b8b-0123456789ab",
		"-E", "hash_seed=0d15c0de-1234-4567-89ab-cdef01234567,root_owner=0:0,nodiscard",
		tmp, fmt.Sprintf("%dk", FSDiskSize>>10))
	cmd.Env = append(os.Environ(), "MKE2FS_CONFIG="+conf, "E2FSPROGS_FAKE_TIME=1700000000",
		"SOURCE_DATE_EPOCH=1700000000", "MKE2FS_DEVICE_SECTSIZE=512", "MKE2FS_DEVICE_PHYS_SECTSIZE=512")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("contract: fs disk: mke2fs: %w\n%s", err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("contract: fs disk: %w", err)
	}
	return nil
}

// fsck runs e2fsck -fn on img and returns its result as an outcome:
// "e2fsck: clean" and a pass, or e2fsck's whole output and a failure.
func fsck(ctx context.Context, img string) *Outcome {
	out, err := exec.CommandContext(ctx, "e2fsck", "-fn", img).CombinedOutput()
	if err == nil {
		return &Outcome{Lines: []string{"e2fsck: clean", "CONTRACT_PASS"}, End: "exit 0"}
	}
	lines := []string{"e2fsck -fn: " + err.Error()}
	lines = append(lines, strings.Split(strings.TrimRight(string(out), "\n"), "\n")...)
	return &Outcome{Lines: append(lines, "CONTRACT_FAIL e2fsck -fn found problems"), End: "exit 1"}
}

// FSDiskPath is where a kernel's copy of the family's disk is written.
func FSDiskPath(buildDir string, k Kernel) string {
	return filepath.Join(buildDir, "fsdisk-"+k.Name+".img")
}

// FSChecks checks the disks the family's runs left: e2fsck -fn on the
// reference's and (if any) the candidate's, and the reference kernel's
// digest of the candidate's disk against the candidate's own digest
// (candDigest), booting the reference on that disk with digestInitrd.
func FSChecks(ctx context.Context, o Options, bc BootConfig, digestInitrd string, candDigest *Outcome, known Known) []Result {
	refFsck := fsck(ctx, FSDiskPath(o.BuildDir, o.Reference))
	var candFsck *Outcome
	if o.Candidate != nil {
		candFsck = fsck(ctx, FSDiskPath(o.BuildDir, *o.Candidate))
	}
	r := Classify(FSFamily+"/e2fsck", refFsck, candFsck, known)
	r.Runs = map[string]*Outcome{o.Reference.Name: refFsck}
	out := []Result{r}
	if o.Candidate == nil {
		return out
	}
	r.Runs[o.Candidate.Name] = candFsck
	name := FSFamily + "/" + o.Reference.Name + "_reads_" + o.Candidate.Name
	rbc := bc
	rbc.Initrd = digestInitrd
	rbc.FSDisk = FSDiskPath(o.BuildDir, *o.Candidate)
	rbc.TestTimeout = max(rbc.TestTimeout, FSTestTimeout)
	rbc.LogDir = filepath.Join(o.BuildDir, "readback")
	if err := os.MkdirAll(rbc.LogDir, 0o755); err != nil {
		return append(out, Result{Name: name, Verdict: Crash, Reason: err.Error()})
	}
	ref := RunKernel(ctx, o.Reference, []string{DigestName}, rbc, o.BootFunc)[0]
	rr := Classify(name, ref, candDigest, known)
	rr.Runs = map[string]*Outcome{o.Reference.Name: ref, o.Candidate.Name: candDigest}
	return append(out, rr)
}

// splitFS separates the filesystem family from the other contracts.
func splitFS(names, srcs []string) (mainN, mainS, fsN, fsS []string) {
	for i, n := range names {
		if Category(n) == FSFamily {
			fsN, fsS = append(fsN, n), append(fsS, srcs[i])
		} else {
			mainN, mainS = append(mainN, n), append(mainS, srcs[i])
		}
	}
	return mainN, mainS, fsN, fsS
}
