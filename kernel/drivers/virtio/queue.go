package virtio

import (
	"errors"
	"fmt"
	"sync"

	"aramid/kernel/hw"
)

// Split virtqueue layout (virtio 1.x section 2.7; the legacy alignment):
// the descriptor table, the driver ("available") ring right after it, and
// the device ("used") ring on the next 4096-byte boundary.
const (
	descSize     = 16
	descNext     = 1 // VIRTQ_DESC_F_NEXT
	descWrite    = 2 // VIRTQ_DESC_F_WRITE: the device writes this buffer
	usedNoNotify = 1 // VIRTQ_USED_F_NO_NOTIFY
)

// layout returns the offsets of the avail and used rings for size entries
// and the total size.
func layout(size int) (avail, used int) {
	avail = descSize * size
	used = (avail + 6 + 2*size + 4095) &^ 4095
	return avail, used
}

func layoutSize(size int) int {
	_, used := layout(size)
	return used + 6 + 8*size
}

// Buf is one buffer of a request, by physical address.
type Buf struct {
	Phys  uint64
	Len   uint32
	Write bool // the device writes it (a read request's data, a status byte)
}

// Queue is a split virtqueue. Submit and Wait may be called from many
// goroutines; requests complete in any order.
//
// Lock order: Queue.mu is a leaf (Transport calls made under it lock
// nothing of this package).
type Queue struct {
	t     Transport
	index int
	size  int
	mem   hw.DMA
	avail int // offset of the avail ring
	used  int // offset of the used ring

	mu        sync.Mutex
	space     *sync.Cond // signalled when descriptors are freed
	freeHead  int
	numFree   int
	availIdx  uint16
	lastUsed  uint16
	chainLen  []int           // by head: descriptors in the chain (0: not in flight)
	usedLen   []uint32        // by head: bytes the device wrote
	fired     []bool          // by head: completed, not yet collected by Wait
	done      []chan struct{} // by head: one token when the request completes
	completed int
}

// ErrTooManyBufs is returned for a request larger than the queue.
var ErrTooManyBufs = errors.New("virtio: request has more buffers than the queue has descriptors")

// NewQueue allocates queue index of size entries (the device's maximum or
// less; a power of two) and gives it to the device with MSI-X entry vector
// (-1: none).
func NewQueue(plat hw.Platform, t Transport, index, size, vector int) (*Queue, error) {
	if size <= 0 || size > 32768 || size&(size-1) != 0 {
		return nil, fmt.Errorf("virtio: queue %d: bad size %d", index, size)
	}
	mem, err := plat.AllocDMA(layoutSize(size))
	if err != nil {
		return nil, fmt.Errorf("virtio: queue %d: %w", index, err)
	}
	q := &Queue{t: t, index: index, size: size, mem: mem, numFree: size,
		chainLen: make([]int, size), usedLen: make([]uint32, size), fired: make([]bool, size), done: make([]chan struct{}, size)}
	q.avail, q.used = layout(size)
	q.space = sync.NewCond(&q.mu)
	for i := 0; i < size; i++ {
		mem.Store16(i*descSize+14, uint16(i+1)) // free list through next
		q.done[i] = make(chan struct{}, 1)
	}
	base := mem.Phys()
	if err := t.SetupQueue(index, size, base, base+uint64(q.avail), base+uint64(q.used), vector); err != nil {
		mem.Free()
		return nil, err
	}
	return q, nil
}

// Free returns the queue's memory; the device must have been reset.
func (q *Queue) Free() { q.mem.Free() }

// Size is the number of descriptors.
func (q *Queue) Size() int { return q.size }

// Token names a submitted request.
type Token int

// Submit puts a request (its buffers in order: those the device reads,
// then those it writes) on the queue and notifies the device. It blocks
// while the queue has too few free descriptors.
func (q *Queue) Submit(bufs []Buf) (Token, error) {
	if len(bufs) == 0 || len(bufs) > q.size {
		return 0, ErrTooManyBufs
	}
	q.mu.Lock()
	for q.numFree < len(bufs) {
		q.space.Wait()
	}
	head := q.freeHead
	d := head
	for i, b := range bufs {
		o := d * descSize
		next := int(q.mem.Load16(o + 14))
		flags := uint16(0)
		if b.Write {
			flags |= descWrite
		}
		if i+1 < len(bufs) {
			flags |= descNext
		}
		q.mem.Store64(o, b.Phys)
		q.mem.Store32(o+8, b.Len)
		q.mem.Store16(o+12, flags)
		if i+1 < len(bufs) {
			q.mem.Store16(o+14, uint16(next))
			d = next
		} else {
			q.freeHead = next
		}
	}
	q.numFree -= len(bufs)
	q.chainLen[head] = len(bufs)
	q.mem.Store16(q.avail+4+2*int(q.availIdx%uint16(q.size)), uint16(head))
	q.availIdx++
	// flags (0: interrupts wanted) and idx in one 32-bit store, which on
	// x86 is also the fence that orders it before the used-flags load.
	q.mem.Store32(q.avail, uint32(q.availIdx)<<16)
	notify := q.mem.Load16(q.used)&usedNoNotify == 0
	q.mu.Unlock()
	if notify {
		q.t.Notify(q.index)
	}
	return Token(head), nil
}

// Wait blocks until the request completes and returns how many bytes the
// device wrote into its buffers. Its descriptors are free again after.
func (q *Queue) Wait(t Token) uint32 {
	head := int(t)
	<-q.done[head]
	q.mu.Lock()
	n := q.usedLen[head]
	// Give the chain back: walk it through the next fields.
	last, count := head, q.chainLen[head]
	for i := 1; i < count; i++ {
		last = int(q.mem.Load16(last*descSize + 14))
	}
	q.mem.Store16(last*descSize+14, uint16(q.freeHead))
	q.freeHead = head
	q.numFree += count
	q.chainLen[head] = 0
	q.fired[head] = false
	q.mu.Unlock()
	q.space.Broadcast()
	return n
}

// Process collects the requests the device has finished (from the
// interrupt goroutine) and reports how many there were.
func (q *Queue) Process() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for {
		idx := q.mem.Load16(q.used + 2)
		if idx == q.lastUsed {
			return n
		}
		for q.lastUsed != idx {
			e := q.used + 4 + 8*int(q.lastUsed%uint16(q.size))
			id := int(q.mem.Load32(e))
			length := q.mem.Load32(e + 4)
			q.lastUsed++
			if id < 0 || id >= q.size || q.chainLen[id] == 0 || q.fired[id] {
				continue // a device bug: not a request in flight
			}
			q.usedLen[id] = length
			q.fired[id] = true
			q.done[id] <- struct{}{}
			n++
			q.completed++
		}
	}
}
