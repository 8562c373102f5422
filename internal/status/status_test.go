package status

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestCodeOf(t *testing.T) {
	wrapped := fmt.Errorf("outer: %w", New(NotFound, "x"))
	for _, c := range []struct {
		err  error
		want Code
	}{
		{nil, OK},
		{wrapped, NotFound},
		{context.Canceled, Canceled},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), DeadlineExceeded},
		{errors.New("plain"), Unknown},
	} {
		if got := CodeOf(c.err); got != c.want {
			t.Errorf("CodeOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestErrorIsContext(t *testing.T) {
	if !errors.Is(New(Canceled, "remote"), context.Canceled) || errors.Is(New(Unknown, ""), context.Canceled) {
		t.Fatal("Is(context.Canceled)")
	}
	if !errors.Is(New(DeadlineExceeded, ""), context.DeadlineExceeded) {
		t.Fatal("Is(context.DeadlineExceeded)")
	}
	cause := errors.New("root")
	if e := Errorf(Internal, "x: %w", cause); !errors.Is(e, cause) || e.Error() != "internal: x: root" {
		t.Fatalf("Errorf: %v", e)
	}
}

func TestFrom(t *testing.T) {
	if From(nil) != nil || From(io.EOF) != nil {
		t.Fatal("nil and io.EOF are not failures")
	}
	if CodeOf(From(errors.New("x"))) != Unknown {
		t.Fatal("plain error")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(New(Aborted, "why"))
	if got, _ := As(FromContext(ctx)); got.Code() != Aborted || got.Message() != "why" {
		t.Fatalf("FromContext with a status cause: %v", got)
	}
	ctx, cancel = context.WithCancelCause(context.Background())
	cancel(io.EOF)
	if got := FromContext(ctx); CodeOf(got) != FailedPrecondition {
		t.Fatalf("FromContext after a clean end: %v", got)
	}
	if FromContext(context.Background()) != nil {
		t.Fatal("live context")
	}
	// A nil *Error inside an error never comes back out as a non-nil one.
	var nilErr *Error
	if From(fmt.Errorf("wrapped: %w", io.EOF)) != nil {
		t.Fatal("a wrapped io.EOF")
	}
	if got := CodeOf(nilErr); got != OK || From(nilErr) != nil {
		t.Fatalf("CodeOf(nil *Error): %v", got)
	}
	if Code(99).String() != "code_99" || Unavailable.String() != "unavailable" {
		t.Fatal("String")
	}
}
