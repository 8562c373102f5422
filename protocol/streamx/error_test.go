package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
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
