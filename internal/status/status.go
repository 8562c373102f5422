// Package status holds the error type and status codes shared by the
// transport and the public API (which re-exports them).
package status

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"

	"google.golang.org/protobuf/types/known/anypb"
)

// Code is a gRPC status code, as carried in the grpc-status trailer.
type Code uint32

// The gRPC status codes.
const (
	OK                 Code = 0
	Canceled           Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16
)

var codeNames = [...]string{
	"ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded",
	"not_found", "already_exists", "permission_denied", "resource_exhausted",
	"failed_precondition", "aborted", "out_of_range", "unimplemented",
	"internal", "unavailable", "data_loss", "unauthenticated",
}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "code_" + strconv.FormatUint(uint64(c), 10)
}

// Error is an RPC failure: a status code, a message, and the Go error that
// caused it when there is one.
type Error struct {
	code    Code
	msg     string
	cause   error
	details []*anypb.Any // google.rpc.Status details, see details.go
}

// New returns an error with code and message.
func New(code Code, msg string) *Error { return &Error{code: code, msg: msg} }

// Errorf returns an error with code and a formatted message; %w wraps.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{code: code, msg: err.Error(), cause: errors.Unwrap(err)}
}

// Wrap returns an error with code whose message and cause are err.
func Wrap(code Code, err error) *Error {
	return &Error{code: code, msg: err.Error(), cause: err}
}

// Code returns the status code; OK for a nil *Error, whose methods never
// panic (a nil *Error in an error interface is a common slip).
func (e *Error) Code() Code {
	if e == nil {
		return OK
	}
	return e.code
}

// Message returns the status message, without the code.
func (e *Error) Message() string {
	if e == nil {
		return ""
	}
	return e.msg
}

func (e *Error) Error() string {
	if e == nil {
		return OK.String()
	}
	if e.msg == "" {
		return e.code.String()
	}
	return e.code.String() + ": " + e.msg
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.cause
}

// As lets errors.As fill a pointer to a type defined on Error (the
// public streamx.Error) from an *Error in the chain: the two are one
// value seen through two names, so the conversion copies nothing.
func (e *Error) As(target any) bool {
	if e == nil {
		return false
	}
	v := reflect.ValueOf(target)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	dst := v.Elem()
	if dst.Kind() != reflect.Pointer || dst.Type() == errorPtr {
		return false
	}
	src := reflect.ValueOf(e)
	if !src.Type().ConvertibleTo(dst.Type()) {
		return false
	}
	dst.Set(src.Convert(dst.Type()))
	return true
}

var errorPtr = reflect.TypeFor[*Error]()

// Is makes errors.Is(err, context.Canceled) and DeadlineExceeded hold for
// the matching codes, whether the cancellation was local or remote.
func (e *Error) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case context.Canceled:
		return e.code == Canceled
	case context.DeadlineExceeded:
		return e.code == DeadlineExceeded
	}
	return false
}

// CodeOf returns the code of err: OK for nil, the code of an *Error in its
// chain, Canceled/DeadlineExceeded for context errors, Unknown otherwise.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var se *Error
	if errors.As(err, &se) {
		if se == nil {
			return OK // a nil *Error in an interface: no failure
		}
		return se.code
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	return Unknown
}

// From converts err to an error whose chain holds an *Error, keeping an
// *Error found in its chain and mapping context errors. io.EOF is not an
// RPC failure: it and nil map to nil. The result is a plain error, so a
// nil never escapes as a non-nil interface.
func From(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		if se == nil {
			return nil // a nil *Error in an interface: no failure
		}
		return se
	}
	return Wrap(CodeOf(err), err)
}

// As returns the *Error in err's chain, or one made from err (as From
// does); ok is false for nil and io.EOF, which are no failure.
func As(err error) (se *Error, ok bool) {
	if err == nil || errors.Is(err, io.EOF) {
		return nil, false
	}
	if errors.As(err, &se) {
		return se, se != nil // a nil *Error in an interface: no failure
	}
	return Wrap(CodeOf(err), err), true
}

// FromContext maps a done context's error to a status error; nil while
// ctx is not done.
func FromContext(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, io.EOF) {
		return New(FailedPrecondition, "the stream has already ended")
	}
	if cause != nil && cause != err {
		if se, ok := cause.(*Error); ok && se != nil {
			return se
		}
		return Wrap(CodeOf(err), cause)
	}
	return Wrap(CodeOf(err), err)
}
