package streamx

import (
	"context"
	"fmt"
	"testing"

	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// A handler returning ctx.Err() reaches providerStatus wrapped by dubbo-go
// as a business error; the consumer must still see the context's code.
func TestProviderStatusOfContextErrors(t *testing.T) {
	for ce, want := range map[error]status.Code{
		context.DeadlineExceeded: status.DeadlineExceeded,
		context.Canceled:         status.Canceled,
		fmt.Errorf("handler: %w", context.DeadlineExceeded): status.DeadlineExceeded,
	} {
		if got := providerStatus(tri.NewError(tri.CodeBizError, ce)).Code(); got != want {
			t.Errorf("%v: got %v, want %v", ce, got, want)
		}
	}
	if got := providerStatus(tri.NewError(tri.CodeBizError, fmt.Errorf("plain"))).Code(); got != status.Unknown {
		t.Errorf("plain error: got %v, want unknown", got)
	}
}
