package tmpfs

import (
	"strconv"
	"strings"

	"aramid/kernel/abi"
)

// ParseSize reads tmpfs's size= mount option: bytes with an optional k, m,
// g, t or p suffix (powers of 1024), or a percentage of ram. The result is
// in bytes, rounded up to whole pages.
func ParseSize(v string, ram uint64) (uint64, error) {
	if v == "" {
		return 0, abi.EINVAL
	}
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.ParseUint(pct, 10, 64)
		if err != nil || n > 100 {
			return 0, abi.EINVAL
		}
		return ram / PageSize * n / 100 * PageSize, nil // whole pages, as Linux counts
	}
	n, err := ParseCount(v)
	if err != nil || n > ^uint64(0)-PageSize {
		return 0, abi.EINVAL
	}
	return roundPages(n), nil
}

// ParseCount reads a number with an optional k, m, g, t or p suffix
// (powers of 1024), as the nr_blocks= and nr_inodes= options take it
// (Linux's memparse).
func ParseCount(v string) (uint64, error) {
	if v == "" {
		return 0, abi.EINVAL
	}
	shift := 0
	switch v[len(v)-1] {
	case 'k', 'K':
		shift = 10
	case 'm', 'M':
		shift = 20
	case 'g', 'G':
		shift = 30
	case 't', 'T':
		shift = 40
	case 'p', 'P':
		shift = 50
	}
	if shift != 0 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil || n > ^uint64(0)>>shift {
		return 0, abi.EINVAL
	}
	return n << shift, nil
}

func roundPages(n uint64) uint64 { return (n + PageSize - 1) &^ (PageSize - 1) }
