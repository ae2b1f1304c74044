package xz

// lzma2Decoder tracks what LZMA2 requires between the chunks of one block.
type lzma2Decoder struct {
	lzma lzmaDecoder
	// dict is the output index of the last dictionary reset; matches must
	// not reach before it.
	dict int
	// needDict is set until the first chunk of the block resets the
	// dictionary; needProps is set after every dictionary reset until an
	// LZMA chunk supplies properties, which also resets the state and so
	// guarantees that no stale distance survives a dictionary reset.
	needDict, needProps bool
}

// decodeLZMA2 decodes the LZMA2 data of one block, starting at d.src[off:end],
// appending to d.out. It returns the offset just past the end marker.
func (d *decoder) decodeLZMA2(off, end int) (int, error) {
	z := d.lz
	if z == nil {
		// Allocated once per Decode and shared by its blocks: the
		// model and input buffer take about 90 KiB.
		z = new(lzma2Decoder)
		d.lz = z
	}
	z.needDict, z.needProps = true, true
	src := d.src[:end]
	for {
		start := off
		if off >= len(src) {
			return 0, d.errf(ErrFormat, start, "LZMA2 data truncated")
		}
		ctrl := src[off]
		off++
		if ctrl == 0x00 {
			return off, nil
		}
		if ctrl == 0x01 || ctrl >= 0xE0 {
			z.dict = len(d.out)
			z.needDict = false
			z.needProps = true
		} else if z.needDict {
			return 0, d.errf(ErrFormat, start, "first LZMA2 chunk does not reset the dictionary")
		}

		if ctrl < 0x80 {
			if ctrl > 0x02 {
				return 0, d.errf(ErrFormat, start, "invalid LZMA2 control byte %#02x", ctrl)
			}
			if len(src)-off < 2 {
				return 0, d.errf(ErrFormat, start, "LZMA2 chunk header truncated")
			}
			size := (int(src[off])<<8 | int(src[off+1])) + 1
			off += 2
			if len(src)-off < size {
				return 0, d.errf(ErrFormat, start, "uncompressed LZMA2 chunk truncated")
			}
			if err := d.grow(size, start); err != nil {
				return 0, err
			}
			d.out = append(d.out, src[off:off+size]...)
			off += size
			continue
		}

		if len(src)-off < 4 {
			return 0, d.errf(ErrFormat, start, "LZMA2 chunk header truncated")
		}
		usize := (int(ctrl&0x1F)<<16 | int(src[off])<<8 | int(src[off+1])) + 1
		csize := (int(src[off+2])<<8 | int(src[off+3])) + 1
		off += 4
		reset := (ctrl >> 5) & 3 // 0 none, 1 state, 2 state+props, 3 all + dictionary
		if reset >= 2 {
			if off >= len(src) {
				return 0, d.errf(ErrFormat, start, "LZMA2 chunk header truncated")
			}
			if err := z.lzma.setProps(src[off]); err != nil {
				return 0, d.errf(ErrFormat, start, "LZMA2 chunk: %v", err)
			}
			off++
			z.needProps = false
		} else if z.needProps {
			return 0, d.errf(ErrFormat, start, "LZMA2 chunk without properties after a dictionary reset")
		}
		if reset >= 1 {
			z.lzma.resetState()
		}
		if len(src)-off < csize {
			return 0, d.errf(ErrFormat, start, "LZMA2 chunk truncated")
		}
		if err := d.grow(usize, start); err != nil {
			return 0, err
		}
		pos := len(d.out)
		d.out = d.out[:pos+usize]
		if err := z.lzma.decodeChunk(src[off:off+csize], d.out, z.dict, pos, pos+usize); err != nil {
			return 0, d.errf(ErrFormat, start, "LZMA chunk: %v", err)
		}
		off += csize
	}
}
