package layout

import "hash/crc32"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Crc32c continues a crc32c the way Linux's crc32c_le (and ext4_chksum)
// does: no inversion on entry or exit. Seeds are ~0 where ext4 starts one.
func Crc32c(crc uint32, p []byte) uint32 {
	return ^crc32.Update(^crc, castagnoli, p)
}

func crc32cU32(crc, v uint32) uint32 {
	var b [4]byte
	le.PutUint32(b[:], v)
	return Crc32c(crc, b[:])
}

// Crc16 is the crc16 (polynomial 0x8005, reflected as 0xA001) of the
// gdt_csum feature, continuing crc.
func Crc16(crc uint16, p []byte) uint16 {
	for _, b := range p {
		crc ^= uint16(b)
		for i := 0; i < 8; i++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}
