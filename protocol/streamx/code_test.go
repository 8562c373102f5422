package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// Code is streamx's own type (go doc shows its methods, users' type
// switches name a public type), and every way to get one agrees.
func TestCodeIsDefinedType(t *testing.T) {
	if p := reflect.TypeOf(streamx.CodeOK).PkgPath(); p != "github.com/dubbo-go-streamx/streamx/protocol/streamx" {
		t.Fatalf("Code is declared in %s", p)
	}
	var c any = streamx.CodeOf(context.DeadlineExceeded)
	if _, ok := c.(streamx.Code); !ok {
		t.Fatalf("CodeOf returns %T", c)
	}
	for _, tc := range []struct {
		err  error
		want streamx.Code
		name string
	}{
		{nil, streamx.CodeOK, "ok"},
		{context.Canceled, streamx.CodeCanceled, "canceled"},
		{fmt.Errorf("wrapped: %w", streamx.NewError(streamx.CodeNotFound, "x")), streamx.CodeNotFound, "not_found"},
		{errors.New("plain"), streamx.CodeUnknown, "unknown"},
	} {
		if got := streamx.CodeOf(tc.err); got != tc.want || got.String() != tc.name {
			t.Errorf("CodeOf(%v) = %v (%s), want %v (%s)", tc.err, got, got.String(), tc.want, tc.name)
		}
	}
	if got := streamx.Errorf(streamx.CodeAborted, "a").Code(); got != streamx.CodeAborted {
		t.Errorf("Errorf(...).Code() = %v", got)
	}
	if got := streamx.Code(99).String(); got != "code_99" {
		t.Errorf("Code(99) = %q", got)
	}
}
