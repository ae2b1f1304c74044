package syscalls

import (
	"sync"

	"aramid/kernel/abi"
	"aramid/kernel/socket/inet"
	"aramid/kernel/task"
	"aramid/kernel/vfs"
)

// netBufSize is the size of the pooled buffers inet sockets' reads and
// writes go through: the most one call moves (sendChunk, recvStreamMax).
const netBufSize = 1 << 20

// netBufs holds netBufSize buffers. A fresh buffer per call costs an
// allocation and zeroing the size of the transfer, which on a loopback
// TCP stream was half the work; the netstack copies what it is given
// and what it returns, so a buffer is free again when the call ends.
var netBufs = sync.Pool{New: func() any { b := make([]byte, netBufSize); return &b }}

// netBuf returns a buffer of n (at most netBufSize) bytes, not zeroed, and
// the function that gives it back; small buffers come from scratch.
func netBuf(t *task.Task, n uint64) ([]byte, func()) {
	if n <= 4096 || n > netBufSize {
		return scratch(t, n), func() {}
	}
	p := netBufs.Get().(*[]byte)
	return (*p)[:n], func() { netBufs.Put(p) }
}

// ioBuffer is the buffer read(2) and write(2) move n bytes through for
// f: a pooled one for an inet socket (which keeps no reference to it),
// scratch otherwise. release must be called when the call is done with
// it.
func ioBuffer(t *task.Task, f *vfs.File, n uint64) (b []byte, release func()) {
	if _, ok := f.Impl.(*inet.Socket); ok {
		return netBuf(t, n)
	}
	return scratch(t, n), func() {}
}

// streamTrunc reports whether a receive on ns with flags discards the
// bytes it counts (MSG_TRUNC on a stream socket).
func streamTrunc(ns netSocket, flags int) bool {
	return ns.Type() == abi.SOCK_STREAM && flags&abi.MSG_TRUNC != 0
}
