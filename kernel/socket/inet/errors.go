package inet

import (
	"gvisor.dev/gvisor/pkg/tcpip"

	"aramid/kernel/abi"
)

// Errno translates a netstack error into the errno Linux returns in the
// same situation; nil stays nil.
func Errno(e tcpip.Error) error {
	if e == nil {
		return nil
	}
	switch e.(type) {
	case *tcpip.ErrAborted, *tcpip.ErrConnectionAborted:
		return abi.ECONNABORTED
	case *tcpip.ErrAddressFamilyNotSupported:
		return abi.EAFNOSUPPORT
	case *tcpip.ErrAlreadyBound, *tcpip.ErrInvalidEndpointState, *tcpip.ErrInvalidOptionValue,
		*tcpip.ErrInvalidPortRange, *tcpip.ErrMalformedHeader, *tcpip.ErrUnknownProtocol,
		*tcpip.ErrMissingRequiredFields, *tcpip.ErrMulticastInputCannotBeOutput, *tcpip.ErrInvalidNICID:
		return abi.EINVAL
	case *tcpip.ErrAlreadyConnected:
		return abi.EISCONN
	case *tcpip.ErrAlreadyConnecting:
		return abi.EALREADY
	case *tcpip.ErrBadAddress, *tcpip.ErrBadBuffer:
		return abi.EFAULT
	case *tcpip.ErrBadLocalAddress, *tcpip.ErrNoPortAvailable:
		return abi.EADDRNOTAVAIL
	case *tcpip.ErrBroadcastDisabled:
		return abi.EACCES
	case *tcpip.ErrClosedForSend:
		return abi.EPIPE
	case *tcpip.ErrClosedForReceive:
		return abi.ENOTCONN
	case *tcpip.ErrConnectStarted:
		return abi.EINPROGRESS
	case *tcpip.ErrConnectionRefused:
		return abi.ECONNREFUSED
	case *tcpip.ErrConnectionReset:
		return abi.ECONNRESET
	case *tcpip.ErrDestinationRequired:
		return abi.EDESTADDRREQ
	case *tcpip.ErrDuplicateAddress, *tcpip.ErrDuplicateNICID:
		return abi.EEXIST
	case *tcpip.ErrMessageTooLong:
		return abi.EMSGSIZE
	case *tcpip.ErrNetworkUnreachable:
		return abi.ENETUNREACH
	case *tcpip.ErrNoBufferSpace:
		return abi.ENOBUFS
	case *tcpip.ErrHostUnreachable:
		return abi.EHOSTUNREACH
	case *tcpip.ErrHostDown:
		return abi.EHOSTDOWN
	case *tcpip.ErrNoNet:
		return abi.ENONET
	case *tcpip.ErrNotConnected:
		return abi.ENOTCONN
	case *tcpip.ErrNotPermitted:
		return abi.EPERM
	case *tcpip.ErrNotSupported:
		return abi.EOPNOTSUPP
	case *tcpip.ErrPortInUse:
		return abi.EADDRINUSE
	case *tcpip.ErrQueueSizeNotSupported:
		return abi.ENOTTY
	case *tcpip.ErrTimeout:
		return abi.ETIMEDOUT
	case *tcpip.ErrUnknownDevice, *tcpip.ErrUnknownNICID:
		return abi.ENODEV
	case *tcpip.ErrUnknownProtocolOption:
		return abi.ENOPROTOOPT
	case *tcpip.ErrWouldBlock:
		return abi.EAGAIN
	case *tcpip.ErrEndpointBusy:
		return abi.EBUSY
	case *tcpip.ErrNoSuchFile:
		return abi.ENOENT
	}
	return abi.EINVAL
}
