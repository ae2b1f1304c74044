package x64

import (
	"sync"
	"time"

	"aramid/platform/x64/nucleus"
)

// Serial is the COM1 console as a byte stream: Write goes straight out,
// received bytes are delivered to the function given to Start.
type Serial struct {
	mu sync.Mutex
}

// Write sends p to the serial port.
func (s *Serial) Write(p []byte) (int, error) {
	nucleus.ConsoleWrite(p)
	return len(p), nil
}

// Start delivers received bytes to recv from a goroutine. The nucleus
// buffers input from the UART interrupt; this goroutine drains it every few
// milliseconds, which is well below what a person typing notices.
func (s *Serial) Start(recv func([]byte)) {
	go func() {
		buf := make([]byte, 256)
		for {
			n := nucleus.ConsoleRead(buf)
			if n > 0 {
				recv(buf[:n])
				continue
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
}
