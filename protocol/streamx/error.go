package streamx

import (
	"errors"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// Code is a gRPC status code; it is what a failed RPC reports on both sides
// and across languages.
type Code status.Code

// String returns the lower-case gRPC name ("deadline_exceeded"), or
// "code_<n>" for a code outside the list below.
func (c Code) String() string { return status.Code(c).String() }

// The status codes.
const (
	CodeOK                 = Code(status.OK)
	CodeCanceled           = Code(status.Canceled)
	CodeUnknown            = Code(status.Unknown)
	CodeInvalidArgument    = Code(status.InvalidArgument)
	CodeDeadlineExceeded   = Code(status.DeadlineExceeded)
	CodeNotFound           = Code(status.NotFound)
	CodeAlreadyExists      = Code(status.AlreadyExists)
	CodePermissionDenied   = Code(status.PermissionDenied)
	CodeResourceExhausted  = Code(status.ResourceExhausted)
	CodeFailedPrecondition = Code(status.FailedPrecondition)
	CodeAborted            = Code(status.Aborted)
	CodeOutOfRange         = Code(status.OutOfRange)
	CodeUnimplemented      = Code(status.Unimplemented)
	CodeInternal           = Code(status.Internal)
	CodeUnavailable        = Code(status.Unavailable)
	CodeDataLoss           = Code(status.DataLoss)
	CodeUnauthenticated    = Code(status.Unauthenticated)
)

// Error is a failed RPC: a Code, a message, and the cause when it is a local
// Go error. Use errors.As to get it from any error this package returns
// (the transport's errors are the same value under an internal name;
// errors.As converts them). A nil *Error's methods do not panic: it reads
// as CodeOK. AddDetail changes the error: call it before the error is
// shared.
type Error status.Error

func (e *Error) status() *status.Error { return (*status.Error)(e) }

// public gives an error crossing the API to the user its public type, so
// that a type assertion or switch on *Error works as errors.As does (the
// layers below return the same value under its internal name).
func public(err error) error {
	if se, ok := err.(*status.Error); ok {
		return (*Error)(se)
	}
	return err
}

// NewError returns an *Error with code and message. Handlers return one to
// choose the status the caller sees; any other error reaches the caller as
// CodeUnknown with the error's text.
func NewError(code Code, msg string) *Error { return (*Error)(status.New(status.Code(code), msg)) }

// Errorf returns an *Error with code and a formatted message (%w wraps).
func Errorf(code Code, format string, args ...any) *Error {
	return (*Error)(status.Errorf(status.Code(code), format, args...))
}

// Code returns the status code.
func (e *Error) Code() Code { return Code(e.status().Code()) }

// Message returns the status message, without the code.
func (e *Error) Message() string { return e.status().Message() }

// Error returns "<code>: <message>" ("not_found: no such user").
func (e *Error) Error() string { return e.status().Error() }

// Unwrap returns the local cause, if any (nil for a peer's status).
func (e *Error) Unwrap() error { return e.status().Unwrap() }

// Is makes errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) hold for the matching codes,
// whether the cancellation was local or remote.
func (e *Error) Is(target error) bool { return e.status().Is(target) }

// As lets the transport find a handler's *Error under its internal name
// (a nil *Error included: it reads as no failure).
func (e *Error) As(target any) bool {
	if t, ok := target.(**status.Error); ok {
		*t = e.status()
		return true
	}
	return false
}

// AddDetail appends msg (an errdetails.BadRequest, say) to the status
// details the peer reads with Details, or with grpc-go's
// status.FromError(err).Details(). It fails only when msg cannot be
// marshalled; the error is then unchanged.
func (e *Error) AddDetail(msg proto.Message) error { return e.status().AddDetail(msg) }

// Details returns the status details received or added, or nil. Unpack
// one with (*anypb.Any).UnmarshalTo or UnmarshalNew; do not modify the
// slice.
func (e *Error) Details() []*anypb.Any { return e.status().Details() }

// CodeOf returns the code of err: CodeOK for nil, the code of an *Error in
// its chain, CodeCanceled / CodeDeadlineExceeded for context errors, and
// CodeUnknown otherwise.
func CodeOf(err error) Code { return Code(status.CodeOf(err)) }

// Errors that are not RPC failures: the stream goes on after each.
var (
	// ErrReadTimeout is returned by ReadTimeout when no message came in
	// time (dubbo-python's read(timeout) returning None). The stream stays
	// open and nothing is lost.
	ErrReadTimeout = transport.ErrReadTimeout
	// ErrWriteAfterDone is returned by Write after DoneWriting.
	ErrWriteAfterDone = transport.ErrWriteAfterDone
	// ErrDoneTwice is returned by a second DoneWriting.
	ErrDoneTwice = transport.ErrDoneTwice
)

// ErrNoProvider is in the chain of a call's error (code CodeUnavailable)
// when dubbo-go's cluster had no provider to send the call to: none found
// in the registry yet, or every one it knows failed this call. The call
// reached no provider, so retrying it is safe.
var ErrNoProvider = errors.New("streamx: no provider available")
