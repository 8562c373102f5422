package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// Error is a defined type: errors.As finds it in any error the package
// returns, CodeOf reads a wrapped one, and a nil one never panics.
func TestErrorIsDefinedAndInspectable(t *testing.T) {
	e := streamx.Errorf(streamx.CodeNotFound, "no %s: %w", "user", io.ErrUnexpectedEOF)
	wrapped := fmt.Errorf("lookup: %w", e)
	var got *streamx.Error
	if !errors.As(wrapped, &got) || got != e || got.Code() != streamx.CodeNotFound || got.Message() != "no user: unexpected EOF" {
		t.Fatalf("errors.As: %v", got)
	}
	if streamx.CodeOf(wrapped) != streamx.CodeNotFound || !errors.Is(wrapped, io.ErrUnexpectedEOF) {
		t.Fatalf("CodeOf %v, Is %v", streamx.CodeOf(wrapped), errors.Is(wrapped, io.ErrUnexpectedEOF))
	}
	if c := streamx.NewError(streamx.CodeCanceled, "x"); !errors.Is(c, context.Canceled) || c.Error() != "canceled: x" {
		t.Fatalf("canceled: %v", c)
	}
	var nilErr *streamx.Error
	var asErr error = nilErr
	if asErr.Error() != "ok" || streamx.CodeOf(asErr) != streamx.CodeOK || nilErr.Details() != nil {
		t.Fatalf("nil *Error: %q %v", asErr.Error(), streamx.CodeOf(asErr))
	}
}

// The errors the API hands back are *streamx.Error values themselves, not
// only reachable with errors.As: a type assertion or a type switch on
// *streamx.Error works on what Read, Write, DoneWriting and Call return
// (before, they came back under the transport's internal type).
func TestAPIErrorsAssertAsError(t *testing.T) {
	conn := streamxtest.Serve(t, greeter.NewService())
	ctx := ctxT(t)
	check := func(what string, err error, want streamx.Code) {
		t.Helper()
		se, ok := err.(*streamx.Error)
		if !ok {
			t.Fatalf("%s: %T (%v), want *streamx.Error", what, err, err)
		}
		if se.Code() != want {
			t.Fatalf("%s: %v, want %v", what, se.Code(), want)
		}
	}

	replies, err := greeter.SlowServerStream.Call(ctx, conn, greeter.Req("bad"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = replies.Read()
	check("Read", err, streamx.CodeInvalidArgument)

	_, err = greeter.SayHello.Call(ctx, conn, nil)
	check("Call with a nil request", err, streamx.CodeInvalidArgument)

	cctx, cancel := context.WithCancel(ctx)
	s, err := greeter.BiStream.Open(cctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := s.Read(); err == nil {
		t.Fatal("Read after cancel gave no error")
	}
	check("Write after cancel", s.Write(greeter.Req("x")), streamx.CodeCanceled)
}
