package dubboext

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"
	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// A handler returning ctx.Err() reaches providerStatus wrapped by dubbo-go
// as a business error; the consumer must still see the context's code.
func TestProviderStatusOfContextErrors(t *testing.T) {
	for ce, want := range map[error]status.Code{
		context.DeadlineExceeded: status.DeadlineExceeded,
		context.Canceled:         status.Canceled,
		fmt.Errorf("handler: %w", context.DeadlineExceeded): status.DeadlineExceeded,
	} {
		if got := status.CodeOf(providerStatus(tri.NewError(tri.CodeBizError, ce))); got != want {
			t.Errorf("%v: got %v, want %v", ce, got, want)
		}
	}
	if got := status.CodeOf(providerStatus(tri.NewError(tri.CodeBizError, fmt.Errorf("plain")))); got != status.Unknown {
		t.Errorf("plain error: got %v, want unknown", got)
	}
}

// Attachments are the request headers as stock Triple gives them: lower-case
// keys and []string values, the shared transport values as well as the
// request's own.
func TestAttachmentsOf(t *testing.T) {
	var c wire.Canon
	for range 2 { // the second time, the content type is a shared value
		h := c.Header([]hpack.HeaderField{
			{Name: "content-type", Value: "application/grpc+proto"},
			{Name: "x-user", Value: "alice"},
			{Name: "x-multi", Value: "a"},
			{Name: "x-multi", Value: "b"},
		})
		got := attachmentsOf(h)
		want := map[string]any{
			"content-type": []string{"application/grpc+proto"},
			"x-user":       []string{"alice"},
			"x-multi":      []string{"a", "b"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("attachments %v, want %v", got, want)
		}
	}
}
